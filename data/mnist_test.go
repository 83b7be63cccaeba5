package data

import (
	"os"
	"testing"
)

// TestLoadFashionMNIST reads the files of Debian's dataset-fashion-mnist (CI installs it).
func TestLoadFashionMNIST(t *testing.T) {
	if _, err := os.Stat(DefaultFashionMNISTDir); err != nil {
		t.Skipf("%s missing (apt-get install dataset-fashion-mnist): %v", DefaultFashionMNISTDir, err)
	}
	xTrain, yTrain, xTest, yTest, err := LoadFashionMNIST(DefaultFashionMNISTDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name        string
		x, yShape   []int
		wantX, want []int
	}{
		{"train", xTrain.Shape(), yTrain.Shape(), []int{60000, 28, 28, 1}, []int{60000}},
		{"test", xTest.Shape(), yTest.Shape(), []int{10000, 28, 28, 1}, []int{10000}},
	} {
		if !equalInts(c.x, c.wantX) || !equalInts(c.yShape, c.want) {
			t.Errorf("%s: shapes %v %v, want %v %v", c.name, c.x, c.yShape, c.wantX, c.want)
		}
	}
	for _, c := range []struct {
		name     string
		y        []float32
		perClass int
	}{
		{"train", yTrain.Data().([]float32), 6000},
		{"test", yTest.Data().([]float32), 1000},
	} {
		var hist [10]int
		for _, v := range c.y {
			hist[int(v)]++
		}
		for k, n := range hist {
			if n != c.perClass {
				t.Errorf("%s: class %d has %d samples, want %d", c.name, k, n, c.perClass)
			}
		}
	}
	// Known facts: the first training image is an ankle boot (9), the first test image too,
	// followed by a pullover (2) and two trousers (1).
	if y := yTrain.Data().([]float32); y[0] != 9 {
		t.Errorf("first training label %v, want 9", y[0])
	}
	if y := yTest.Data().([]float32); y[0] != 9 || y[1] != 2 || y[2] != 1 || y[3] != 1 {
		t.Errorf("first test labels %v, want [9 2 1 1]", y[:4])
	}
	x := xTrain.Data().([]float32)
	lo, hi := x[0], x[0]
	var sum float64
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
		sum += float64(v)
	}
	if lo != 0 || hi != 255 {
		t.Errorf("train pixel range [%v, %v], want [0, 255]", lo, hi)
	}
	// The mean training pixel of Fashion-MNIST is 0.2860 in [0, 1] (72.94 in 0..255).
	if mean := sum / float64(len(x)); mean < 72.8 || mean > 73.1 {
		t.Errorf("train mean pixel %.3f, want about 72.94", mean)
	}
}

func TestLoadFashionMNISTMissing(t *testing.T) {
	_, _, _, _, err := LoadFashionMNIST(t.TempDir())
	if err == nil || !contains(err.Error(), "dataset-fashion-mnist") {
		t.Fatalf("error %v should say how to install the data", err)
	}
}
