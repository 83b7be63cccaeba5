package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/org/gotl/internal/golden"
	"github.com/org/gotl/internal/npy"
	"github.com/org/gotl/zoo"
)

func runGotl(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestZooSummary(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"summary", "-model", "resnet50", "-include-top"}, []string{`Model: "resnet50"`, "predictions (Dense)", "Total params: 25,636,712\nTrainable params: 25,583,592\nNon-trainable params: 53,120\n"}},
		{[]string{"summary", "-model=vgg16", "-pooling", "max", "-input-shape", "64,48,3"}, []string{"global_max_pooling2d (Global (None, 512)", "Total params: 14,714,688\n"}},
	} {
		code, out, errOut := runGotl(c.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args, w, out)
			}
		}
	}
}

// TestZooLayers: `gotl layers` prints the list tools/keras2npy.py uses.
func TestZooLayers(t *testing.T) {
	code, out, errOut := runGotl("layers", "-model", "resnet50", "-include-top")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "tools", "zoo_layers", "resnet50.json"))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("gotl layers -model resnet50 -include-top differs from tools/zoo_layers/resnet50.json")
	}
}

// TestZooPredict runs a zoo model with saved weights through the command and compares the
// output with the library's; -preprocess applies the model's preprocessing, -decode prints
// the top classes.
func TestZooPredict(t *testing.T) {
	dir := t.TempDir()
	cfg := zoo.Config{IncludeTop: true, InputShape: []int{32, 48, 3}}
	m, err := zoo.ResNet50(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range m.Variables() {
		layer := v.Layer().Name()
		if err := v.Assign(golden.Variable(layer, v.ShortName(), v.Shape(), 1, golden.Damped("resnet50", layer, v.ShortName()))); err != nil {
			t.Fatal(err)
		}
	}
	weights := filepath.Join(dir, "w.npz")
	if err := m.SaveWeights(weights); err != nil {
		t.Fatal(err)
	}
	x := golden.Input(3, 2, 32, 48)
	for i := range x {
		x[i] = (x[i] + 1.25) * 100 // RGB-like values in [0, 250)
	}
	input := filepath.Join(dir, "x.npy")
	if err := npy.WriteFile(input, npy.Array{Shape: []int{2, 32, 48, 3}, Data: x}); err != nil {
		t.Fatal(err)
	}
	pre := slices.Clone(x)
	if err := zoo.Caffe.Floats(pre, 3); err != nil {
		t.Fatal(err)
	}
	want, err := m.Predict(context.Background(), tensor.New(tensor.WithShape(2, 32, 48, 3), tensor.WithBacking(pre)), 2)
	if err != nil {
		t.Fatal(err)
	}
	output := filepath.Join(dir, "y.npy")
	code, out, errOut := runGotl("predict", "-model", "resnet50", "-include-top", "-input-shape", "32,48,3",
		"-weights", weights, "-input", input, "-output", output, "-preprocess", "-decode", "3", "-batch", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	y, err := npy.ReadFile(output)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(y.Shape, []int{2, 1000}) || golden.RelError(y.Data, want.Data().([]float32)) > 1e-6 {
		t.Errorf("output %v differs from the library's (relative error %g)", y.Shape, golden.RelError(y.Data, want.Data().([]float32)))
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	top, err := zoo.DecodePredictions(want, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "0 1 "+top[0][0].ID+" "+top[0][0].Name+" ") || !strings.HasPrefix(lines[5], "1 3 "+top[1][2].ID) {
		t.Errorf("-decode 3 printed:\n%s\nwant the top 3 of %v", out, top)
	}
}

func TestZooCommandErrors(t *testing.T) {
	for _, c := range []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"summary", "-model", "resnet18"}, 1, `unknown model "resnet18"`},
		{[]string{"summary", "-model", "resnet50", "-pooling", "mean"}, 2, `unknown pooling "mean"`},
		{[]string{"summary", "-model", "resnet50", "-input-shape", "224,x,3"}, 2, "-input-shape"},
		{[]string{"summary", "-model", "resnet50", "-include-top", "-pooling", "avg"}, 1, "applies without IncludeTop only"},
		{[]string{"layers"}, 2, "-model is required"},
		{[]string{"predict", "-model", "vgg16", "-input", "x.npy", "-output", "y.npy"}, 2, "-weights is required"},
		{[]string{"predict", "-model", "vgg16", "-weights", "/nonexistent", "-input", "x.npy", "-output", "y.npy"}, 1, "no such file"},
		{[]string{"predict", "-model", "vgg16", "-weights", "w", "-input", "x", "-output", "y", "-decode", "-1"}, 2, "-decode >= 0"},
	} {
		code, _, errOut := runGotl(c.args...)
		if code != c.code || !strings.Contains(errOut, c.contains) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut, c.code, c.contains)
		}
	}
	if !zooArgs([]string{"-include-top", "--model=vgg16"}) || zooArgs([]string{"-config", "m.json"}) || zooArgs([]string{"--", "-model"}) {
		t.Error("zooArgs misreads the command line")
	}
}
