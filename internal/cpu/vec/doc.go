// Package vec holds the vectorised element-wise and per-channel kernels of the CPU backend:
// activations, bias and batch-normalization transforms, per-channel sums, axpby and the
// optimizer updates, each on one goroutine (package cpu spreads them over the pool).
//
// # Layout
//
// A per-channel kernel sees a (rows × cols) matrix of float32 with row stride cols (NHWC
// activations with the pixels as rows and the channels as columns) and per-column
// coefficient vectors of length cols. The reductions (SumColumns, SquaredDeviations,
// SumProducts) take the row stride ld separately, so that a caller can hand each goroutine
// its own block of columns, and accumulate into float64 sums.
//
// # Numerics
//
// Every kernel defines its result as a sequence of float32 (or, for the sums, float64)
// operations, each rounded once, written out in the doc comment of the exported function;
// no operation is fused (no FMA), so the Go twin computes the same bits as the assembly.
// The column sums add the rows in order from 0, as package ref does, and then add the
// sum into the output.
//
// # Portable code
//
// The AVX2 assembly (vec_amd64.s) handles the whole multiples of 8 floats of a row, the
// Go twin (generic.go) the rest; on CPUs without AVX2 and in the noasm build (go test
// -tags noasm) the twin does everything. The tests check the two against each other bit
// for bit, and both against plain float64 loops.
package vec
