package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Parallel calls fn(lo, hi) on a partition of [0, n) into min(n, GOMAXPROCS) contiguous
// ranges of near-equal length (the first n%parts ranges one longer), runs the ranges on a
// persistent pool of worker goroutines and the calling goroutine, and returns when every
// call has returned. The partition depends only on n and GOMAXPROCS; which goroutine runs
// which range does not, so fn must compute the same thing whoever runs it and in whatever
// order the ranges run. Reductions across ranges belong to the caller, after Parallel
// returns, in range order.
//
// One call at a time owns the pool. A call made while the pool is busy, from inside fn or
// from another goroutine, runs its ranges one after another on its own goroutine, so
// nested calls cannot deadlock. A panic in fn is re-raised on the calling goroutine.
//
// The caller claims any range no worker has claimed yet, so a call is never much slower
// than fn(0, n) on one goroutine. Workers poll for a new call for 50 µs after each one,
// then park; waking a parked worker takes tens of microseconds, so a call gains only when
// it holds that much work or follows another closely.
func Parallel(n int, fn func(lo, hi int)) {
	parallelParts(n, runtime.GOMAXPROCS(0), fn)
}

// parallelParts is Parallel with the number of ranges chosen by the caller: more ranges
// than goroutines let a goroutine that gets less of the CPU (other work on the machine,
// other goroutines of the program) hold up the call by one range at most.
func parallelParts(n, parts int, fn func(lo, hi int)) {
	parts = min(n, parts)
	if parts <= 0 {
		return
	}
	helpers := min(parts, runtime.GOMAXPROCS(0)) - 1
	if helpers == 0 || !workers.owner.TryLock() {
		for i := range parts {
			lo, hi := partRange(n, parts, i)
			fn(lo, hi)
		}
		return
	}
	defer workers.owner.Unlock()
	workers.run(n, parts, helpers, fn)
}

// poolBusy reports whether a Parallel call is running, so that a call made now would run
// its ranges on the calling goroutine. The answer may be stale by the time it is used: it
// is a hint for choosing how to split work, never for correctness.
func poolBusy() bool {
	if workers.owner.TryLock() {
		workers.owner.Unlock()
		return false
	}
	return true
}

// partRange is the i-th of parts near-equal contiguous ranges of [0, n).
func partRange(n, parts, i int) (lo, hi int) {
	size, extra := n/parts, n%parts
	lo = i*size + min(i, extra)
	hi = lo + size
	if i < extra {
		hi++
	}
	return lo, hi
}

// pool is the worker pool behind Parallel. Its fields describe the one job in flight;
// owner is held by the goroutine that submitted it.
//
// A goroutine parked on a channel is woken through the OS, which takes tens of
// microseconds (more on a busy machine): as long as a product of 256×256 matrices. So
// between jobs the caller and the workers poll for up to spinFor before they park, and
// jobs that follow each other closely (Sgemm packs, then multiplies; a model runs layer
// after layer) find them running.
type pool struct {
	owner sync.Mutex
	wake  []chan struct{} // one per worker goroutine, buffered so that waking never blocks

	fn       func(lo, hi int)
	n, parts int
	next     atomic.Int64 // next range to claim
	pending  atomic.Int32 // workers still running the job
	done     sync.WaitGroup
	panicked atomic.Pointer[any] // first panic value raised by fn on a worker
}

var workers pool

// spinFor is how long the caller and the workers poll before they park.
const spinFor = 50 * time.Microsecond

// spinUntil polls ready for up to spinFor and reports whether it became true.
func spinUntil(ready func() bool) bool {
	start := time.Now()
	for i := 1; ; i++ {
		if ready() {
			return true
		}
		if i%64 == 0 && time.Since(start) > spinFor {
			return false
		}
	}
}

// run executes one job: parts ranges claimed dynamically by the caller and helpers
// workers, so that a worker slow to wake costs only the ranges the others have not yet
// claimed.
func (p *pool) run(n, parts, helpers int, fn func(lo, hi int)) {
	for len(p.wake) < helpers {
		wake := make(chan struct{}, 1)
		p.wake = append(p.wake, wake)
		go p.worker(wake)
	}
	p.fn, p.n, p.parts = fn, n, parts
	p.next.Store(0)
	p.panicked.Store(nil)
	p.pending.Store(int32(helpers))
	p.done.Add(helpers)
	for _, wake := range p.wake[:helpers] {
		wake <- struct{}{}
	}
	func() {
		// The caller waits for the workers even when its own range panics: they still
		// read p, and the pool must be idle before owner is released.
		defer func() {
			spinUntil(func() bool { return p.pending.Load() == 0 })
			p.done.Wait()
		}()
		p.claim()
	}()
	p.fn = nil
	if v := p.panicked.Load(); v != nil {
		panic(*v)
	}
}

// claim runs unclaimed ranges until none are left.
func (p *pool) claim() {
	for {
		i := int(p.next.Add(1)) - 1
		if i >= p.parts {
			return
		}
		lo, hi := partRange(p.n, p.parts, i)
		p.fn(lo, hi)
	}
}

func (p *pool) worker(wake chan struct{}) {
	for {
		spinUntil(func() bool { return len(wake) > 0 })
		<-wake
		func() {
			// In this order: the panic recorded, then the job counted done.
			defer p.done.Done()
			defer p.pending.Add(-1)
			defer func() {
				if v := recover(); v != nil {
					box := new(any) // allocated only on a panic
					*box = v
					p.panicked.CompareAndSwap(nil, box)
					p.next.Store(int64(p.parts)) // stop claiming
				}
			}()
			p.claim()
		}()
	}
}
