// Package ref holds the reference kernels of gotl: one plain, obviously correct loop for
// every operation of device.Backend, generic over float32 and float64, and Backend, the
// float64 backend built on them and registered as "reference".
//
// Every kernel works on host slices in the layouts of package device: activations NHWC,
// convolution kernels HWIO (KH, KW, InC, OutC), matrices row-major. The argument order
// and the meaning of every argument is that of the device.Backend method of the same
// name, with Buffers replaced by slices and float64 scalars by T, so a float32 caller
// rounds each scalar once. Outputs are overwritten, never accumulated into.
//
// The loops are written for clarity first. Two choices serve the callers that reuse them
// on sub-problems (package cpu splits them over goroutines):
//   - reductions over rows (BiasGrad, the batch-normalization statistics and sums) take a
//     column range [c0, c1) and sum each column in row order in float64, so splitting the
//     columns across goroutines cannot change a bit of the result;
//   - everything else works on whole rows or images, so a caller may pass a sub-slice
//     with a smaller row or image count.
//
// Backend is what the conformance suite (package devicetest) compares every backend
// against and what layer-level finite-difference gradient checks run on, so its math is
// exact float64 throughout.
package ref
