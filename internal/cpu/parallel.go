package cpu

import (
	"reflect"
	"sync"

	"github.com/org/gotl/internal/cpu/gemm"
)

// chunkWork is the least work, in element operations, worth handing to another goroutine:
// about ten microseconds, well above the cost of waking a pool worker.
const chunkWork = 1 << 15

// grain is how many items of the given cost (element operations each) make one chunk of
// chunkWork; at least 1.
func grain(costPerItem int) int {
	return max(1, chunkWork/max(1, costPerItem))
}

// forEachChunk calls chunk(&args, lo, hi) for the consecutive chunks [lo, hi) of [0, n),
// each size items long but the last, spreading the chunks over the worker pool that
// gemm.Sgemm also uses. The chunk boundaries depend only on n and size, never on
// GOMAXPROCS, so a kernel whose chunks write disjoint outputs computes the same bits
// whatever the number of goroutines.
//
// The operation's arguments travel in args, a struct of its own type, and chunk is a
// plain function rather than a closure: the pair is copied into a recycled loop, so that
// a call allocates nothing (a closure handed to the pool would be allocated every call).
func forEachChunk[A any](n, size int, args A, chunk func(args *A, lo, hi int)) {
	if n <= 0 {
		return
	}
	pool := loopPool[A]()
	l := pool.Get().(*chunkLoop[A])
	l.args, l.n, l.size, l.chunk = args, n, size, chunk
	gemm.Parallel((n+size-1)/size, l.run)
	*l = chunkLoop[A]{run: l.run} // keep no reference to the caller's arrays
	pool.Put(l)
}

// chunkLoop is one call of forEachChunk.
type chunkLoop[A any] struct {
	args    A
	n, size int
	chunk   func(args *A, lo, hi int)
	run     func(first, last int) // l.chunks, bound once when the loop is made
}

// chunks runs chunks [first, last).
func (l *chunkLoop[A]) chunks(first, last int) {
	for c := first; c < last; c++ {
		l.chunk(&l.args, c*l.size, min((c+1)*l.size, l.n))
	}
}

// loopPools maps the type of each args struct to the sync.Pool of its loops.
var loopPools sync.Map

func loopPool[A any]() *sync.Pool {
	key := reflect.TypeFor[A]()
	if pool, ok := loopPools.Load(key); ok {
		return pool.(*sync.Pool)
	}
	pool, _ := loopPools.LoadOrStore(key, &sync.Pool{New: func() any {
		l := new(chunkLoop[A])
		l.run = l.chunks
		return l
	}})
	return pool.(*sync.Pool)
}

// scratch recycles work arrays (patch tiles, per-channel coefficients), so that a training
// step in steady state does not allocate them. It is a free list rather than a sync.Pool:
// the garbage collector empties a sync.Pool, and a sync.Pool hands back arrays of any
// size. get takes the smallest free array that is large enough, or replaces the largest
// free one with a new array of the size asked for, so the list holds no more arrays than
// the goroutines that ever worked at once, each as large as the largest request.
type scratch[T float32 | float64] struct {
	mu   sync.Mutex
	free []*[]T
}

var (
	float32Scratch scratch[float32]
	float64Scratch scratch[float64]
)

// get returns an array of n elements with arbitrary contents; return it with put.
func (s *scratch[T]) get(n int) *[]T {
	s.mu.Lock()
	best, largest := -1, -1
	for i, p := range s.free {
		if c := cap(*p); c >= n && (best < 0 || c < cap(*s.free[best])) {
			best = i
		}
		if largest < 0 || cap(*p) > cap(*s.free[largest]) {
			largest = i
		}
	}
	var p *[]T
	switch {
	case best >= 0:
		p = s.free[best]
		s.free = append(s.free[:best], s.free[best+1:]...)
	case largest >= 0:
		p = s.free[largest] // too small: its memory goes, the record is reused
		s.free = append(s.free[:largest], s.free[largest+1:]...)
		*p = nil
	default:
		p = new([]T)
	}
	s.mu.Unlock()
	if cap(*p) < n {
		*p = make([]T, n)
	}
	*p = (*p)[:n]
	return p
}

func (s *scratch[T]) put(p *[]T) {
	s.mu.Lock()
	s.free = append(s.free, p)
	s.mu.Unlock()
}
