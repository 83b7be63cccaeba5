package data

import (
	"context"
	"fmt"

	"github.com/org/gotl/nn"
	"gorgonia.org/tensor"
)

// ArrayIterator is Keras's NumpyArrayIterator: in-memory images x (N, H, W, C) and targets y
// (N, ...) or nil, augmented and standardized by an ImageDataGenerator, batched in parallel.
// It implements nn.Dataset and nn.EpochSetter.
type ArrayIterator struct {
	x, y   []float32
	xShape [4]int
	yRow   int
	yShape []int
	offset int // first sample of the subset in x
	p      *pipeline
	gen    ImageDataGenerator
}

// Flow returns an iterator over x (N, H, W, C) and y (N, ...) or nil: Keras's
// ImageDataGenerator.flow. With a Subset, the validation part is the first
// int(ValidationSplit·N) samples, as in Keras. x and y are read, never written or copied.
// FlowConfig's directory fields are ignored.
func (g *ImageDataGenerator) Flow(x, y *tensor.Dense, cfg FlowConfig) (*ArrayIterator, error) {
	if err := g.validate(); err != nil {
		return nil, err
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("data: Flow: %w", err)
	}
	xd, xs, err := checkImageTensor(x)
	if err != nil {
		return nil, fmt.Errorf("data: Flow: %w", err)
	}
	it := &ArrayIterator{}
	gen := *g
	n := xs[0]
	var yd []float32
	var yRow int
	var yShape []int
	if y != nil {
		var ys tensor.Shape
		yd, ys, err = float32Data(y, "y")
		if err != nil {
			return nil, fmt.Errorf("data: Flow: %w", err)
		}
		if ys[0] != n {
			return nil, fmt.Errorf("data: Flow: x has %d samples (shape %v), y has %d (shape %v)", n, xs, ys[0], ys)
		}
		yRow, yShape = ys.TotalSize()/max(n, 1), []int(ys[1:])
	}
	lo, hi := 0, n
	if c.Subset != SubsetAll {
		if g.ValidationSplit == 0 {
			return nil, fmt.Errorf("data: Flow: Subset %v needs a ValidationSplit", c.Subset)
		}
		split := int(float64(n) * g.ValidationSplit)
		if c.Subset == SubsetValidation {
			hi = split
		} else {
			lo = split
		}
	}
	if hi <= lo {
		return nil, fmt.Errorf("data: Flow: %w: subset %v of %d samples is empty", errNoImages, c.Subset, n)
	}
	imageLen := xs[1] * xs[2] * xs[3]
	p := &pipeline{
		n: hi - lo, batchSize: c.BatchSize, h: xs[1], w: xs[2], c: xs[3],
		gen: &gen, augment: g.augments() && (c.Subset != SubsetValidation || g.AugmentValidation),
		shuffle: !c.NoShuffle, seed: c.Seed, workers: c.Workers, prefetch: c.Prefetch, log: c.Log,
		describe: func(s int) string { return describeIndex(lo + s) },
	}
	p.load = func(s int, dst []float32, _ *scratch) error {
		copy(dst, xd[(lo+s)*imageLen:(lo+s+1)*imageLen])
		return nil
	}
	if y != nil {
		p.yLen, p.yShape = yRow, yShape
		p.label = func(s int, dst []float32) { copy(dst, yd[(lo+s)*yRow:(lo+s+1)*yRow]) }
	}
	p.init()
	it.p = p
	stopWhenUnreachable(it, p)
	return it, nil
}

// Len is the number of batches per epoch.
func (it *ArrayIterator) Len() int { return it.p.batches }

// Batch returns batch i of the current epoch, valid until the next call.
func (it *ArrayIterator) Batch(ctx context.Context, i int) (*nn.Batch, error) {
	return it.p.batch(ctx, i)
}

// SetEpoch sets the epoch whose order and augmentation Batch returns.
func (it *ArrayIterator) SetEpoch(epoch int) { it.p.setEpoch(epoch) }

// Samples is the number of samples in the subset.
func (it *ArrayIterator) Samples() int { return it.p.n }

// Order returns the indices (into the subset) of the current epoch in batch order.
func (it *ArrayIterator) Order() []int {
	it.p.mu.Lock()
	defer it.p.mu.Unlock()
	return append([]int(nil), it.p.order...)
}

// Close stops the worker goroutines; the iterator restarts them if used again.
func (it *ArrayIterator) Close() error {
	it.p.stop()
	return nil
}
