package zoo_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/org/gotl/internal/golden"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/zoo"
)

const python = "/usr/bin/python3"

// needH5py skips the test when Debian's python3 lacks h5py or numpy (CI installs
// python3-h5py and python3-numpy with .ci/deps).
func needH5py(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(python, "-c", "import h5py, numpy").CombinedOutput(); err != nil {
		t.Skipf("%s cannot import h5py and numpy (apt-get install python3-h5py python3-numpy): %v %s", python, err, out)
	}
}

// runPython runs a Python script with args and returns its combined output.
func runPython(t *testing.T, script string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(python, append([]string{script}, args...)...).CombinedOutput()
	return string(out), err
}

// smallModel has every kind of weighted layer the zoo has, automatically named ones (as
// in InceptionResNetV2) among explicitly named ones.
func smallModel(t *testing.T, seed uint64) *nn.Model {
	t.Helper()
	x := nn.Input(9, 9, 3)
	y := layers.NewConv2D(4, 3, layers.Conv2DConfig{NoBias: true}).Call(x)
	y = layers.NewBatchNormalization(layers.BatchNormalizationConfig{NoScale: true}).Call(y)
	y = layers.NewActivation(layers.ReLU).Call(y)
	a := layers.NewConv2D(5, 1, layers.Conv2DConfig{Name: "block_conv"}).Call(y)
	b := layers.NewConv2DKernel(5, 1, 3, layers.Conv2DConfig{Padding: layers.Same}).Call(y)
	y = layers.NewConcatenate().Call(a, b)
	y = layers.NewBatchNormalization(layers.BatchNormalizationConfig{Epsilon: 1.001e-5}).Call(y)
	y = layers.NewGlobalAveragePooling2D().Call(y)
	y = layers.NewDense(3, layers.DenseConfig{Name: "predictions"}).Call(y)
	m, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y}, nn.WithName("small"), nn.WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// writeLayerList returns the JSON of zoo.Layers(m), written to path unless path is "".
func writeLayerList(t *testing.T, m *nn.Model, path string) []byte {
	t.Helper()
	list, err := zoo.Layers(m)
	if err != nil {
		t.Fatal(err)
	}
	data, err := list.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if path != "" {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return data
}

func sameVariables(t *testing.T, got, want *nn.Model) {
	t.Helper()
	wv := want.Variables()
	for i, v := range got.Variables() {
		if v.Name() != wv[i].Name() || !slices.Equal(v.Read(), wv[i].Read()) {
			t.Errorf("variable %s differs from the original %s", v.Name(), wv[i].Name())
		}
	}
}

// TestKeras2npy writes Keras-layout .h5 files with h5py (keras_h5.py) from known weights,
// converts them with tools/keras2npy.py and loads the result by name: the values come back
// exactly, whatever the weight-name spelling (Keras 2, Keras 1), the nesting (save_weights,
// save) and the session's automatic names; wrong files are refused with a reason.
func TestKeras2npy(t *testing.T) {
	needH5py(t)
	dir := t.TempDir()
	tool, maker := filepath.Join("..", "tools", "keras2npy.py"), filepath.Join("testdata", "keras_h5.py")
	orig := smallModel(t, 1)
	for _, v := range orig.Variables() {
		if err := v.Assign(golden.Variable(v.Layer().Name(), v.ShortName(), v.Shape(), 3, false)); err != nil {
			t.Fatal(err)
		}
	}
	src, list := filepath.Join(dir, "src"), filepath.Join(dir, "small.json")
	if err := orig.SaveWeights(src); err != nil {
		t.Fatal(err)
	}
	writeLayerList(t, orig, list)

	for i, c := range []struct {
		name      string
		makeArgs  []string
		out       string
		convArgs  []string
		wantError string
	}{
		{name: "keras2", makeArgs: []string{"--empty", "input_1"}, out: "w"},
		{name: "keras1-session-npz", makeArgs: []string{"--rename-auto", "7", "--keras1", "--model-weights", "--empty", "input_3", "--empty", "activation_9"}, out: "w.npz"},
		{name: "renamed-explicit", makeArgs: []string{"--rename", "block_conv=other_conv"}, out: "w", wantError: `the file's 'other_conv' is the model's 'block_conv'`},
		{name: "renamed-by-order", makeArgs: []string{"--rename", "block_conv=other_conv"}, out: "w", convArgs: []string{"--by-order"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h5 := filepath.Join(dir, c.name+".h5")
			if out, err := runPython(t, maker, append([]string{src, list, h5}, c.makeArgs...)...); err != nil {
				t.Fatalf("keras_h5.py: %v\n%s", err, out)
			}
			dst := filepath.Join(dir, "case"+string(rune('a'+i)), c.out)
			out, err := runPython(t, tool, append(append([]string{"--layers", list}, c.convArgs...), h5, dst)...)
			if c.wantError != "" {
				if err == nil || !strings.Contains(out, c.wantError) {
					t.Fatalf("keras2npy: %v, output %q, want an error containing %q", err, out, c.wantError)
				}
				return
			}
			if err != nil {
				t.Fatalf("keras2npy: %v\n%s", err, out)
			}
			t.Log(strings.TrimSpace(out))
			m := smallModel(t, 2)
			if err := m.LoadWeights(dst); err != nil {
				t.Fatal(err)
			}
			sameVariables(t, m, orig)
		})
	}

	// A file for another model: each candidate's first difference is reported.
	h5 := filepath.Join(dir, "ok.h5")
	if out, err := runPython(t, maker, src, list, h5); err != nil {
		t.Fatalf("keras_h5.py: %v\n%s", err, out)
	}
	out, err := runPython(t, tool, "--model", "vgg16", h5, filepath.Join(dir, "x"))
	if err == nil || !strings.Contains(out, "fit no model") || !strings.Contains(out, "vgg16 (include_top=False): layer 0: the file's 'conv2d' has shapes [[3, 3, 3, 4]]") {
		t.Errorf("small model's file as vgg16: %v\n%s", err, out)
	}
	// An existing output is kept unless --force.
	dst := filepath.Join(dir, "exists")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := runPython(t, tool, "--layers", list, h5, dst); err == nil || !strings.Contains(out, "exists (--force replaces it)") {
		t.Errorf("existing output: %v\n%s", err, out)
	}
	if out, err := runPython(t, tool, "--force", "--layers", list, h5, dst); err != nil {
		t.Errorf("--force: %v\n%s", err, out)
	}
	if m := smallModel(t, 2); m.LoadWeights(dst) != nil {
		t.Error("the replaced output does not load")
	}
	// Not a Keras file.
	bad := filepath.Join(dir, "bad.h5")
	if err := os.WriteFile(bad, []byte("not hdf5"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runPython(t, tool, bad, filepath.Join(dir, "y")); err == nil || !strings.Contains(out, "not a readable HDF5 file") {
		t.Errorf("not HDF5: %v\n%s", err, out)
	}
}

// TestKeras2npyZoo converts a VGG16 file without the top in the 2016 files' Keras-1
// spelling, recognising the model from tools/zoo_layers/ alone, and builds VGG16 on it.
func TestKeras2npyZoo(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 59 MB file three times")
	}
	needH5py(t)
	dir := t.TempDir()
	orig, err := zoo.VGG16(zoo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := golden.SetWeights(orig, "vgg16", 4); err != nil {
		t.Fatal(err)
	}
	src, h5, dst := filepath.Join(dir, "src"), filepath.Join(dir, "vgg16_notop.h5"), filepath.Join(dir, "vgg16.npz")
	if err := orig.SaveWeights(src); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join("..", "tools", "zoo_layers", "vgg16.json")
	if out, err := runPython(t, filepath.Join("testdata", "keras_h5.py"), src, list, h5, "--keras1"); err != nil {
		t.Fatalf("keras_h5.py: %v\n%s", err, out)
	}
	out, err := runPython(t, filepath.Join("..", "tools", "keras2npy.py"), h5, dst)
	if err != nil || !strings.Contains(out, "13 layers, 26 arrays, 14,714,688 parameters as vgg16 (include_top=False)") {
		t.Fatalf("keras2npy: %v\n%s", err, out)
	}
	m, err := zoo.VGG16(zoo.Config{Weights: dst, InputShape: []int{48, 64, 3}})
	if err != nil {
		t.Fatal(err)
	}
	sameVariables(t, m, orig)
}
