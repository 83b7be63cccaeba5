package nn_test

import (
	"context"
	"runtime"
	"testing"

	"gorgonia.org/tensor"

	"github.com/org/gotl/data"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
)

// fashionCNN is examples/fashion's model.
func fashionCNN(t testing.TB) *nn.Model {
	m, err := nn.NewSequential([]nn.Layer{
		nn.NewInputLayer("", 28, 28, 1),
		layers.NewConv2D(32, 3, layers.Conv2DConfig{Activation: layers.ReLU, Padding: layers.Same}),
		layers.NewBatchNormalization(),
		layers.NewMaxPooling2D(2),
		layers.NewConv2D(64, 3, layers.Conv2DConfig{Activation: layers.ReLU, Padding: layers.Same}),
		layers.NewBatchNormalization(),
		layers.NewMaxPooling2D(2),
		layers.NewFlatten(),
		layers.NewDense(128, layers.DenseConfig{Activation: layers.ReLU}),
		layers.NewDropout(0.3),
		layers.NewDense(10, layers.DenseConfig{Activation: layers.Softmax}),
	}, nn.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fashionBatch(t testing.TB, n int) *nn.Batch {
	x := tensor.New(tensor.WithShape(n, 28, 28, 1), tensor.WithBacking(make([]float32, n*784)))
	y := tensor.New(tensor.WithShape(n), tensor.WithBacking(make([]float32, n)))
	for i, v := range x.Data().([]float32) {
		x.Data().([]float32)[i] = v + float32(i%17)/17
	}
	for i := range y.Data().([]float32) {
		y.Data().([]float32)[i] = float32(i % 10)
	}
	ds, err := data.NewArrayDataset(x, y, data.ArrayConfig{BatchSize: n})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ds.Batch(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTrainStepAllocations: a steady-state training step of the Fashion-MNIST CNN
// allocates almost nothing (buffers are kept per shape and reused): at most 100
// allocations and 1 MiB.
func TestTrainStepAllocations(t *testing.T) {
	m := fashionCNN(t)
	if err := m.Compile(sgd(t), nn.SparseCategoricalCrossentropy{}, &nn.Accuracy{}); err != nil {
		t.Fatal(err)
	}
	b := fashionBatch(t, 16)
	step := func() {
		if _, err := m.TrainOnBatch(b); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		step()
	}
	allocs := testing.AllocsPerRun(5, step)
	const steps = 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range steps {
		step()
	}
	runtime.ReadMemStats(&after)
	bytes := float64(after.TotalAlloc-before.TotalAlloc) / steps
	t.Logf("%.0f allocations, %.0f bytes per step", allocs, bytes)
	if allocs > 100 {
		t.Errorf("%.0f allocations per training step, want <= 100", allocs)
	}
	if bytes > 1<<20 {
		t.Errorf("%.0f bytes allocated per training step, want <= 1 MiB", bytes)
	}
}
