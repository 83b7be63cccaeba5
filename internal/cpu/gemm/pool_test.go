package gemm

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// TestParallelPartition: every index is covered once, by contiguous near-equal ranges.
func TestParallelPartition(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 2, 5, 64, 1001} {
			checkPartition(t, n, procs, Parallel)
		}
	}
}

// TestParallelParts: more ranges than goroutines, each run once.
func TestParallelParts(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, parts := range []int{1, 3, 8} {
		for _, n := range []int{0, 2, 7, 100} {
			checkPartition(t, n, parts, func(n int, fn func(lo, hi int)) { parallelParts(n, parts, fn) })
		}
	}
}

// checkPartition runs a parallel loop over [0, n) that should make min(n, parts)
// near-equal ranges, and fails unless it does and runs every index once.
func checkPartition(t *testing.T, n, parts int, loop func(n int, fn func(lo, hi int))) {
	t.Helper()
	hits := make([]atomic.Int32, n)
	var ranges atomic.Int32
	loop(n, func(lo, hi int) {
		ranges.Add(1)
		if size := n / min(n, parts); hi-lo < size || hi-lo > size+1 {
			t.Errorf("parts=%d n=%d: uneven range [%d, %d)", parts, n, lo, hi)
		}
		for i := lo; i < hi; i++ {
			hits[i].Add(1)
		}
	})
	for i := range hits {
		if h := hits[i].Load(); h != 1 {
			t.Fatalf("parts=%d n=%d: index %d run %d times", parts, n, i, h)
		}
	}
	if want := min(n, parts); int(ranges.Load()) != want {
		t.Fatalf("parts=%d n=%d: %d ranges, want %d", parts, n, ranges.Load(), want)
	}
}

// TestParallelNested: a call from inside fn runs on its own goroutine instead of
// waiting for the busy pool.
func TestParallelNested(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var sum atomic.Int64
	Parallel(8, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			Parallel(10, func(lo, hi int) {
				for j := lo; j < hi; j++ {
					sum.Add(int64(i*10 + j))
				}
			})
		}
	})
	if want := int64(79 * 80 / 2); sum.Load() != want {
		t.Fatalf("sum = %d, want %d", sum.Load(), want)
	}
}

// TestParallelPanic: a panic on a worker reaches the caller, and the pool still works.
func TestParallelPanic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Fatalf("recovered %v, want boom", v)
			}
		}()
		Parallel(2, func(lo, hi int) {
			if lo == 1 {
				panic("boom")
			}
		})
	}()
	var n atomic.Int32
	Parallel(2, func(lo, hi int) { n.Add(int32(hi - lo)) })
	if n.Load() != 2 {
		t.Fatalf("pool broken after a panic: ran %d of 2", n.Load())
	}
}

func TestPoolBusy(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	if poolBusy() {
		t.Fatal("busy before any call")
	}
	var inside atomic.Bool
	Parallel(2, func(lo, hi int) {
		if lo == 0 {
			inside.Store(poolBusy())
		}
	})
	if !inside.Load() {
		t.Fatal("not busy inside a call")
	}
	if poolBusy() {
		t.Fatal("busy after the call")
	}
}
