package data

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/org/gotl/nn"
	"gorgonia.org/tensor"
)

// ArrayConfig configures an ArrayDataset. The zero value is Keras's model.fit(x, y) default
// except for shuffling, which here is asked for explicitly.
type ArrayConfig struct {
	// BatchSize is the number of samples per batch; 0 means Keras's default, 32.
	BatchSize int
	// Shuffle reorders the samples every epoch, as a pure function of (Seed, epoch).
	Shuffle bool
	// Seed seeds the shuffling.
	Seed uint64
	// DropRemainder drops the last batch when it is smaller than BatchSize; by default it is
	// kept (Keras keeps it).
	DropRemainder bool
}

// ArrayDataset is an nn.Dataset and nn.EpochSetter over in-memory arrays: Keras's
// model.fit(x, y, batch_size, shuffle). x is float32 (N, ...); y is float32 (N, ...) or nil
// (for Predict). Batch i of epoch e holds the samples at positions [i·B, (i+1)·B) of the order
// of epoch e: 0..N-1 without shuffling, else a permutation drawn from a PCG generator seeded with
// (Seed, e). Each batch is copied into buffers that the next call to Batch reuses, so the
// dataset's arrays are never exposed to the model.
type ArrayDataset struct {
	x, y         []float32
	xRow, yRow   int // elements per sample
	xShape       tensor.Shape
	yShape       tensor.Shape // nil without targets
	n, batchSize int
	batches      int
	cfg          ArrayConfig
	order        []int // sample order of the current epoch
	epoch        int

	xBuf, yBuf []float32 // (B, ...) reused batch buffers
	batch      nn.Batch
}

// NewArrayDataset returns a dataset over x (N, ...) and y (N, ...) or nil; both must be
// contiguous float32 tensors. They are not copied: do not change them while the dataset is in use.
func NewArrayDataset(x, y *tensor.Dense, cfg ArrayConfig) (*ArrayDataset, error) {
	xd, xs, err := float32Data(x, "x")
	if err != nil {
		return nil, fmt.Errorf("data: NewArrayDataset: %w", err)
	}
	d := &ArrayDataset{x: xd, xShape: xs, n: xs[0], cfg: cfg}
	d.xRow = xs.TotalSize() / max(d.n, 1)
	if y != nil {
		yd, ys, err := float32Data(y, "y")
		if err != nil {
			return nil, fmt.Errorf("data: NewArrayDataset: %w", err)
		}
		if ys[0] != d.n {
			return nil, fmt.Errorf("data: NewArrayDataset: x has %d samples (shape %v), y has %d (shape %v)", d.n, xs, ys[0], ys)
		}
		d.y, d.yShape = yd, ys
		d.yRow = ys.TotalSize() / max(d.n, 1)
	}
	if cfg.BatchSize < 0 {
		return nil, fmt.Errorf("data: NewArrayDataset: BatchSize must be >= 0 (0 means 32), got %d", cfg.BatchSize)
	}
	d.batchSize = cfg.BatchSize
	if d.batchSize == 0 {
		d.batchSize = 32
	}
	if d.n == 0 {
		return nil, fmt.Errorf("data: NewArrayDataset: x has no samples (shape %v)", xs)
	}
	d.batches = numBatches(d.n, d.batchSize, cfg.DropRemainder)
	d.order = make([]int, d.n)
	d.SetEpoch(0)
	return d, nil
}

// numBatches is ceil(n/b), or floor(n/b) when the remainder is dropped.
func numBatches(n, b int, dropRemainder bool) int {
	if dropRemainder {
		return n / b
	}
	return (n + b - 1) / b
}

// Len is the number of batches per epoch.
func (d *ArrayDataset) Len() int { return d.batches }

// Samples is the number of samples N.
func (d *ArrayDataset) Samples() int { return d.n }

// SetEpoch fixes the sample order for epoch (0-based).
func (d *ArrayDataset) SetEpoch(epoch int) {
	d.epoch = epoch
	for i := range d.order {
		d.order[i] = i
	}
	if d.cfg.Shuffle {
		shuffleInts(d.order, d.cfg.Seed, streamShuffle, epoch)
	}
}

// Order returns the sample order of the current epoch: batch i holds samples
// Order()[i·B : (i+1)·B]. The slice is owned by the dataset.
func (d *ArrayDataset) Order() []int { return d.order }

// Batch returns batch i of the current epoch. The tensors stay valid until the next call.
func (d *ArrayDataset) Batch(ctx context.Context, i int) (*nn.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if i < 0 || i >= d.batches {
		return nil, fmt.Errorf("data: ArrayDataset: batch %d out of range [0, %d)", i, d.batches)
	}
	lo := i * d.batchSize
	hi := min(lo+d.batchSize, d.n)
	b := hi - lo
	if d.xBuf == nil {
		d.xBuf = make([]float32, d.batchSize*d.xRow)
		if d.y != nil {
			d.yBuf = make([]float32, d.batchSize*d.yRow)
		}
	}
	for k, s := range d.order[lo:hi] {
		copy(d.xBuf[k*d.xRow:(k+1)*d.xRow], d.x[s*d.xRow:(s+1)*d.xRow])
		if d.y != nil {
			copy(d.yBuf[k*d.yRow:(k+1)*d.yRow], d.y[s*d.yRow:(s+1)*d.yRow])
		}
	}
	d.batch.X = append(d.batch.X[:0], newDense(d.xBuf[:b*d.xRow], withFirst(d.xShape, b)...))
	d.batch.Y = nil
	if d.y != nil {
		d.batch.Y = newDense(d.yBuf[:b*d.yRow], withFirst(d.yShape, b)...)
	}
	return &d.batch, nil
}

// withFirst returns shape with its first dimension replaced by n.
func withFirst(shape tensor.Shape, n int) []int {
	s := append([]int(nil), shape...)
	s[0] = n
	return s
}

// Random streams: every random decision of the package draws from a PCG generator seeded with
// (mix(seed, stream, epoch), mix(index)), so that streams never overlap and each value is a pure
// function of its coordinates.
const (
	streamShuffle uint64 = 1 + iota
	streamAugment
	streamSplit
)

// splitmix64 is Steele et al.'s SplitMix64 finaliser, a bijective 64-bit mixer.
func splitmix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// newRand returns the generator of (seed, stream, epoch, index).
func newRand(seed, stream uint64, epoch, index int) *rand.Rand {
	return rand.New(newPCG(seed, stream, epoch, index))
}

func newPCG(seed, stream uint64, epoch, index int) *rand.PCG {
	hi := splitmix64(splitmix64(seed^stream<<56) ^ uint64(epoch))
	lo := splitmix64(uint64(index) ^ 0x5851f42d4c957f2d)
	return rand.NewPCG(hi, lo)
}

// shuffleInts permutes s in place with the generator of (seed, stream, epoch).
func shuffleInts(s []int, seed, stream uint64, epoch int) {
	r := newRand(seed, stream, epoch, 0)
	r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
}

// Split returns samples [from, to) of x and of y (nil stays nil) as new tensors on the same
// backing arrays, without copying: Keras's x[from:to]. Use it to hold out a validation part,
// e.g. Split(x, y, 0, 50000) and Split(x, y, 50000, 60000).
func Split(x, y *tensor.Dense, from, to int) (xs, ys *tensor.Dense, err error) {
	xs, err = sliceSamples(x, "x", from, to)
	if err != nil {
		return nil, nil, err
	}
	if y != nil {
		if y.Shape()[0] != x.Shape()[0] {
			return nil, nil, fmt.Errorf("data: Split: x has %d samples, y has %d", x.Shape()[0], y.Shape()[0])
		}
		if ys, err = sliceSamples(y, "y", from, to); err != nil {
			return nil, nil, err
		}
	}
	return xs, ys, nil
}

func sliceSamples(t *tensor.Dense, what string, from, to int) (*tensor.Dense, error) {
	d, shape, err := float32Data(t, what)
	if err != nil {
		return nil, fmt.Errorf("data: Split: %w", err)
	}
	n := shape[0]
	if from < 0 || to > n || from > to {
		return nil, fmt.Errorf("data: Split: range [%d, %d) is not within the %d samples of %s", from, to, n, what)
	}
	row := shape.TotalSize() / max(n, 1)
	return newDense(d[from*row:to*row:to*row], withFirst(shape, to-from)...), nil
}

// OneHot turns class indices y, float32 (N) or (N, 1), into one-hot rows float32 (N, classes),
// as Keras's to_categorical. An index that is not an integer in [0, classes) is an error.
func OneHot(y *tensor.Dense, classes int) (*tensor.Dense, error) {
	d, shape, err := float32Data(y, "y")
	if err != nil {
		return nil, fmt.Errorf("data: OneHot: %w", err)
	}
	if len(shape) > 2 || (len(shape) == 2 && shape[1] != 1) {
		return nil, fmt.Errorf("data: OneHot: y must be (N) or (N, 1) class indices, got shape %v", shape)
	}
	if classes <= 0 {
		return nil, fmt.Errorf("data: OneHot: classes must be > 0, got %d", classes)
	}
	out := make([]float32, len(d)*classes)
	for i, v := range d {
		c := int(v)
		if float32(c) != v || c < 0 || c >= classes {
			return nil, fmt.Errorf("data: OneHot: y[%d] = %v is not a class index in [0, %d)", i, v, classes)
		}
		out[i*classes+c] = 1
	}
	return newDense(out, len(d), classes), nil
}
