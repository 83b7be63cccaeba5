package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// countingEpilogue counts how often each element of C is finished and adds 1 to it.
type countingEpilogue struct {
	mu     sync.Mutex
	counts []int
	n      int
}

func (e *countingEpilogue) Finish(c []float32, ldc, i0, rows, j0, cols int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := i0; i < i0+rows; i++ {
		for j := j0; j < j0+cols; j++ {
			e.counts[i*e.n+j]++
			c[i*ldc+j]++
		}
	}
}

// TestMultiplyPacked: a product with B packed equals Sgemm's bit for bit, on shapes at the
// edges of every tile and block, with A as stored and transposed and C wider than n; every
// element is finished exactly once; GOMAXPROCS changes nothing.
func TestMultiplyPacked(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(8, 9))
	shapes := [][3]int{{1, 1, 1}, {5, 17, 3}, {6, 16, 256}, {12, 32, 257}, {13, 33, 7}, {25, 31, 300},
		{150, 70, 100}, {300, 40, 520}, {49, 512, 600}, {200, 96, 64}}
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for flags := range 4 {
			transA, transB := flags&1 != 0, flags&2 != 0
			tc := gemmCase{transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, pad: 3}
			o := newOperands(tc, rng)
			want := slices.Clone(o.c)
			packing(false)(transA, transB, m, n, k, 1, o.a, o.lda, o.b, o.ldb, 0, want, o.ldc)
			var packed PackedB
			packed.Pack(transB, k, n, o.b, o.ldb)
			var first []float32
			for _, procs := range []int{1, 2, 3} {
				runtime.GOMAXPROCS(procs)
				got := slices.Clone(o.c)
				e := &countingEpilogue{counts: make([]int, m*n), n: n}
				MultiplyPacked(m, Matrix{Trans: transA, A: o.a, LDA: o.lda}, &packed, got, o.ldc, e)
				name := fmt.Sprintf("%v procs=%d", tc, procs)
				for i := range m {
					for j := range o.ldc {
						g, w := got[i*o.ldc+j], want[i*o.ldc+j]
						if j < n {
							w++ // the epilogue's
						}
						if math.Float32bits(g) != math.Float32bits(w) && !(math.IsNaN(float64(g)) && math.IsNaN(float64(w))) {
							t.Fatalf("%s: C[%d,%d] = %v, Sgemm gives %v", name, i, j, g, w)
						}
					}
				}
				for i, count := range e.counts {
					if count != 1 {
						t.Fatalf("%s: element %d finished %d times", name, i, count)
					}
				}
				if first == nil {
					first = got
				} else if !slices.Equal(first, got) && !slices.ContainsFunc(got, func(v float32) bool { return v != v }) {
					t.Fatalf("%s: differs from GOMAXPROCS 1", name)
				}
			}
		}
	}
}

// BenchmarkMultiplyPacked reports GFLOP/s of C = A·B with B packed beforehand, on the
// shapes of BenchmarkSgemm and on the 3x3 and 1x1 convolutions of ResNet101's stages 4 and
// 5 at batch 8 and 1 (m = pixels, n = output channels, k = taps).
func BenchmarkMultiplyPacked(b *testing.B) {
	shapes := append(sgemmBenchShapes[:len(sgemmBenchShapes):len(sgemmBenchShapes)], []struct {
		name    string
		m, n, k int
	}{
		{"resnet101_s4_3x3_b8", 8 * 14 * 14, 256, 9 * 256}, {"resnet101_s4_3x3_b1", 14 * 14, 256, 9 * 256},
		{"resnet101_s4_1x1_b8", 8 * 14 * 14, 1024, 256}, {"resnet101_s5_3x3_b1", 7 * 7, 512, 9 * 512},
	}...)
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			a, bm, c := randomSlice(rng, s.m*s.k), randomSlice(rng, s.k*s.n), make([]float32, s.m*s.n)
			var packed PackedB
			packed.Pack(false, s.k, s.n, bm, s.n)
			source := &Matrix{A: a, LDA: s.k}
			b.ReportAllocs()
			for b.Loop() {
				MultiplyPacked(s.m, source, &packed, c, s.n, nil)
			}
			b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
