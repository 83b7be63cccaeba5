//go:build !noasm

package gemm

import "golang.org/x/sys/cpu"

// useAVX2 selects kernelAVX2; without AVX2 and FMA the Go twin runs.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

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
