package zoo_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/org/gotl/internal/golden"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/zoo"
)

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		model    string
		cfg      zoo.Config
		contains string
	}{
		{"resnet50", zoo.Config{IncludeTop: true, Pooling: zoo.PoolingAvg}, "Pooling avg applies without IncludeTop only"},
		{"resnet50", zoo.Config{Pooling: zoo.Pooling(7)}, "unknown Pooling Pooling(7)"},
		{"resnet50", zoo.Config{Classes: 10}, "Classes 10 applies with IncludeTop only"},
		{"resnet50", zoo.Config{IncludeTop: true, Classes: -1}, "Classes must be > 0, got -1"},
		{"vgg16", zoo.Config{Logits: true}, "apply with IncludeTop only"},
		{"vgg16", zoo.Config{IncludeTop: true, Logits: true, ClassifierActivation: layers.Sigmoid}, "Logits and ClassifierActivation sigmoid both given"},
		{"resnet50", zoo.Config{InputShape: []int{224, 224}}, "want (height, width, channels)"},
		{"resnet50", zoo.Config{InputShape: []int{31, 224, 3}}, "at least 32"},
		{"inception_resnet_v2", zoo.Config{InputShape: []int{74, 75, 3}}, "at least 75"},
		{"resnet50", zoo.Config{InputShape: []int{64, 64, 0}}, "channels must be > 0"},
		{"resnet50", zoo.Config{IncludeTop: true, InputShape: []int{-1, 224, 3}}, "with IncludeTop the height and width must be given"},
		{"resnet101", zoo.Config{Weights: "imagenet"}, "resnet101_weights_tf_dim_ordering_tf_kernels_notop.h5"},
		{"resnet50", zoo.Config{Weights: "/nonexistent/weights"}, "no such file"},
		{"resnet50", zoo.Config{Device: "abacus"}, "abacus"},
	} {
		_, err := zoo.Build(c.model, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.contains) {
			t.Errorf("%s %+v: error %v, want one containing %q", c.model, c.cfg, err, c.contains)
		}
	}
	if _, err := zoo.Build("resnet18", zoo.Config{}); err == nil || !strings.Contains(err.Error(), `unknown model "resnet18"`) {
		t.Errorf("unknown model: %v", err)
	}
	if _, err := zoo.ParsePooling("mean"); err == nil {
		t.Error("ParsePooling(mean): no error")
	}
}

func TestLookup(t *testing.T) {
	for name, function := range map[string]string{
		"resnet50": "ResNet50", "resnet101": "ResNet101", "resnet152": "ResNet152",
		"resnet50v2": "ResNet50V2", "resnet101v2": "ResNet101V2", "resnet152v2": "ResNet152V2",
		"inception_resnet_v2": "InceptionResNetV2", "vgg16": "VGG16", "vgg19": "VGG19",
	} {
		a, ok1 := zoo.Lookup(name)
		b, ok2 := zoo.Lookup(function)
		if !ok1 || !ok2 || a.Name != name || b.Name != name || a.Function != function {
			t.Errorf("Lookup(%s), Lookup(%s) = %+v, %+v", name, function, a, b)
		}
	}
	info, _ := zoo.Lookup("inception_resnet_v2")
	if info.DefaultSize != 299 || info.MinSize != 75 || info.WeightFiles[1] != "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5" {
		t.Errorf("InceptionResNetV2 info %+v", info)
	}
}

// TestBuildersAgree checks that each named builder builds its model, and that a model's
// automatic Keras names do not depend on what the process built before (InceptionResNetV2).
func TestBuildersAgree(t *testing.T) {
	builders := map[string]func(zoo.Config) (*nn.Model, error){
		"resnet50": zoo.ResNet50, "resnet101": zoo.ResNet101, "resnet152": zoo.ResNet152,
		"resnet50v2": zoo.ResNet50V2, "resnet101v2": zoo.ResNet101V2, "resnet152v2": zoo.ResNet152V2,
		"inception_resnet_v2": zoo.InceptionResNetV2, "vgg16": zoo.VGG16, "vgg19": zoo.VGG19,
	}
	var irv2 []string
	for name, build := range builders {
		if testing.Short() && name != "inception_resnet_v2" {
			continue
		}
		m, err := build(zoo.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if m.Name() != name {
			t.Errorf("the builder of %s builds %s", name, m.Name())
		}
		if name == "inception_resnet_v2" {
			irv2 = layerNames(m)
		}
	}
	// Unrelated auto-named layers, and models, made in between change nothing.
	layers.NewConv2D(3, 3)
	layers.NewBatchNormalization()
	if _, err := zoo.VGG16(zoo.Config{}); err != nil {
		t.Fatal(err)
	}
	m, err := zoo.Build("inception_resnet_v2", zoo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := layerNames(m); !slices.Equal(got, irv2) || !slices.Contains(got, "conv2d_202") {
		t.Errorf("InceptionResNetV2 built again has other names")
	}
}

func layerNames(m *nn.Model) []string {
	var names []string
	for _, l := range m.Layers() {
		names = append(names, l.Name())
	}
	return names
}

// TestWeightsFile saves counter weights, builds the model again from the file (a directory
// and an .npz) and compares outputs; a file for the other include_top setting is refused
// with a hint.
func TestWeightsFile(t *testing.T) {
	cfg := zoo.Config{IncludeTop: true, Classes: 7, InputShape: []int{32, 40, 3}, Logits: true}
	m, err := zoo.ResNet50V2(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if act := m.Layers()[len(m.Layers())-1].(*layers.Dense).Activation(); act != layers.Linear {
		t.Errorf("Logits: predictions activation %v", act)
	}
	if err := golden.SetWeights(m, "resnet50v2", 5); err != nil {
		t.Fatal(err)
	}
	x := tensor.New(tensor.WithShape(2, 32, 40, 3), tensor.WithBacking(golden.Input(9, 2, 32, 40)))
	want, err := m.Predict(context.Background(), x, 2)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "w"), filepath.Join(dir, "w.npz")} {
		if err := m.SaveWeights(path); err != nil {
			t.Fatal(err)
		}
		cfg.Weights = path
		m2, err := zoo.ResNet50V2(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m2.Predict(context.Background(), x, 2)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Data().([]float32), want.Data().([]float32)) {
			t.Errorf("%s: outputs differ after loading", path)
		}
	}
	_, err = zoo.ResNet50V2(zoo.Config{Weights: filepath.Join(dir, "w.npz"), InputShape: []int{32, 40, 3}})
	if err == nil || !strings.Contains(err.Error(), "it was made with IncludeTop") || !strings.Contains(err.Error(), `"predictions/kernel" is not a variable`) {
		t.Errorf("top weights into a model without the top: %v", err)
	}
	base, err := zoo.ResNet50V2(zoo.Config{InputShape: []int{32, 40, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if err := base.SaveWeights(filepath.Join(dir, "notop")); err != nil {
		t.Fatal(err)
	}
	_, err = zoo.ResNet50V2(zoo.Config{IncludeTop: true, Weights: filepath.Join(dir, "notop"), InputShape: []int{32, 40, 3}})
	if err == nil || !strings.Contains(err.Error(), "holds weights for IncludeTop false") {
		t.Errorf("notop weights into a model with the top: %v", err)
	}
}
