package cpu

import (
	"runtime"
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

// forEachChunk calls work(lo, hi) for the consecutive chunks [lo, hi) of [0, n), each
// size items long but the last, spreading the chunks over the worker pool that gemm.Sgemm
// also uses. The chunk boundaries depend only on n and size, never on GOMAXPROCS, so a
// kernel whose chunks write disjoint outputs computes the same bits whatever the number
// of goroutines.
func forEachChunk(n, size int, work func(lo, hi int)) {
	chunks := (n + size - 1) / size
	gemm.Parallel(chunks, func(first, last int) {
		for c := first; c < last; c++ {
			work(c*size, min((c+1)*size, n))
		}
	})
}

// forEachUnit calls work(i) for i in [0, n), units that each run gemm.Sgemm. With at least
// as many units as goroutines the units run in parallel and each Sgemm on its caller's
// goroutine (nested pool calls run sequentially); with fewer, the units run one after
// another and each Sgemm spreads over the pool. Sgemm's result does not depend on how it
// is spread, so neither does the caller's.
func forEachUnit(n int, work func(i int)) {
	if n < runtime.GOMAXPROCS(0) {
		for i := range n {
			work(i)
		}
		return
	}
	forEachChunk(n, 1, func(lo, _ int) { work(lo) })
}

// scratchPool recycles the per-goroutine work arrays of the convolutions (patch tiles), so
// that a training step in steady state does not allocate them.
var scratchPool sync.Pool

// getScratch returns an array of at least n floats with arbitrary contents; return it
// with putScratch.
func getScratch(n int) *[]float32 {
	if s, ok := scratchPool.Get().(*[]float32); ok && cap(*s) >= n {
		*s = (*s)[:n]
		return s
	}
	s := make([]float32, n)
	return &s
}

func putScratch(s *[]float32) { scratchPool.Put(s) }
