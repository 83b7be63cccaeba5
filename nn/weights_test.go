package nn_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
)

func TestWeightsRoundTrip(t *testing.T) {
	for _, name := range []string{"weights", "weights.npz"} {
		path := filepath.Join(t.TempDir(), name)
		a := sequentialHead(t)
		if err := a.SaveWeights(path); err != nil {
			t.Fatal(err)
		}
		b := sequentialHead(t)
		for _, v := range b.Variables() {
			v.Assign(make([]float32, v.Len()))
		}
		if err := b.LoadWeights(path); err != nil {
			t.Fatal(err)
		}
		for i, v := range a.Variables() {
			if !slices.Equal(v.Read(), b.Variables()[i].Read()) {
				t.Errorf("%s: %s differs after the round trip", name, v.Name())
			}
		}
	}
	dir := filepath.Join(t.TempDir(), "w")
	if err := sequentialHead(t).SaveWeights(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"conv2d/kernel.npy", "conv2d/bias.npy", "batch_normalization/moving_variance.npy", "dense/kernel.npy"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("layout: %v", err)
		}
	}
}

// saved writes a model's weights to a fresh directory and returns it.
func saved(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "w")
	if err := sequentialHead(t).SaveWeights(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadWeightsErrors(t *testing.T) {
	tests := []struct {
		name   string
		spoil  func(dir string)
		opts   nn.LoadOptions
		want   string
		loaded bool
	}{
		{"missing variable", func(dir string) { os.Remove(filepath.Join(dir, "dense/bias.npy")) }, nn.LoadOptions{},
			`variable "dense/bias" (shape [3]) is missing`, false},
		{"missing allowed", func(dir string) { os.Remove(filepath.Join(dir, "dense/bias.npy")) }, nn.LoadOptions{AllowMissing: true}, "", true},
		{"extra variable", func(dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "dense/bias.npy"))
			os.WriteFile(filepath.Join(dir, "dense/extra.npy"), b, 0o644)
		}, nn.LoadOptions{}, `"dense/extra" is not a variable of model "sequential"`, false},
		{"wrong shape", func(dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "conv2d/bias.npy"))
			os.WriteFile(filepath.Join(dir, "dense/bias.npy"), b, 0o644)
			os.WriteFile(filepath.Join(dir, "batch_normalization/gamma.npy"), mustRead(t, filepath.Join(dir, "dense/kernel.npy")), 0o644)
		}, nn.LoadOptions{}, `variable "batch_normalization/gamma" has shape [48 3] in the file, the model wants [3]`, false},
		{"truncated", func(dir string) {
			p := filepath.Join(dir, "dense/kernel.npy")
			b := mustRead(t, p)
			os.WriteFile(p, b[:len(b)-10], 0o644)
		}, nn.LoadOptions{}, `variable "dense/kernel"`, false},
	}
	for _, tt := range tests {
		dir := saved(t)
		tt.spoil(dir)
		m := sequentialHead(t)
		before := m.Variables()[0].Read()
		err := m.LoadWeights(dir, tt.opts)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
		if !slices.Equal(before, m.Variables()[0].Read()) {
			t.Errorf("%s: a failed load changed the weights", tt.name)
		}
	}
	if err := sequentialHead(t).LoadWeights(filepath.Join(t.TempDir(), "absent")); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("absent path: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWeightsByNameAcrossFreezing: weights saved with the base frozen load into the same
// architecture after unfreezing (Keras's h5 loading is positional and breaks here).
func TestWeightsByNameAcrossFreezing(t *testing.T) {
	build := func() *nn.Model {
		base := sequentialHead(t)
		x := nn.Input(4, 4, 2)
		y := layers.NewDense(2).Call(base.Call(x))
		m, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y}, nn.WithSeed(3))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a := build()
	a.Layers()[1].SetTrainable(false)
	path := filepath.Join(t.TempDir(), "w.npz")
	if err := a.SaveWeights(path); err != nil {
		t.Fatal(err)
	}
	b := build()
	b.SetTrainable(true)
	for _, v := range b.Variables() {
		v.Assign(make([]float32, v.Len()))
	}
	if err := b.LoadWeights(path); err != nil {
		t.Fatal(err)
	}
	for i, v := range a.Variables() {
		if !slices.Equal(v.Read(), b.Variables()[i].Read()) {
			t.Errorf("%s differs", v.Name())
		}
	}
}
