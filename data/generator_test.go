package data

import (
	"context"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestRandomTransformRules checks Keras's get_random_transform rules: tx shifts rows and
// scales with the height, ty columns with the width; int ranges draw 0..n−1 pixels with a sign;
// a range ≥ 1 is in pixels; the two zooms are independent.
func TestRandomTransformRules(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const h, w = 100, 10
	g := &ImageDataGenerator{HeightShiftRange: Shift(0.2), WidthShiftRange: Shift(0.5)}
	var maxTx, maxTy float64
	for range 2000 {
		p := g.RandomTransform(h, w, r)
		maxTx, maxTy = max(maxTx, math.Abs(p.Tx)), max(maxTy, math.Abs(p.Ty))
		if p.Zx != 1 || p.Zy != 1 || p.Theta != 0 || p.FlipHorizontal {
			t.Fatalf("unasked parameters drawn: %+v", p)
		}
	}
	if maxTx > 20 || maxTx < 19 || maxTy > 5 || maxTy < 4.9 {
		t.Errorf("fraction ranges: max |tx| %v (want ~20 = 0.2·h), max |ty| %v (want ~5 = 0.5·w)", maxTx, maxTy)
	}
	g = &ImageDataGenerator{HeightShiftRange: ShiftPixels(3), WidthShiftRange: Shift(2)}
	seen := map[float64]bool{}
	for range 2000 {
		p := g.RandomTransform(h, w, r)
		seen[p.Tx] = true
		if math.Abs(p.Ty) > 2 {
			t.Fatalf("Shift(2) is ±2 pixels, drew %v", p.Ty)
		}
	}
	if got := slices.Sorted(func(yield func(float64) bool) {
		for v := range seen {
			if !yield(v) {
				return
			}
		}
	}); !slices.Equal(got, []float64{-2, -1, 0, 1, 2}) {
		t.Errorf("ShiftPixels(3) drew %v, want -2..2", got)
	}
	g = &ImageDataGenerator{ZoomRange: Zoom(0.3), HorizontalFlip: true}
	differ, flips := 0, 0
	for range 1000 {
		p := g.RandomTransform(h, w, r)
		if p.Zx < 0.7 || p.Zx > 1.3 || p.Zy < 0.7 || p.Zy > 1.3 {
			t.Fatalf("zoom %v %v outside [0.7, 1.3]", p.Zx, p.Zy)
		}
		if p.Zx != p.Zy {
			differ++
		}
		if p.FlipHorizontal {
			flips++
		}
	}
	if differ < 990 || flips < 400 || flips > 600 {
		t.Errorf("independent zooms %d/1000, flips %d/1000", differ, flips)
	}
}

// TestShiftIsRowsForTx: with tx = 2 the content moves up two rows (Keras's naming).
func TestShiftIsRowsForTx(t *testing.T) {
	const h, w = 6, 5
	src := make([]float32, h*w)
	for r := range h {
		for c := range w {
			src[r*w+c] = float32(10*r + c)
		}
	}
	dst := make([]float32, h*w)
	g := &ImageDataGenerator{FillMode: FillConstant, Cval: -1}
	if err := g.ApplyTransform(dst, src, h, w, 1, TransformParams{Tx: 2}); err != nil {
		t.Fatal(err)
	}
	if dst[0] != 20 || dst[3*w+4] != 54 || dst[4*w] != -1 {
		t.Errorf("tx=2: %v", dst)
	}
}

func TestStandardizeOrder(t *testing.T) {
	var seen float32
	g := &ImageDataGenerator{Rescale: 0.5, PreprocessingFunction: func(img []float32, h, w, c int) {
		seen = img[0]
		img[0] += 10
	}}
	img := []float32{4, 6}
	g.Standardize(img, 1, 2, 1)
	if seen != 4 || img[0] != 7 || img[1] != 3 {
		t.Errorf("preprocessing saw %v, result %v: want the function before Rescale", seen, img)
	}
	g = &ImageDataGenerator{SamplewiseStdNormalization: true}
	img = []float32{1, 3}
	g.Standardize(img, 1, 2, 1)
	if math.Abs(float64(img[0]+1)) > 1e-5 || math.Abs(float64(img[1]-1)) > 1e-5 {
		t.Errorf("samplewise: %v", img)
	}
}

func TestFlowArrays(t *testing.T) {
	const n, h, w, c = 10, 4, 5, 3
	x := make([]float32, n*h*w*c)
	for i := range x {
		x[i] = float32(i % 251)
	}
	y := make([]float32, n*2)
	for i := range n {
		y[2*i], y[2*i+1] = float32(i), float32(-i)
	}
	xt, yt := newDense(x, n, h, w, c), newDense(y, n, 2)
	g := &ImageDataGenerator{ValidationSplit: 0.3, HorizontalFlip: true, Rescale: 2}
	val, err := g.Flow(xt, yt, FlowConfig{Subset: SubsetValidation, BatchSize: 2, NoShuffle: true})
	if err != nil {
		t.Fatal(err)
	}
	if val.Samples() != 3 || val.Len() != 2 {
		t.Fatalf("validation: %d samples, %d batches", val.Samples(), val.Len())
	}
	b, err := val.Batch(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	per := h * w * c
	got := b.X[0].Data().([]float32)
	for i := range per { // sample 2, not flipped (validation), rescaled
		if got[i] != 2*x[2*per+i] {
			t.Fatalf("validation sample 2 value %d: %v, want %v", i, got[i], 2*x[2*per+i])
		}
	}
	if yy := b.Y.Data().([]float32); !slices.Equal(yy, []float32{2, -2}) || !equalInts(b.Y.Shape(), []int{1, 2}) {
		t.Errorf("y %v %v", yy, b.Y.Shape())
	}
	train, err := g.Flow(xt, yt, FlowConfig{Subset: SubsetTraining, Seed: 4, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if train.Samples() != 7 {
		t.Fatalf("training: %d samples", train.Samples())
	}
	first := readAll(t, train)
	again, _ := g.Flow(xt, yt, FlowConfig{Subset: SubsetTraining, Seed: 4, Workers: 1})
	if second := readAll(t, again); !slices.EqualFunc(first, second, slices.Equal) {
		t.Error("same seed, different batches")
	}
	if _, err := g.Flow(newDense(x, n, h*w*c), nil, FlowConfig{}); err == nil || !strings.Contains(err.Error(), "(N, H, W, C)") {
		t.Errorf("rank-2 x: %v", err)
	}
}

func TestPreprocessingPanicIsAnError(t *testing.T) {
	x := newDense(make([]float32, 2*2*2*1), 2, 2, 2, 1)
	g := &ImageDataGenerator{PreprocessingFunction: func([]float32, int, int, int) { panic("boom") }}
	it, err := g.Flow(x, nil, FlowConfig{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := it.Batch(context.Background(), 0); err == nil || !strings.Contains(err.Error(), "PreprocessingFunction panicked on sample") || !strings.Contains(err.Error(), "boom") {
		t.Errorf("error %v", err)
	}
}
