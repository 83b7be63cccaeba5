//go:build noasm || !amd64

package vec

// useAVX2 is false: the Go twins do everything, and the routines below are never called.
const useAVX2 = false

func addBiasAVX2(rows, cols, ld int, x, bias, y []float32, relu bool) { unreachable() }
func addBiasResidualAVX2(rows, cols, ld int, x, bias, residual, y []float32, relu bool) {
	unreachable()
}
func normalizeAVX2(rows, cols, ld int, x, mean, scale, shift, y []float32, relu bool) {
	unreachable()
}
func normalizeBackwardAVX2(rows, cols, ld int, x, dy []float32, mean, k1, k2, k3 []float64, dx []float32) {
	unreachable()
}
func reluAVX2(x, y []float32)                                         { unreachable() }
func reluBackwardAVX2(x, dy, dx []float32)                            { unreachable() }
func axpbyAVX2(alpha float32, x []float32, beta float32, y []float32) { unreachable() }
func maxIntoAVX2(dst, src []float32)                                  { unreachable() }
func routeMaxAVX2(x, y, dy, dx, pending []float32)                    { unreachable() }
func sumColumnsAVX2(rows, cols, ld int, x []float32, sums []float64)  { unreachable() }
func squaredDeviationsAVX2(rows, cols, ld int, x []float32, mean, sums []float64) {
	unreachable()
}
func sumProductsAVX2(rows, cols, ld int, x, dy []float32, mean, sumDy, sumDyCentered []float64) {
	unreachable()
}
func adamAVX2(s *AdamStep, param, grad, m, v, vhat []float32) { unreachable() }
func sgdAVX2(s *SGDStep, param, grad, velocity []float32)     { unreachable() }

func unreachable() { panic("vec: assembly routine called in a build without assembly") }
