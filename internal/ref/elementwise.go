package ref

// Axpby computes y[i] = alpha·x[i] + beta·y[i] for i < n. With beta = 0, y is
// overwritten (as C is by Gemm): NaNs already in y do not propagate.
func Axpby[T Float](n int, alpha T, x []T, beta T, y []T) {
	for i := range n {
		if beta == 0 {
			y[i] = alpha * x[i]
		} else {
			y[i] = alpha*x[i] + beta*y[i]
		}
	}
}

// Mul computes z[i] = x[i]·y[i] for i < n; z may alias x or y.
func Mul[T Float](n int, x, y, z []T) {
	for i := range n {
		z[i] = x[i] * y[i]
	}
}

// Clamp limits x[i] to [lo, hi] in place for i < n. NaN stays NaN.
func Clamp[T Float](n int, x []T, lo, hi T) {
	for i, v := range x[:n] {
		if v < lo {
			x[i] = lo
		} else if v > hi {
			x[i] = hi
		}
	}
}

// SumSquares returns Σ_{i<n} x[i]², accumulated in float64 in index order.
func SumSquares[T Float](n int, x []T) float64 {
	var sum float64
	for _, v := range x[:n] {
		sum += float64(v) * float64(v)
	}
	return sum
}
