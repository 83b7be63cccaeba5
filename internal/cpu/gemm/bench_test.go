package gemm

import (
	"math/rand/v2"
	"testing"
)

// sgemmBenchShapes are cubes and the two 1x1 convolutions of a ResNet stage at batch 8
// (56×56 pixels: M = 8·56·56 rows, K input and N output channels).
var sgemmBenchShapes = []struct {
	name    string
	m, n, k int
}{
	{"256", 256, 256, 256},
	{"512", 512, 512, 512},
	{"1024", 1024, 1024, 1024},
	{"2048", 2048, 2048, 2048},
	{"conv1x1_k256_n64", 8 * 56 * 56, 64, 256},
	{"conv1x1_k64_n256", 8 * 56 * 56, 256, 64},
}

// BenchmarkSgemm reports GFLOP/s (2·m·n·k per call) for C = A·B with beta = 0, the
// forward pass of Dense and 1x1 Conv2D.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range sgemmBenchShapes {
		b.Run(s.name, func(b *testing.B) { benchSgemm(b, false, false, s.m, s.n, s.k) })
	}
}

// BenchmarkSgemmTransposed reports the backward passes at 1024³ and on the 1x1
// convolution: Aᵀ·B (gradient of the weights) and A·Bᵀ (gradient of the input).
func BenchmarkSgemmTransposed(b *testing.B) {
	for _, s := range []struct {
		name           string
		transA, transB bool
		m, n, k        int
	}{
		{"TN/1024", true, false, 1024, 1024, 1024},
		{"NT/1024", false, true, 1024, 1024, 1024},
		{"TT/1024", true, true, 1024, 1024, 1024},
		{"TN/conv1x1_dw", true, false, 256, 64, 8 * 56 * 56},
		{"NT/conv1x1_dx", false, true, 8 * 56 * 56, 256, 64},
	} {
		b.Run(s.name, func(b *testing.B) { benchSgemm(b, s.transA, s.transB, s.m, s.n, s.k) })
	}
}

func benchSgemm(b *testing.B, transA, transB bool, m, n, k int) {
	rng := rand.New(rand.NewPCG(1, 1))
	a, bm, c := randomSlice(rng, m*k), randomSlice(rng, k*n), make([]float32, m*n)
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	b.ReportAllocs()
	for b.Loop() {
		Sgemm(transA, transB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkPack reports the packing rate, in millions of elements per second, of one
// kc×nc block of B and one mc×kc block of A taken from 1024×1024 matrices.
func BenchmarkPack(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	src := randomSlice(rng, 1024*1024)
	bPanels, aPanels := make([]float32, kc*nc), make([]float32, mc*kc)
	for _, trans := range []bool{false, true} {
		name := map[bool]string{false: "N", true: "T"}[trans]
		b.Run("B/"+name, func(b *testing.B) {
			for b.Loop() {
				packPanelsB(bPanels, trans, src, 1024, 0, kc, 0, 1024)
			}
			b.ReportMetric(float64(kc*1024)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
		b.Run("A/"+name, func(b *testing.B) {
			for b.Loop() {
				packPanelsA(aPanels, trans, src, 1024, 0, mc, 0, kc)
			}
			b.ReportMetric(float64(mc*kc)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
	}
}
