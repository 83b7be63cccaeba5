//go:build !noasm

package gemm

import "golang.org/x/sys/cpu"

// useAVX2 selects kernelAVX2; without AVX2 and FMA the Go twin runs. useAVX512 selects
// kernelAVX512 for whole 2×2 blocks of tiles.
var (
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	useAVX512 = useAVX2 && cpu.X86.HasAVX512F
)

// kernel computes one mr×nr tile of C, as kernelAVX2 documents, with the assembly when
// the CPU has AVX2 and FMA and with its Go twin otherwise.
func kernel(k int, a []float32, rsa, csa int, b []float32, c []float32, ldc int, alpha, beta float32) {
	if useAVX2 {
		kernelAVX2(k, a, rsa, csa, b, c, ldc, alpha, beta)
		return
	}
	kernelGeneric(k, a, rsa, csa, b, c, ldc, alpha, beta)
}

// kernelAVX2 computes one MR×NR = 6×16 tile of C from a 6×k block of A, element (i, p) at
// a[i*rsa+p*csa], and a packed k×16 panel of B:
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var acc float32
//			for p := 0; p < k; p++ {
//				acc = fma(a[i*rsa+p*csa], b[p*16+j], acc)
//			}
//			if beta == 0 {
//				c[i*ldc+j] = alpha * acc
//			} else {
//				c[i*ldc+j] = fma(beta, c[i*ldc+j], alpha*acc)
//			}
//		}
//	}
//
// where fma(x, y, z) is x·y + z rounded once. The strides let A be read where it lies
// (rsa = lda, csa = 1 for A as stored; rsa = 1, csa = lda for Aᵀ as stored) or from a
// packed panel (see packPanelsA). The slices are not bounds-checked: the caller
// guarantees every index above.
//
//go:noescape
func kernelAVX2(k int, a []float32, rsa, csa int, b []float32, c []float32, ldc int, alpha, beta float32)

// kernelBlock computes the 2mr×2nr block of C made of four tiles, rows [0, mr) from a0
// and [mr, 2mr) from a1 (with the same strides), columns [0, nr) from the panel b0 and
// [nr, 2nr) from b1, each tile as kernel computes it: with kernelAVX512 when the CPU has
// AVX-512, with four kernel calls otherwise.
func kernelBlock(k int, a0, a1 []float32, rsa, csa int, b0, b1, c []float32, ldc int, alpha, beta float32) {
	if useAVX512 {
		kernelAVX512(k, a0, a1, rsa, csa, b0, b1, c, ldc, alpha, beta)
		return
	}
	kernelTiles(k, a0, a1, rsa, csa, b0, b1, c, ldc, alpha, beta)
}

// kernelAVX512 computes the 12×32 block of kernelBlock with 24 ZMM accumulators: each
// element with the operations kernelAVX2 uses for it, so the two agree bit for bit. The
// slices are not bounds-checked.
//
//go:noescape
func kernelAVX512(k int, a0, a1 []float32, rsa, csa int, b0, b1, c []float32, ldc int, alpha, beta float32)
