package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/org/gotl/nn"
	"gorgonia.org/tensor"
)

// pipeline turns samples into batches for the image iterators: worker goroutines load,
// augment and standardize images into reused batch buffers, a bounded number of batches ahead
// of the one asked for. Every image is a pure function of (seed, epoch, sample index), so the
// batches do not depend on the number of workers or on timing.
type pipeline struct {
	n, batchSize, batches int
	h, w, c               int                 // image shape
	imageLen              int                 // h·w·c
	gen                   *ImageDataGenerator // a copy owned by the pipeline
	augment               bool
	shuffle               bool
	seed                  uint64
	workers, prefetch     int
	skipInvalid           bool
	log                   io.Writer

	// load writes sample s as float32 (h, w, c) to dst. It is called concurrently, each worker
	// with its own scratch.
	load func(s int, dst []float32, sc *scratch) error
	// yLen is the number of label values per sample (0: no labels); label writes them.
	// With yIsInput the labels are a copy of the images (Keras class_mode 'input').
	yLen     int
	yShape   []int // label shape without the batch dimension
	label    func(s int, dst []float32)
	yIsInput bool
	// describe names sample s in errors and warnings (its file path, or its index).
	describe func(s int) string

	mu       sync.Mutex
	epoch    int
	order    []int
	jobs     map[int]*job // scheduled batches of the current epoch, by index
	draining []*job       // abandoned jobs whose buffers return once their tasks finish
	free     []*batchBuffer
	current  *job // the batch last returned, whose buffer the caller may still read
	tasks    chan task
	skipped  sync.Map // sample index -> struct{}: invalid images already reported
	nSkipped atomic.Int64
}

type batchBuffer struct {
	x, y  []float32 // (B, h, w, c), (B, yLen...)
	errs  []error   // per slot
	batch nn.Batch
}

type job struct {
	epoch, index int
	samples      []int
	buf          *batchBuffer
	remaining    atomic.Int32
	done         chan struct{}
	cancelled    atomic.Bool
}

type task struct {
	job  *job
	slot int
}

// scratch is one worker's reusable memory.
type scratch struct {
	u8, full, tmp []uint8
	src           []float32
	image         imageMemory // the image file being decoded and its decoder's memory
}

// init finishes the set-up once the fields above are filled.
func (p *pipeline) init() {
	p.imageLen = p.h * p.w * p.c
	p.batches = numBatches(p.n, p.batchSize, false)
	p.order = make([]int, p.n)
	p.jobs = map[int]*job{}
	p.setOrder(0)
}

func (p *pipeline) setOrder(epoch int) {
	p.epoch = epoch
	for i := range p.order {
		p.order[i] = i
	}
	if p.shuffle {
		shuffleInts(p.order, p.seed, streamShuffle, epoch)
	}
}

// start launches the workers on first use.
func (p *pipeline) start() {
	if p.tasks != nil {
		return
	}
	nbuf := p.prefetch + 2
	p.tasks = make(chan task, nbuf*p.batchSize)
	for range nbuf {
		p.free = append(p.free, &batchBuffer{
			x:    make([]float32, p.batchSize*p.imageLen),
			y:    make([]float32, p.batchSize*p.yLen),
			errs: make([]error, p.batchSize),
		})
	}
	for range p.workers {
		go p.work(p.tasks)
	}
}

// stop ends the workers (after the tasks queued); the pipeline may start again later.
func (p *pipeline) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tasks == nil {
		return
	}
	close(p.tasks)
	p.tasks = nil
	p.jobs = map[int]*job{}
	p.draining, p.free, p.current = nil, nil, nil
}

// stopWhenUnreachable stops p's workers once owner, the iterator holding p, is garbage.
// Nothing reachable from p may point back to owner, or the cleanup never runs.
func stopWhenUnreachable[T any](owner *T, p *pipeline) {
	runtime.AddCleanup(owner, func(p *pipeline) { p.stop() }, p)
}

func (p *pipeline) work(tasks <-chan task) {
	sc := &scratch{}
	for t := range tasks {
		j := t.job
		if !j.cancelled.Load() {
			j.buf.errs[t.slot] = p.process(j, t.slot, sc)
		}
		if j.remaining.Add(-1) == 0 {
			close(j.done)
		}
	}
}

// process produces slot of job j.
func (p *pipeline) process(j *job, slot int, sc *scratch) (err error) {
	s := j.samples[slot]
	dst := j.buf.x[slot*p.imageLen : (slot+1)*p.imageLen]
	if p.augment {
		if cap(sc.src) < p.imageLen {
			sc.src = make([]float32, p.imageLen)
		}
		src := sc.src[:p.imageLen]
		if err := p.load(s, src, sc); err != nil {
			return err
		}
		r := newRand(p.seed, streamAugment, j.epoch, s)
		p.gen.applyTransform(dst, src, p.h, p.w, p.c, p.gen.RandomTransform(p.h, p.w, r))
	} else if err := p.load(s, dst, sc); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil { // a user's PreprocessingFunction panicked
			err = fmt.Errorf("data: %w on %s: %v", errPreprocessing, p.describe(s), r)
		}
	}()
	p.gen.Standardize(dst, p.h, p.w, p.c)
	if p.label != nil {
		p.label(s, j.buf.y[slot*p.yLen:(slot+1)*p.yLen])
	}
	return nil
}

// schedule makes sure batches i .. i+prefetch of the current epoch are queued, abandoning
// other scheduled batches.
func (p *pipeline) schedule(i int) {
	last := min(i+p.prefetch, p.batches-1)
	for k, j := range p.jobs {
		if k < i || k > last {
			p.abandon(j)
			delete(p.jobs, k)
		}
	}
	for k := i; k <= last; k++ {
		if p.jobs[k] != nil {
			continue
		}
		buf := p.takeBuffer(k == i)
		if buf == nil {
			return
		}
		lo := k * p.batchSize
		hi := min(lo+p.batchSize, p.n)
		j := &job{epoch: p.epoch, index: k, samples: append([]int(nil), p.order[lo:hi]...), buf: buf, done: make(chan struct{})}
		j.remaining.Store(int32(hi - lo))
		p.jobs[k] = j
		for slot := range hi - lo {
			p.tasks <- task{j, slot}
		}
	}
}

func (p *pipeline) abandon(j *job) {
	j.cancelled.Store(true)
	p.draining = append(p.draining, j)
}

// takeBuffer returns a free batch buffer, reclaiming those of finished abandoned jobs; when
// must is set it waits for one.
func (p *pipeline) takeBuffer(must bool) *batchBuffer {
	for {
		kept := p.draining[:0]
		for _, j := range p.draining {
			select {
			case <-j.done:
				p.free = append(p.free, j.buf)
			default:
				kept = append(kept, j)
			}
		}
		p.draining = kept
		if len(p.free) > 0 {
			b := p.free[len(p.free)-1]
			p.free = p.free[:len(p.free)-1]
			return b
		}
		if !must || len(p.draining) == 0 {
			return nil
		}
		<-p.draining[0].done // abandoned jobs skip their work: this is short
	}
}

// release gives the buffer of the batch last returned back to the pool.
func (p *pipeline) release() {
	if p.current != nil {
		p.free = append(p.free, p.current.buf)
		p.current = nil
	}
}

func (p *pipeline) setEpoch(epoch int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if epoch == p.epoch {
		return
	}
	for k, j := range p.jobs {
		p.abandon(j)
		delete(p.jobs, k)
	}
	p.release()
	p.setOrder(epoch)
}

// batch returns batch i of the current epoch.
func (p *pipeline) batch(ctx context.Context, i int) (*nn.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if i < 0 || i >= p.batches {
		return nil, fmt.Errorf("data: batch %d out of range [0, %d)", i, p.batches)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start()
	p.release()
	p.schedule(i)
	j := p.jobs[i]
	select {
	case <-j.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	delete(p.jobs, i)
	p.current = j
	return p.assemble(j)
}

// assemble builds the nn.Batch of a finished job, dropping invalid images when asked to.
func (p *pipeline) assemble(j *job) (*nn.Batch, error) {
	buf := j.buf
	n := len(j.samples)
	kept := 0
	for slot := range n {
		err := buf.errs[slot]
		if err == nil {
			if kept != slot {
				copy(buf.x[kept*p.imageLen:(kept+1)*p.imageLen], buf.x[slot*p.imageLen:(slot+1)*p.imageLen])
				copy(buf.y[kept*p.yLen:(kept+1)*p.yLen], buf.y[slot*p.yLen:(slot+1)*p.yLen])
			}
			kept++
			continue
		}
		buf.errs[slot] = nil
		if !p.skipInvalid || errors.Is(err, errPreprocessing) {
			return nil, err
		}
		s := j.samples[slot]
		if _, seen := p.skipped.LoadOrStore(s, struct{}{}); !seen {
			p.nSkipped.Add(1)
			fmt.Fprintf(p.log, "Skipping invalid image: %v\n", err)
		}
	}
	if kept == 0 {
		return nil, fmt.Errorf("data: batch %d: all %d images are invalid (SkipInvalid)", j.index, n)
	}
	b := &buf.batch
	x := newDense(buf.x[:kept*p.imageLen], kept, p.h, p.w, p.c)
	b.X = append(b.X[:0], x)
	b.Y = nil
	switch {
	case p.yIsInput:
		y := buf.y[:0]
		if cap(y) < kept*p.imageLen {
			y = make([]float32, kept*p.imageLen)
			buf.y = y
		}
		y = y[:kept*p.imageLen]
		copy(y, buf.x[:kept*p.imageLen])
		b.Y = newDense(y, kept, p.h, p.w, p.c)
	case p.yLen > 0:
		b.Y = newDense(buf.y[:kept*p.yLen], append([]int{kept}, p.yShape...)...)
	}
	return b, nil
}

// errPreprocessing marks a panic of the user's PreprocessingFunction: never skipped.
var errPreprocessing = errors.New("PreprocessingFunction panicked")

// describeIndex names an in-memory sample.
func describeIndex(s int) string { return fmt.Sprintf("sample %d", s) }

// checkImageTensor returns the data and (N, H, W, C) of x.
func checkImageTensor(x *tensor.Dense) ([]float32, [4]int, error) {
	d, shape, err := float32Data(x, "x")
	if err != nil {
		return nil, [4]int{}, err
	}
	if len(shape) != 4 {
		return nil, [4]int{}, fmt.Errorf("x must be images (N, H, W, C), got shape %v", shape)
	}
	return d, [4]int{shape[0], shape[1], shape[2], shape[3]}, nil
}
