// Package cpu is gotl's float32 backend for the host processor, registered as "cpu" (the
// default device).
//
// A buffer is a []float32 in host memory (Slice returns it); layouts are those of package
// device: NHWC activations, HWIO convolution kernels, row-major matrices.
//
// # Kernels
//
// Gemm and the three convolution passes run on the packed matrix multiply of package gemm
// (AVX2/FMA and AVX-512 micro-kernels): convolutions through patch blocks that gemm packs
// straight from the image, or directly in NHWC when they are pointwise (conv.go explains
// the lowering). FusedConv2D (fused.go) runs the inference chain Conv2D → batch
// normalization → residual Add → ReLU as one product whose epilogue adds the folded bias
// and the residual and applies the activation to each block of the output while it is in
// cache. The element-wise and per-channel operations (bias, batch normalization, ReLU,
// axpby, max pooling, SGD and Adam) run the vectorised kernels of package vec; the rest
// run the plain kernels of package ref, instantiated at float32, on chunks of rows, images
// or elements.
//
// # Forms kept with a buffer
//
// A buffer counts the operations that wrote into it (its version; every method that writes
// a buffer says so). A convolution kernel keeps its packed forms (gemm.PackedB: W for the
// forward pass, Wᵀ or the turned kernel for the data gradient), FusedConv2D keeps the
// kernel with the normalization folded in, and Gemm keeps op(B) packed once it is
// multiplied twice alike: each form remembers the versions it was made from and is made
// again after a write. Inference packs a layer's kernel once; training once per step.
//
// # Parallelism and determinism
//
// Work is spread over the worker pool of package gemm (GOMAXPROCS goroutines, shared
// with the products). An operation is cut into chunks whose boundaries depend only on its
// shape, never on GOMAXPROCS, and each chunk writes its own part of the output, so the bits
// of every result are the same whatever the number of goroutines. Reductions follow the
// same rule: per-channel sums (BiasGrad, batch-normalization statistics) are split by
// channels and summed in row order, SumSquares adds fixed blocks in block order, and gemm
// computes each element of a product by the same kernel operations whatever the split.
// The arguments of a parallel operation travel in a struct handed to forEachChunk with a
// plain function, and work arrays come from free lists, so that a step of a model in
// steady state allocates (almost) nothing.
//
// # Errors
//
// The backend trusts its callers (the layers check shapes): a violated precondition
// panics, usually with an index out of range.
package cpu
