//go:build !noasm

package vec

import (
	"math"

	"golang.org/x/sys/cpu"
)

// useAVX2 selects the assembly; without AVX2 the Go twins run.
var useAVX2 = cpu.X86.HasAVX2

// The assembly routines below do the columns [0, cols) of each row, cols a multiple of 8
// (the whole slice for the flat ones, whose length is a multiple of 8); the slices are not
// bounds-checked, the exported functions have checked them. Each computes what its Go
// twin in generic.go computes, bit for bit.

//go:noescape
func addBiasAVX2(rows, cols, ld int, x, bias, y []float32, relu bool)

//go:noescape
func addBiasResidualAVX2(rows, cols, ld int, x, bias, residual, y []float32, relu bool)

//go:noescape
func normalizeAVX2(rows, cols, ld int, x, mean, scale, shift, y []float32, relu bool)

//go:noescape
func normalizeBackwardAVX2(rows, cols, ld int, x, dy []float32, mean, k1, k2, k3 []float64, dx []float32)

//go:noescape
func reluAVX2(x, y []float32)

//go:noescape
func reluBackwardAVX2(x, dy, dx []float32)

//go:noescape
func axpbyAVX2(alpha float32, x []float32, beta float32, y []float32)

//go:noescape
func maxIntoAVX2(dst, src []float32)

//go:noescape
func routeMaxAVX2(x, y, dy, dx, pending []float32)

//go:noescape
func sumColumnsAVX2(rows, cols, ld int, x []float32, sums []float64)

//go:noescape
func squaredDeviationsAVX2(rows, cols, ld int, x []float32, mean, sums []float64)

//go:noescape
func sumProductsAVX2(rows, cols, ld int, x, dy []float32, mean, sumDy, sumDyCentered []float64)

//go:noescape
func adamAVX2(s *AdamStep, param, grad, m, v, vhat []float32)

//go:noescape
func sgdAVX2(s *SGDStep, param, grad, velocity []float32)

// negativeInfinity is the float32 −∞, the lower bound of a result without ReLU.
var negativeInfinity = float32(math.Inf(-1))
