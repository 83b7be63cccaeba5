// Package gemm is gotl's single-precision matrix multiply on the CPU, and the worker pool
// that the CPU kernels share.
//
// Sgemm computes C = alpha·op(A)·op(B) + beta·C on row-major float32 matrices, as cblas_sgemm
// does with CblasRowMajor; SgemmReference beside it is the plain triple loop that tests
// compare against. MultiplyPacked is the product of the convolutions: C = A·B with B packed
// once beforehand (PackedB, which a caller keeps as long as B does not change, a layer's
// weights), A packed block by block by an ASource (a matrix, or the patches of an image
// built on the fly), and an Epilogue run on each block of C while it is in cache. Parallel
// runs a partitioned loop on a persistent pool of GOMAXPROCS goroutines.
//
// # Layout and blocking
//
// Sgemm follows the BLIS/GotoBLAS scheme. C is computed in mr×nr = 6×16 tiles by a
// register-blocked micro-kernel (AVX2/FMA assembly, chosen at start with
// golang.org/x/sys/cpu); on CPUs with AVX-512, whole 2×2 blocks of tiles (12×32) go to a
// kernel with 24 ZMM accumulators (kernelAVX512), which does twice the work per
// instruction and reads the same packed panels. B is packed into kc×nr micro-panels, contiguous in the order the
// kernel reads them; A is read where it lies when C is narrow (the kernel takes any row and
// column stride, so both A and Aᵀ as stored work), and packed into mr-row micro-panels when
// C is wide enough to repay the copy. Loops, outermost first: nc columns of C (packed B
// block in L3), kc of depth (B micro-panel in L1), mc rows (A block in L2), nr columns,
// mr rows. gemm.go derives kc, mc and nc from the cache sizes of a Zen core. Partial tiles
// at the right and bottom edges go through the same kernel into a scratch tile.
//
// The work is split across the pool by strips of mr rows of C, sharing one packed copy of
// op(B), or by panels of nr columns, each goroutine packing its own (sgemmBlocked says
// when), in up to four parts per goroutine claimed as goroutines come free. Every tile is
// computed the same way whichever goroutine computes it, so results do not depend on
// GOMAXPROCS. Each goroutine packs into its own workspace, kept on a free list: in steady
// state a call allocates nothing.
//
// # Numerics
//
// C is built kc terms of the sum over k at a time: the kernel adds up to kc products in
// float32, one fused multiply-add per step in the order of k, then writes
// c = alpha·sum + beta·c, rounding alpha·sum and then the fused update once each, with
// beta replaced by 1 after the first block. With beta = 0, C is not read. Products too
// small to repay packing (m·n·k < 256) are plain float32 dot products. The bits of the
// result depend only on the arguments: not on GOMAXPROCS, and not on the CPU, since the
// Go twin of the kernel computes what the assembly does.
//
// # Portable code
//
// Each assembly routine has a bodiless Go declaration whose comment is its reference
// loop, and a Go twin that computes the same bits (kernelGeneric; fma32 emulates the
// single rounding of FMA). The twin runs on CPUs without AVX2 and FMA and in the noasm
// build (go test -tags noasm), and the default tests check it bit for bit against the
// assembly. The AVX-512 kernel computes every element with the operations of the AVX2
// kernel, so a block comes out the same bits from either, or from the twin.
//
// # Errors
//
// These are internal kernels: Sgemm panics on a negative dimension, a stride smaller than
// its row or a slice too short for its matrix; callers check shapes first.
package gemm
