package vec

import "math"

// The exported kernels split each row at cols &^ 7: the assembly, when it runs, does the
// columns before, the Go twin the columns after.

// vectorColumns is how many leading columns of a row the assembly handles: the whole
// multiples of 8 when it runs, none otherwise.
func vectorColumns(cols int) int {
	if useAVX2 {
		return cols &^ 7
	}
	return 0
}

// matrix returns x cut to the rows × cols matrix of row stride ld that it holds, and
// panics if x is too short for it.
func matrix(rows, cols, ld int, x []float32) []float32 {
	if rows == 0 || cols == 0 {
		return x[:0]
	}
	if ld < cols {
		panic("vec: row stride shorter than the row")
	}
	return x[:(rows-1)*ld+cols]
}

// AddBias computes y[r·ld+j] = x[r·ld+j] + bias[j] for the (rows × cols) matrix x of row
// stride ld, then y = max(y, 0) when relu is set (a NaN stays NaN). y, of the same stride,
// may alias x.
func AddBias(rows, cols, ld int, x, bias, y []float32, relu bool) {
	x, y, bias = matrix(rows, cols, ld, x), matrix(rows, cols, ld, y), bias[:cols]
	v := vectorColumns(cols)
	if v > 0 && rows > 0 {
		addBiasAVX2(rows, v, ld, x, bias, y, relu)
	}
	if v < cols && rows > 0 {
		addBiasGeneric(rows, cols-v, ld, x[v:], bias[v:], y[v:], relu)
	}
}

// AddBiasResidual computes y[r·ld+j] = (x[r·ld+j] + bias[j]) + residual[r·ld+j] for the
// (rows × cols) matrices x and residual of row stride ld, then y = max(y, 0) when relu is
// set: the end of a residual block, after its last convolution. y, of the same stride,
// may alias x.
func AddBiasResidual(rows, cols, ld int, x, bias, residual, y []float32, relu bool) {
	x, y, residual, bias = matrix(rows, cols, ld, x), matrix(rows, cols, ld, y), matrix(rows, cols, ld, residual), bias[:cols]
	v := vectorColumns(cols)
	if v > 0 && rows > 0 {
		addBiasResidualAVX2(rows, v, ld, x, bias, residual, y, relu)
	}
	if v < cols && rows > 0 {
		addBiasResidualGeneric(rows, cols-v, ld, x[v:], bias[v:], residual[v:], y[v:], relu)
	}
}

// Normalize computes y[r·cols+j] = (x[r·cols+j] − mean[j])·scale[j] + shift[j], each
// operation rounded to float32, then y = max(y, 0) when relu is set. It is the affine map
// of batch normalization with scale = gamma/sqrt(variance + ε) and shift = beta. y may
// alias x.
func Normalize(rows, cols int, x, mean, scale, shift, y []float32, relu bool) {
	x, y = x[:rows*cols], y[:rows*cols]
	mean, scale, shift = mean[:cols], scale[:cols], shift[:cols]
	v := vectorColumns(cols)
	if v > 0 && rows > 0 {
		normalizeAVX2(rows, v, cols, x, mean, scale, shift, y, relu)
	}
	if v < cols && rows > 0 {
		normalizeGeneric(rows, cols-v, cols, x[v:], mean[v:], scale[v:], shift[v:], y[v:], relu)
	}
}

// NormalizeBackward computes, in float64 with each operation rounded once and the result
// rounded to float32,
//
//	dx = (k1[j]·dy + k2[j]·(x − mean[j])) + k3[j]
//
// over the (rows × cols) matrices x, dy and dx: the data gradient of batch normalization,
// affine in dy and in the centred input, whose terms cancel closely when the batch is
// small. dx may alias dy.
func NormalizeBackward(rows, cols int, x, dy []float32, mean, k1, k2, k3 []float64, dx []float32) {
	x, dy, dx = x[:rows*cols], dy[:rows*cols], dx[:rows*cols]
	mean, k1, k2, k3 = mean[:cols], k1[:cols], k2[:cols], k3[:cols]
	v := vectorColumns(cols)
	if v > 0 && rows > 0 {
		normalizeBackwardAVX2(rows, v, cols, x, dy, mean, k1, k2, k3, dx)
	}
	if v < cols && rows > 0 {
		normalizeBackwardGeneric(rows, cols-v, cols, x[v:], dy[v:], mean[v:], k1[v:], k2[v:], k3[v:], dx[v:])
	}
}

// Relu computes y[i] = max(x[i], 0) for i < len(y) (a NaN stays NaN); y may alias x.
func Relu(x, y []float32) {
	x = x[:len(y)]
	v := vectorColumns(len(y))
	if v > 0 {
		reluAVX2(x[:v], y[:v])
	}
	reluGeneric(x[v:], y[v:])
}

// ReluBackward computes dx[i] = dy[i] where x[i] > 0 and 0 elsewhere (x NaN included),
// for i < len(dx); dx may alias dy.
func ReluBackward(x, dy, dx []float32) {
	x, dy = x[:len(dx)], dy[:len(dx)]
	v := vectorColumns(len(dx))
	if v > 0 {
		reluBackwardAVX2(x[:v], dy[:v], dx[:v])
	}
	reluBackwardGeneric(x[v:], dy[v:], dx[v:])
}

// Axpby computes y[i] = alpha·x[i] + beta·y[i] for i < len(y), each product and the sum
// rounded to float32; with beta = 0, y[i] = alpha·x[i] without reading y.
func Axpby(alpha float32, x []float32, beta float32, y []float32) {
	x = x[:len(y)]
	v := vectorColumns(len(y))
	if v > 0 {
		axpbyAVX2(alpha, x[:v], beta, y[:v])
	}
	axpbyGeneric(alpha, x[v:], beta, y[v:])
}

// MaxInto computes dst[i] = src[i] where src[i] > dst[i], for i < len(dst): the running
// maximum of max pooling (a NaN in src never wins, a NaN in dst stays).
func MaxInto(dst, src []float32) {
	src = src[:len(dst)]
	v := vectorColumns(len(dst))
	if v > 0 {
		maxIntoAVX2(dst[:v], src[:v])
	}
	maxIntoGeneric(dst[v:], src[v:])
}

// RouteMax sends, for i < len(dx), dy[i] to dx[i] where x[i] == y[i] and pending[i] is
// set, and clears pending[i] there:
//
//	if pending[i] && x[i] == y[i] { dx[i] += dy[i]; pending[i] = false }
//
// Called for the cells of a max-pooling window in order, with y the window's maximum and
// pending all set at first, it routes each channel's gradient to the first cell that held
// the maximum (a NaN matches nothing). pending holds a mask per element: all bits set or
// none (see PendingAll).
func RouteMax(x, y, dy, dx, pending []float32) {
	n := len(dx)
	x, y, dy, pending = x[:n], y[:n], dy[:n], pending[:n]
	v := vectorColumns(n)
	if v > 0 {
		routeMaxAVX2(x[:v], y[:v], dy[:v], dx[:v], pending[:v])
	}
	routeMaxGeneric(x[v:], y[v:], dy[v:], dx[v:], pending[v:])
}

// PendingAll is the value of a set element of RouteMax's pending mask.
var PendingAll = math.Float32frombits(^uint32(0))

// SumColumns adds Σ_r x[r·ld+j] to sums[j] for j < cols, in float64, over rows rows of x
// with row stride ld (see the package doc for the order of the sum).
func SumColumns(rows, cols, ld int, x []float32, sums []float64) {
	x, sums = matrix(rows, cols, ld, x), sums[:cols]
	v := vectorColumns(cols)
	if v > 0 && rows > 0 {
		sumColumnsAVX2(rows, v, ld, x, sums)
	}
	if v < cols && rows > 0 {
		sumColumnsGeneric(rows, cols-v, ld, x[v:], sums[v:cols])
	}
}

// SquaredDeviations adds Σ_r (x[r·ld+j] − mean[j])² to sums[j] for j < cols, in float64.
func SquaredDeviations(rows, cols, ld int, x []float32, mean, sums []float64) {
	x, mean, sums = matrix(rows, cols, ld, x), mean[:cols], sums[:cols]
	v := vectorColumns(cols)
	if v > 0 && rows > 0 {
		squaredDeviationsAVX2(rows, v, ld, x, mean, sums)
	}
	if v < cols && rows > 0 {
		squaredDeviationsGeneric(rows, cols-v, ld, x[v:], mean[v:cols], sums[v:cols])
	}
}

// SumProducts adds Σ_r dy[r·ld+j] to sumDy[j] and Σ_r dy[r·ld+j]·(x[r·ld+j] − mean[j]) to
// sumDyCentered[j] for j < cols, in float64: the sums of the backward pass of batch
// normalization.
func SumProducts(rows, cols, ld int, x, dy []float32, mean, sumDy, sumDyCentered []float64) {
	x, dy = matrix(rows, cols, ld, x), matrix(rows, cols, ld, dy)
	mean, sumDy, sumDyCentered = mean[:cols], sumDy[:cols], sumDyCentered[:cols]
	v := vectorColumns(cols)
	if v > 0 && rows > 0 {
		sumProductsAVX2(rows, v, ld, x, dy, mean, sumDy, sumDyCentered)
	}
	if v < cols && rows > 0 {
		sumProductsGeneric(rows, cols-v, ld, x[v:], dy[v:], mean[v:cols], sumDy[v:cols], sumDyCentered[v:cols])
	}
}
