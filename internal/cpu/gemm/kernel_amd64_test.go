//go:build !noasm

package gemm

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/sys/cpu"
)

func TestKernelAVX2Reference(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	testKernel(t, kernelAVX2)
}

// TestKernelAVX2MatchesGeneric: the assembly and its Go twin agree bit for bit, so the
// noasm build computes exactly what the assembly does.
func TestKernelAVX2MatchesGeneric(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, k := range []int{1, 3, 4, 5, 8, 13, 64, 255, 256} {
		for _, layout := range [][2]int{{1, mr}, {k, 1}, {1, 11}} {
			rsa, csa := layout[0], layout[1]
			// Wide exponents make rounding differences likely if the two disagree.
			a := make([]float32, (mr-1)*rsa+(k-1)*csa+1)
			b := make([]float32, k*nr)
			for i := range a {
				a[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(20)-10)))
			}
			for i := range b {
				b[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(20)-10)))
			}
			for _, s := range [][2]float32{{1, 0}, {0.3, 0}, {1, 1}, {-1.7, 0.9}} {
				const ldc = nr + 1
				c := randomSlice(rng, mr*ldc)
				asm, twin := slices.Clone(c), slices.Clone(c)
				kernelAVX2(k, a, rsa, csa, b, asm, ldc, s[0], s[1])
				kernelGeneric(k, a, rsa, csa, b, twin, ldc, s[0], s[1])
				if !bitsEqual(asm, twin) {
					for i := range asm {
						if math.Float32bits(asm[i]) != math.Float32bits(twin[i]) {
							t.Fatalf("k=%d rsa=%d csa=%d alpha=%g beta=%g: c[%d] = %v (asm), %v (Go)", k, rsa, csa, s[0], s[1], i, asm[i], twin[i])
						}
					}
				}
			}
		}
	}
}

// TestKernelAVX512MatchesGeneric: a 2×2 block of tiles from the AVX-512 kernel has the
// bits of four tiles from the Go twin, with A packed, as stored and transposed.
func TestKernelAVX512MatchesGeneric(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	rng := rand.New(rand.NewPCG(25, 26))
	for _, k := range []int{1, 3, 4, 5, 8, 13, 64, 255, 256} {
		for _, layout := range [][2]int{{1, mr}, {k, 1}, {1, 2*mr + 1}, {k + 3, 1}} {
			rsa, csa := layout[0], layout[1]
			aLen := (mr-1)*rsa + (k-1)*csa + 1
			a := make([]float32, 2*aLen+7)
			b := make([]float32, 2*k*nr)
			for i := range a {
				a[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(20)-10)))
			}
			for i := range b {
				b[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(20)-10)))
			}
			a0, a1, b0, b1 := a, a[aLen+7:], b, b[k*nr:]
			for _, s := range [][2]float32{{1, 0}, {0.3, 0}, {1, 1}, {-1.7, 0.9}} {
				const ldc = 2*nr + 3
				c := randomSlice(rng, 2*mr*ldc)
				asm, twin := slices.Clone(c), slices.Clone(c)
				kernelAVX512(k, a0, a1, rsa, csa, b0, b1, asm, ldc, s[0], s[1])
				kernelGeneric(k, a0, rsa, csa, b0, twin, ldc, s[0], s[1])
				kernelGeneric(k, a0, rsa, csa, b1, twin[nr:], ldc, s[0], s[1])
				kernelGeneric(k, a1, rsa, csa, b0, twin[mr*ldc:], ldc, s[0], s[1])
				kernelGeneric(k, a1, rsa, csa, b1, twin[mr*ldc+nr:], ldc, s[0], s[1])
				for i := range asm {
					if math.Float32bits(asm[i]) != math.Float32bits(twin[i]) {
						t.Fatalf("k=%d rsa=%d csa=%d alpha=%g beta=%g: c[%d] = %v (asm), %v (Go)", k, rsa, csa, s[0], s[1], i, asm[i], twin[i])
					}
				}
			}
		}
	}
}

// TestSgemmGenericMatchesAVX2: whole products, edges included, come out the same bits
// with the Go twin as with the assembly.
func TestSgemmGenericMatchesAVX2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	defer func(avx512 bool) { useAVX2, useAVX512 = true, avx512 }(useAVX512)
	rng := rand.New(rand.NewPCG(23, 24))
	for _, tr := range transposes {
		tc := gemmCase{tr[0], tr[1], 2*mr + 5, 3*nr - 3, kc + 9, -0.5, 1.5, 2}
		o := newOperands(tc, rng)
		c := [2][]float32{slices.Clone(o.c), slices.Clone(o.c)}
		for i, asm := range []bool{true, false} {
			useAVX2, useAVX512 = asm, asm && cpu.X86.HasAVX512F
			Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, c[i], o.ldc)
		}
		if !bitsEqual(c[0], c[1]) {
			t.Fatalf("%v: the Go twin and the assembly differ", tc)
		}
	}
}
