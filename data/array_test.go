package data

import (
	"context"
	"slices"
	"testing"

	"github.com/org/gotl/nn"
	"gorgonia.org/tensor"
)

var (
	_ nn.Dataset     = (*ArrayDataset)(nil)
	_ nn.EpochSetter = (*ArrayDataset)(nil)
)

// rampData returns x (n, 2, 3) where sample s holds s*6 .. s*6+5, and y (n) = s.
func rampData(n int) (x, y *tensor.Dense) {
	xs := make([]float32, n*6)
	ys := make([]float32, n)
	for i := range xs {
		xs[i] = float32(i)
	}
	for i := range ys {
		ys[i] = float32(i)
	}
	return newDense(xs, n, 2, 3), newDense(ys, n)
}

// epochOrder reads one epoch and returns the sample ids in batch order and the batch sizes,
// checking that each x row matches its label.
func epochOrder(t *testing.T, d nn.Dataset) (ids, sizes []int) {
	t.Helper()
	for i := range d.Len() {
		b, err := d.Batch(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		x := b.X[0].Data().([]float32)
		y := b.Y.Data().([]float32)
		sizes = append(sizes, b.Size())
		if got := b.X[0].Shape(); got[1] != 2 || got[2] != 3 {
			t.Fatalf("batch %d x shape %v", i, got)
		}
		for k, v := range y {
			id := int(v)
			if x[k*6] != float32(id*6) || x[k*6+5] != float32(id*6+5) {
				t.Fatalf("batch %d row %d: x does not belong to label %d", i, k, id)
			}
			ids = append(ids, id)
		}
	}
	return ids, sizes
}

func TestArrayDatasetBatches(t *testing.T) {
	x, y := rampData(101)
	for _, c := range []struct {
		cfg   ArrayConfig
		sizes []int
	}{
		{ArrayConfig{}, []int{32, 32, 32, 5}},
		{ArrayConfig{Shuffle: true, Seed: 3}, []int{32, 32, 32, 5}},
		{ArrayConfig{BatchSize: 32, DropRemainder: true}, []int{32, 32, 32}},
		{ArrayConfig{BatchSize: 101}, []int{101}},
		{ArrayConfig{BatchSize: 200}, []int{101}},
	} {
		d, err := NewArrayDataset(x, y, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		ids, sizes := epochOrder(t, d)
		if !slices.Equal(sizes, c.sizes) {
			t.Errorf("%+v: batch sizes %v, want %v", c.cfg, sizes, c.sizes)
		}
		if !c.cfg.DropRemainder {
			sorted := slices.Sorted(slices.Values(ids))
			for i, v := range sorted {
				if v != i {
					t.Fatalf("%+v: samples %v are not each of 0..100 exactly once", c.cfg, sorted)
				}
			}
		}
		if !c.cfg.Shuffle && !slices.IsSorted(ids) {
			t.Errorf("%+v: unshuffled order %v", c.cfg, ids)
		}
	}
}

func TestArrayDatasetShuffleIsPureFunctionOfSeedAndEpoch(t *testing.T) {
	x, y := rampData(101)
	orderOf := func(seed uint64, epoch int) []int {
		d, err := NewArrayDataset(x, y, ArrayConfig{Shuffle: true, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		d.SetEpoch(epoch)
		ids, _ := epochOrder(t, d)
		return ids
	}
	a := orderOf(7, 0)
	if slices.IsSorted(a) {
		t.Fatal("shuffled order is sorted")
	}
	if b := orderOf(7, 0); !slices.Equal(a, b) {
		t.Error("same (seed, epoch) gave different orders")
	}
	if b := orderOf(7, 1); slices.Equal(a, b) {
		t.Error("epochs 0 and 1 gave the same order")
	}
	if b := orderOf(8, 0); slices.Equal(a, b) {
		t.Error("seeds 7 and 8 gave the same order")
	}
	// Going back to an epoch gives its order again, whatever came between.
	d, _ := NewArrayDataset(x, y, ArrayConfig{Shuffle: true, Seed: 7})
	d.SetEpoch(5)
	d.SetEpoch(0)
	if b, _ := epochOrder(t, d); !slices.Equal(a, b) {
		t.Error("SetEpoch(0) after SetEpoch(5) differs from a fresh epoch 0")
	}
}

func TestArrayDatasetReusesBuffersAndLeavesInputAlone(t *testing.T) {
	x, y := rampData(40)
	before := slices.Clone(x.Data().([]float32))
	d, _ := NewArrayDataset(x, y, ArrayConfig{BatchSize: 16, Shuffle: true, Seed: 1})
	b0, _ := d.Batch(context.Background(), 0)
	p0 := &b0.X[0].Data().([]float32)[0]
	b0.X[0].Data().([]float32)[0] = -1 // a model writing into its batch must not reach x
	b1, _ := d.Batch(context.Background(), 1)
	if &b1.X[0].Data().([]float32)[0] != p0 {
		t.Error("batch buffers are not reused")
	}
	if !slices.Equal(before, x.Data().([]float32)) {
		t.Error("x changed")
	}
	if _, err := d.Batch(context.Background(), 3); err == nil {
		t.Error("batch 3 of 3: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Batch(ctx, 0); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestArrayDatasetWithoutTargets(t *testing.T) {
	x, _ := rampData(5)
	d, err := NewArrayDataset(x, nil, ArrayConfig{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Batch(context.Background(), 2)
	if err != nil || b.Y != nil || b.Size() != 1 {
		t.Fatalf("last batch %+v, %v", b, err)
	}
}

func TestArrayDatasetErrors(t *testing.T) {
	x, y := rampData(5)
	_, y4 := rampData(4)
	for _, c := range []struct {
		x, y *tensor.Dense
		cfg  ArrayConfig
		want string
	}{
		{nil, y, ArrayConfig{}, "x is nil"},
		{x, y4, ArrayConfig{}, "x has 5 samples (shape (5, 2, 3)), y has 4"},
		{x, y, ArrayConfig{BatchSize: -1}, "BatchSize must be >= 0"},
		{tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2})), nil, ArrayConfig{}, "dtype float64"},
	} {
		if _, err := NewArrayDataset(c.x, c.y, c.cfg); err == nil || !contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
	}
}

func TestSplitSharesBacking(t *testing.T) {
	x, y := rampData(10)
	xv, yv, err := Split(x, y, 7, 10)
	if err != nil {
		t.Fatal(err)
	}
	if s := xv.Shape(); !equalInts(s, []int{3, 2, 3}) || yv.Shape()[0] != 3 {
		t.Fatalf("shapes %v %v", s, yv.Shape())
	}
	xd := xv.Data().([]float32)
	if xd[0] != 42 || &xd[0] != &x.Data().([]float32)[42] {
		t.Error("Split copied or mis-sliced x")
	}
	if yv.Data().([]float32)[0] != 7 {
		t.Error("Split mis-sliced y")
	}
	if _, _, err := Split(x, y, 8, 11); err == nil || !contains(err.Error(), "[8, 11) is not within the 10 samples of x") {
		t.Errorf("out of range: %v", err)
	}
	// A dataset over a split sees only its part.
	d, _ := NewArrayDataset(xv, yv, ArrayConfig{})
	if ids, _ := epochOrder(t, d); !slices.Equal(ids, []int{7, 8, 9}) {
		t.Errorf("dataset over split: %v", ids)
	}
}

func TestOneHot(t *testing.T) {
	y := newDense([]float32{2, 0, 1}, 3, 1)
	oh, err := OneHot(y, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 0, 1, 1, 0, 0, 0, 1, 0}
	if !slices.Equal(oh.Data().([]float32), want) || !equalInts(oh.Shape(), []int{3, 3}) {
		t.Errorf("OneHot = %v %v", oh.Shape(), oh.Data())
	}
	for _, bad := range []float32{3, -1, 0.5} {
		if _, err := OneHot(newDense([]float32{bad}, 1), 3); err == nil || !contains(err.Error(), "not a class index in [0, 3)") {
			t.Errorf("label %v: %v", bad, err)
		}
	}
	if _, err := OneHot(newDense(make([]float32, 4), 2, 2), 3); err == nil {
		t.Error("(2, 2) labels accepted")
	}
}
