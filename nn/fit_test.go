package nn_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/org/gotl/data"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/optim"
)

// blobs returns n points in 2-D around three centres, with their class indices.
func blobs(n int, seed uint64) (*tensor.Dense, *tensor.Dense) {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres := [][2]float64{{2, 0}, {-1, 1.7}, {-1, -1.7}}
	x := make([]float32, 2*n)
	y := make([]float32, n)
	for i := 0; i < n; i++ {
		c := i % 3
		x[2*i] = float32(centres[c][0] + 0.5*rng.NormFloat64())
		x[2*i+1] = float32(centres[c][1] + 0.5*rng.NormFloat64())
		y[i] = float32(c)
	}
	return tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(x)), tensor.New(tensor.WithShape(n), tensor.WithBacking(y))
}

func classifier(t *testing.T, seed uint64) *nn.Model {
	t.Helper()
	m, err := nn.NewSequential([]nn.Layer{
		nn.NewInputLayer("", 2),
		layers.NewDense(16, layers.DenseConfig{Activation: layers.ReLU}),
		layers.NewBatchNormalization(),
		layers.NewDropout(0.1),
		layers.NewDense(3, layers.DenseConfig{Activation: layers.Softmax}),
	}, nn.WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sgd(t *testing.T) nn.Optimizer {
	o, err := optim.NewSGD(optim.SGDConfig{LearningRate: 0.05, Momentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestFitLearns(t *testing.T) {
	x, y := blobs(600, 1)
	train, err := data.NewArrayDataset(x, y, data.ArrayConfig{BatchSize: 32, Shuffle: true, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	vx, vy := blobs(150, 2)
	val, _ := data.NewArrayDataset(vx, vy, data.ArrayConfig{BatchSize: 50})
	m := classifier(t, 1)
	if err := m.Compile(sgd(t), nn.SparseCategoricalCrossentropy{}, &nn.Accuracy{}, &nn.TopKCategoricalAccuracy{K: 2}); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	h, err := m.Fit(context.Background(), train, nn.FitConfig{Epochs: 4, Validation: val, Output: &out})
	if err != nil {
		t.Fatal(err)
	}
	loss := h.History["loss"]
	if len(loss) != 4 || !(loss[3] < loss[0]) {
		t.Errorf("loss per epoch %v does not fall", loss)
	}
	if acc := h.History["val_accuracy"]; acc[3] < 0.95 {
		t.Errorf("val accuracy %v, want >= 0.95", acc)
	}
	for _, k := range []string{"loss", "accuracy", "top_k_categorical_accuracy", "val_loss", "val_accuracy", "val_top_k_categorical_accuracy"} {
		if len(h.History[k]) != 4 {
			t.Errorf("history[%s] = %v", k, h.History[k])
		}
	}
	if lines := strings.Count(out.String(), "\n"); lines != 8 {
		t.Errorf("progress output has %d lines, want 8 (header + final line per epoch):\n%s", lines, out.String())
	}
	if !strings.Contains(out.String(), "Epoch 4/4\n19/19 [==============================] - ") {
		t.Errorf("progress output:\n%s", out.String())
	}
	logs, err := m.Evaluate(context.Background(), val, nn.EvaluateConfig{Verbose: nn.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := logs.Get("accuracy"); math.Abs(v-h.History["val_accuracy"][3]) > 1e-12 {
		t.Errorf("Evaluate accuracy %v differs from the last val_accuracy %v", v, h.History["val_accuracy"][3])
	}
	p, err := m.Predict(context.Background(), vx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Shape(); len(s) != 2 || s[0] != 150 || s[1] != 3 {
		t.Fatalf("predict shape %v", s)
	}
	correct := 0
	pd, yd := p.Data().([]float32), vy.Data().([]float32)
	for i := 0; i < 150; i++ {
		row := pd[3*i : 3*i+3]
		best := 0
		for j := range row {
			if row[j] > row[best] {
				best = j
			}
		}
		if best == int(yd[i]) {
			correct++
		}
	}
	if got := float64(correct) / 150; math.Abs(got-h.History["val_accuracy"][3]) > 1e-9 {
		t.Errorf("Predict accuracy %v, Fit's val_accuracy %v", got, h.History["val_accuracy"][3])
	}
}

// TestFitDeterministic trains twice with one seed and expects the same weights bit for bit.
func TestFitDeterministic(t *testing.T) {
	x, y := blobs(200, 1)
	train := func() []float32 {
		ds, _ := data.NewArrayDataset(x, y, data.ArrayConfig{BatchSize: 16, Shuffle: true, Seed: 9})
		m := classifier(t, 5)
		if err := m.Compile(sgd(t), nn.SparseCategoricalCrossentropy{}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Fit(context.Background(), ds, nn.FitConfig{Epochs: 2, Verbose: nn.Silent}); err != nil {
			t.Fatal(err)
		}
		var all []float32
		for _, v := range m.Variables() {
			all = append(all, v.Read()...)
		}
		return all
	}
	a, b := train(), train()
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("value %d differs between two runs: %v and %v", i, a[i], b[i])
		}
	}
}

func TestFitErrors(t *testing.T) {
	x, y := blobs(64, 1)
	ds, _ := data.NewArrayDataset(x, y, data.ArrayConfig{BatchSize: 16})
	ctx := context.Background()
	m := classifier(t, 1)
	if _, err := m.Fit(ctx, ds, nn.FitConfig{}); err == nil || !strings.Contains(err.Error(), "call Compile before Fit") {
		t.Errorf("Fit before Compile: %v", err)
	}
	if err := m.Compile(sgd(t), nn.SparseCategoricalCrossentropy{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(ctx, ds, nn.FitConfig{StepsPerEpoch: 5, Verbose: nn.Silent}); err == nil || !strings.Contains(err.Error(), "StepsPerEpoch 5: the dataset has 4 batches") {
		t.Errorf("too many steps: %v", err)
	}
	m.Layers()[0].SetTrainable(false)
	if _, err := m.Fit(ctx, ds, nn.FitConfig{Verbose: nn.Silent}); err == nil || !strings.Contains(err.Error(), "call Compile again") {
		t.Errorf("trainable change after Compile: %v", err)
	}
	if err := m.Compile(sgd(t), nn.CategoricalCrossentropy{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(ctx, ds, nn.FitConfig{Verbose: nn.Silent}); err == nil || !strings.Contains(err.Error(), "targets of shape (16) do not fit output (16, 3) under categorical_crossentropy") {
		t.Errorf("sparse labels with a categorical loss: %v", err)
	}
	wrongRank := tensor.New(tensor.WithShape(4, 2, 1), tensor.WithBacking(make([]float32, 8)))
	if _, err := m.Predict(ctx, wrongRank, 0); err == nil || !strings.Contains(err.Error(), "expected input of shape (None, 2), got (4, 2, 1)") {
		t.Errorf("wrong input rank: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := m.Compile(sgd(t), nn.SparseCategoricalCrossentropy{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(cctx, ds, nn.FitConfig{Verbose: nn.Silent}); err != context.Canceled {
		t.Errorf("cancelled Fit: %v", err)
	}
}

// TestSparseLabelOutOfRange: a label that is not a class index is an error, not a panic.
func TestSparseLabelOutOfRange(t *testing.T) {
	x, _ := blobs(8, 1)
	y := tensor.New(tensor.WithShape(8), tensor.WithBacking([]float32{0, 1, 2, 3, 0, 1, 2, 0}))
	ds, _ := data.NewArrayDataset(x, y, data.ArrayConfig{BatchSize: 8})
	m := classifier(t, 1)
	if err := m.Compile(sgd(t), nn.SparseCategoricalCrossentropy{}); err != nil {
		t.Fatal(err)
	}
	_, err := m.Fit(context.Background(), ds, nn.FitConfig{Verbose: nn.Silent})
	if err == nil || !strings.Contains(err.Error(), "sparse label 3 at row 3 is not a class index in [0, 3)") {
		t.Errorf("got %v", err)
	}
}
