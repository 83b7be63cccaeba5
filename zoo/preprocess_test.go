package zoo_test

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/org/gotl/data"
	"github.com/org/gotl/internal/npy"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/zoo"
)

// TestPreprocessKeras compares each mode with keras_applications' preprocess_input on the
// same float32 batch, bit for bit (testdata/preprocess, made by make.py).
func TestPreprocessKeras(t *testing.T) {
	x, err := npy.ReadFile(filepath.Join("testdata", "preprocess", "x.npy"))
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []zoo.PreprocessMode{zoo.Caffe, zoo.TF, zoo.Torch} {
		want, err := npy.ReadFile(filepath.Join("testdata", "preprocess", mode.String()+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		// As a batch tensor.
		batch := tensor.New(tensor.WithShape(x.Shape...), tensor.WithBacking(slices.Clone(x.Data)))
		if err := mode.Apply(batch); err != nil {
			t.Fatal(err)
		}
		if got := batch.Data().([]float32); !bitsEqual(got, want.Data) {
			t.Errorf("%v batch: got %v\nwant %v", mode, got[:6], want.Data[:6])
		}
		// Image by image, through the data pipeline's hook.
		img := slices.Clone(x.Data)
		h, w, c := x.Shape[1], x.Shape[2], x.Shape[3]
		for n := range x.Shape[0] {
			mode.Image(img[n*h*w*c:(n+1)*h*w*c], h, w, c)
		}
		if !bitsEqual(img, want.Data) {
			t.Errorf("%v per image differs from Keras", mode)
		}
	}
}

func bitsEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func TestPreprocessExact(t *testing.T) {
	px := []float32{0, 127.5, 255}
	if err := zoo.Caffe.Floats(px, 3); err != nil {
		t.Fatal(err)
	}
	// BGR: 255 − 103.939, 127.5 − 116.779, 0 − 123.68, each in float32.
	want := []float32{float32(255) - float32(103.939), float32(127.5) - float32(116.779), -float32(123.68)}
	if !bitsEqual(px, want) {
		t.Errorf("caffe: %v, want %v", px, want)
	}
	px = []float32{0, 127.5, 255, 63.75}
	if err := zoo.TF.Floats(px, 1); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(px, []float32{-1, 0, 1, -0.5}) {
		t.Errorf("tf: %v", px)
	}
}

func TestPreprocessErrors(t *testing.T) {
	for _, c := range []struct {
		mode     zoo.PreprocessMode
		n, ch    int
		contains string
	}{
		{zoo.Caffe, 4, 1, "needs 3 channels"},
		{zoo.Torch, 8, 4, "needs 3 channels"},
		{zoo.TF, 5, 3, "not a whole number"},
		{zoo.TF, 3, 0, "channels must be > 0"},
		{zoo.PreprocessMode(9), 3, 3, "unknown preprocess mode"},
	} {
		err := c.mode.Floats(make([]float32, c.n), c.ch)
		if err == nil || !strings.Contains(err.Error(), c.contains) {
			t.Errorf("%v on %d values, %d channels: error %v, want one containing %q", c.mode, c.n, c.ch, err, c.contains)
		}
	}
	if err := zoo.Caffe.Apply(tensor.New(tensor.WithShape(2, 2), tensor.Of(tensor.Float64))); err == nil || !strings.Contains(err.Error(), "float32") {
		t.Errorf("float64 tensor: %v", err)
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), "3 channels") {
				t.Errorf("Image on a grey image: panic %v", r)
			}
		}()
		zoo.Caffe.Image(make([]float32, 4), 2, 2, 1)
	}()
	if err := zoo.PreprocessInput("resnet", tensor.New(tensor.WithShape(1, 3), tensor.Of(tensor.Float32))); err == nil || !strings.Contains(err.Error(), `unknown model "resnet"`) {
		t.Errorf("unknown model: %v", err)
	}
}

// TestModelsCarryPreprocessing checks each model's mode (KERAS.md §7.1) and that a model
// on a zoo base reports the base's.
func TestModelsCarryPreprocessing(t *testing.T) {
	want := map[string]zoo.PreprocessMode{
		"resnet50": zoo.Caffe, "resnet101": zoo.Caffe, "resnet152": zoo.Caffe,
		"resnet50v2": zoo.TF, "resnet101v2": zoo.TF, "resnet152v2": zoo.TF,
		"inception_resnet_v2": zoo.TF, "vgg16": zoo.Caffe, "vgg19": zoo.Caffe,
	}
	if names := zoo.Names(); len(names) != len(want) {
		t.Fatalf("zoo.Names() = %v", names)
	}
	for name, mode := range want {
		info, ok := zoo.Lookup(name)
		if !ok || info.Preprocess != mode {
			t.Errorf("%s: %v %v, want %v", name, info.Preprocess, ok, mode)
		}
	}
	base, err := zoo.VGG16(zoo.Config{InputShape: []int{32, 32, 3}})
	if err != nil {
		t.Fatal(err)
	}
	head, err := nn.NewSequential([]nn.Layer{base, layers.NewFlatten(), layers.NewDense(2)})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*nn.Model{base, head} {
		info, ok := zoo.InfoOf(m)
		if !ok || info.Name != "vgg16" {
			t.Errorf("InfoOf(%s) = %v, %v", m.Name(), info.Name, ok)
		}
		f, err := zoo.PreprocessFunc(m)
		if err != nil {
			t.Fatal(err)
		}
		// As the data pipeline applies it (Keras: preprocessing_function before rescale).
		gen := data.ImageDataGenerator{PreprocessingFunction: f}
		img := []float32{10, 20, 30}
		gen.Standardize(img, 1, 1, 3)
		if img[0] != 30-float32(103.939) {
			t.Errorf("PreprocessFunc(%s) is not caffe: %v", m.Name(), img)
		}
	}
	x := nn.Input(4)
	plain, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{layers.NewDense(2).Call(x)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zoo.PreprocessFunc(plain); err == nil || !strings.Contains(err.Error(), "not a zoo model") {
		t.Errorf("PreprocessFunc of a plain model: %v", err)
	}
	batch := tensor.New(tensor.WithShape(1, 1, 1, 3), tensor.WithBacking([]float32{0, 127.5, 255}))
	if err := zoo.PreprocessInput("resnet50v2", batch); err != nil {
		t.Fatal(err)
	}
	if got := batch.Data().([]float32); !slices.Equal(got, []float32{-1, 0, 1}) {
		t.Errorf("PreprocessInput(resnet50v2) = %v", got)
	}
}

func TestDecodePredictions(t *testing.T) {
	classes, err := zoo.ImageNetClasses()
	if err != nil {
		t.Fatal(err)
	}
	if len(classes) != 1000 || classes[0] != (zoo.ImageNetClass{ID: "n01440764", Name: "tench"}) ||
		classes[999] != (zoo.ImageNetClass{ID: "n15075141", Name: "toilet_tissue"}) ||
		classes[134].Name != "crane" || classes[517].Name != "crane" {
		t.Fatalf("classes: %d, first %v, last %v", len(classes), classes[0], classes[len(classes)-1])
	}
	for i := 1; i < len(classes); i++ {
		if classes[i].ID <= classes[i-1].ID {
			t.Fatalf("WordNet IDs not ascending at %d", i)
		}
	}
	preds := make([]float32, 2000)
	preds[1], preds[7], preds[999] = 0.5, 0.3, 0.2
	preds[1000+3], preds[1000+4], preds[1000+5] = 0.25, 0.5, 0.25 // a tie: index order
	got, err := zoo.DecodePredictions(tensor.New(tensor.WithShape(2, 1000), tensor.WithBacking(preds)), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 7, 999}, {4, 3, 5}}
	for r, row := range got {
		for j, p := range row {
			if p.Index != want[r][j] || p.ImageNetClass != classes[p.Index] || p.Score != preds[r*1000+p.Index] {
				t.Errorf("row %d, rank %d: %+v, want index %d", r, j, p, want[r][j])
			}
		}
	}
	if got[0][0].Name != "goldfish" || got[0][0].ID != "n01443537" {
		t.Errorf("top class %+v, want goldfish", got[0][0])
	}
	if _, err := zoo.DecodePredictions(tensor.New(tensor.WithShape(2, 10), tensor.Of(tensor.Float32)), 5); err == nil || !strings.Contains(err.Error(), "(samples, 1000)") {
		t.Errorf("10 classes: %v", err)
	}
	if _, err := zoo.DecodePredictions(tensor.New(tensor.WithShape(1, 1000), tensor.Of(tensor.Float32)), 0); err == nil {
		t.Error("top 0: no error")
	}
}
