package ref

import (
	"fmt"
	"math"

	"github.com/org/gotl/internal/device"
)

// SELU's constants, as Keras defines them (keras/activations.py).
const (
	seluAlpha = 1.67326324235437728481704299167171
	seluScale = 1.05070098735548049341933498529460
)

// Activation computes y[i] = f(x[i]) for i < n; y may alias x. The functions, as Keras
// defines them:
//
//	linear   x
//	relu     max(x, 0)
//	sigmoid  1/(1 + e^−x)
//	tanh     tanh(x)
//	softplus log(1 + e^x)
//	softsign x/(1 + |x|)
//	elu      x if x > 0, else e^x − 1                 (alpha 1)
//	selu     scale·x if x > 0, else scale·alpha·(e^x − 1)
//	swish    x·sigmoid(x)
//	relu6    min(max(x, 0), 6)
//
// The piecewise-linear ones are exact in T; the others are computed in float64 and
// rounded once to T.
func Activation[T Float](op device.ActivationOp, n int, x, y []T) {
	x, y = x[:n], y[:n]
	switch op {
	case device.Linear:
		copy(y, x)
	case device.ReLU:
		for i, v := range x {
			y[i] = max(v, 0)
		}
	case device.ReLU6:
		for i, v := range x {
			y[i] = min(max(v, 0), 6)
		}
	default:
		for i, v := range x {
			y[i] = T(activate(op, float64(v)))
		}
	}
}

// ActivationBackward writes dx[i] = f'(x[i])·dy[i] for i < n given the forward input x
// and output y = f(x); dx may alias dy. At the kinks of relu and relu6 the derivative
// taken is 0 (x ≤ 0, x ≥ 6), as in TensorFlow.
func ActivationBackward[T Float](op device.ActivationOp, n int, x, y, dy, dx []T) {
	x, y, dy, dx = x[:n], y[:n], dy[:n], dx[:n]
	switch op {
	case device.Linear:
		copy(dx, dy)
	case device.ReLU:
		for i, v := range x {
			dx[i] = passIf(v > 0, dy[i])
		}
	case device.ReLU6:
		for i, v := range x {
			dx[i] = passIf(v > 0 && v < 6, dy[i])
		}
	default:
		for i, v := range x {
			dx[i] = T(derivative(op, float64(v), float64(y[i])) * float64(dy[i]))
		}
	}
}

// activate is f(x) for one of the activations computed in float64.
func activate(op device.ActivationOp, x float64) float64 {
	switch op {
	case device.Sigmoid:
		return sigmoid(x)
	case device.Tanh:
		return math.Tanh(x)
	case device.Softplus:
		// log(1 + e^x) = max(x, 0) + log(1 + e^−|x|), which neither overflows nor loses
		// the small values of either tail.
		return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
	case device.Softsign:
		return x / (1 + math.Abs(x))
	case device.ELU:
		if x > 0 {
			return x
		}
		return math.Expm1(x)
	case device.SELU:
		if x > 0 {
			return seluScale * x
		}
		return seluScale * seluAlpha * math.Expm1(x)
	case device.Swish:
		return x * sigmoid(x)
	}
	panic(fmt.Sprintf("ref: unknown activation %v", op))
}

// derivative is f'(x), given x and y = f(x), for one of the activations computed in
// float64.
func derivative(op device.ActivationOp, x, y float64) float64 {
	switch op {
	case device.Sigmoid:
		return y * (1 - y)
	case device.Tanh:
		return 1 - y*y
	case device.Softplus:
		return sigmoid(x)
	case device.Softsign:
		d := 1 + math.Abs(x)
		return 1 / (d * d)
	case device.ELU:
		if x > 0 {
			return 1
		}
		return math.Exp(x)
	case device.SELU:
		if x > 0 {
			return seluScale
		}
		return seluScale * seluAlpha * math.Exp(x)
	case device.Swish:
		s := sigmoid(x)
		return s + x*s*(1-s)
	}
	panic(fmt.Sprintf("ref: unknown activation %v", op))
}

// sigmoid is 1/(1 + e^−x), evaluated so that e^|x| never overflows.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// passIf is the gradient g where the function's slope is 1, else 0 (also for an infinite g).
func passIf[T Float](slopeOne bool, g T) T {
	if slopeOne {
		return g
	}
	return 0
}

// Softmax computes y[r,j] = e^(x[r,j] − m)/Σ_k e^(x[r,k] − m) over each row of the
// (rows×cols) matrix x, with m the row's maximum so that no exponential overflows.
// The denominator is summed in float64.
func Softmax[T Float](rows, cols int, x, y []T) {
	for r := range rows {
		xRow, yRow := x[r*cols:(r+1)*cols], y[r*cols:(r+1)*cols]
		rowMax := math.Inf(-1)
		for _, v := range xRow {
			rowMax = max(rowMax, float64(v))
		}
		var sum float64
		for j, v := range xRow {
			e := math.Exp(float64(v) - rowMax)
			yRow[j] = T(e)
			sum += e
		}
		for j := range yRow {
			yRow[j] = T(float64(yRow[j]) / sum)
		}
	}
}

// SoftmaxBackward writes dx[r,j] = y[r,j]·(dy[r,j] − Σ_k dy[r,k]·y[r,k]) for y = Softmax(x),
// the dot product summed in float64. y, dy, dx (rows×cols).
func SoftmaxBackward[T Float](rows, cols int, y, dy, dx []T) {
	for r := range rows {
		yRow, dyRow, dxRow := y[r*cols:(r+1)*cols], dy[r*cols:(r+1)*cols], dx[r*cols:(r+1)*cols]
		var dot float64
		for j, v := range yRow {
			dot += float64(v) * float64(dyRow[j])
		}
		for j, v := range yRow {
			dxRow[j] = T(float64(v) * (float64(dyRow[j]) - dot))
		}
	}
}
