// Package cpu is gotl's float32 backend for the host processor, registered as "cpu" (the
// default device).
//
// A buffer is a []float32 in host memory (Slice returns it); layouts are those of package
// device: NHWC activations, HWIO convolution kernels, row-major matrices.
//
// # Kernels
//
// Gemm and the three convolution passes run on gemm.Sgemm, the packed AVX2/FMA matrix
// multiply: convolutions are lowered to it through im2col tiles, or directly in NHWC when
// they are pointwise (conv.go explains the lowering). Every other operation runs the plain
// kernels of package ref, instantiated at float32, on chunks of its rows, images or
// elements.
//
// # Parallelism and determinism
//
// Work is spread over the worker pool of package gemm (GOMAXPROCS goroutines, shared
// with Sgemm). An operation is cut into chunks whose boundaries depend only on its shape,
// never on GOMAXPROCS, and each chunk writes its own part of the output, so the bits of
// every result are the same whatever the number of goroutines. Reductions follow the same
// rule: per-channel sums (BiasGrad, batch-normalization statistics) are split by channels
// and summed in row order, SumSquares adds fixed blocks in block order, and the filter
// gradient of a convolution adds fixed tiles of pixels in order.
//
// # Errors
//
// The backend trusts its callers (the layers check shapes): a violated precondition
// panics, usually with an index out of range.
package cpu
