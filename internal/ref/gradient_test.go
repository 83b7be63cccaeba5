package ref

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/org/gotl/internal/device"
)

// The gradient checks compare every backward kernel with central differences of its
// forward kernel. For a random linear functional L(y) = Σ r·y of the forward output, the
// backward kernel given dy = r must return ∂L/∂input, and
//
//	∂L/∂input[i] ≈ (L(f(input + h·e_i)) − L(f(input − h·e_i)))/(2h)
//
// with a truncation error of order h²·f''' and a rounding error of order ε·|L|/h.
// With h = 1e-5 both stay near 1e-10, far below the 1e-6 bound, provided no input sits
// within h of a kink (relu at 0, a near-tie in a max-pool window): the inputs below are
// drawn away from those.

// maxGradientError is the largest relative error a gradient check accepts.
const maxGradientError = 1e-6

// differenceStep is h in the central differences.
const differenceStep = 1e-5

// differentiable is one operation under test: forward computes the output from the
// inputs; backward returns the gradient with respect to each input given the output
// gradient dy, or nil for an input it does not differentiate.
type differentiable struct {
	inputs   [][]float64
	forward  func(inputs [][]float64) []float64
	backward func(inputs [][]float64, dy []float64) [][]float64
}

// checkGradient runs the finite-difference comparison for every differentiated input.
// The error of component i is |numeric − analytic| divided by the larger of the two
// magnitudes, floored at 1e-3 of the largest analytic component so that components that
// are zero up to rounding are judged against the gradient's scale.
func checkGradient(t *testing.T, name string, f differentiable) {
	t.Helper()
	random := rand.New(rand.NewPCG(uint64(len(name)), 7))
	y := f.forward(f.inputs)
	r := make([]float64, len(y))
	for i := range r {
		r[i] = random.Float64()*2 - 1
	}
	linear := func() float64 {
		var sum float64
		for i, v := range f.forward(f.inputs) {
			sum += r[i] * v
		}
		return sum
	}
	gradients := f.backward(f.inputs, r)
	for k, analytic := range gradients {
		if analytic == nil {
			continue
		}
		input := f.inputs[k]
		scale := 0.0
		for _, g := range analytic {
			scale = max(scale, math.Abs(g))
		}
		floor := max(1e-3*scale, 1e-12)
		worst, worstAt, worstNumeric := 0.0, 0, 0.0
		for i, v := range input {
			input[i] = v + differenceStep
			plus := linear()
			input[i] = v - differenceStep
			minus := linear()
			input[i] = v
			numeric := (plus - minus) / (2 * differenceStep)
			err := math.Abs(numeric-analytic[i]) / max(math.Abs(numeric), math.Abs(analytic[i]), floor)
			if err > worst {
				worst, worstAt, worstNumeric = err, i, numeric
			}
		}
		if worst > maxGradientError {
			t.Errorf("%s: input %d: relative error %.3g at [%d]: backward %.12g, central difference %.12g",
				name, k, worst, worstAt, analytic[worstAt], worstNumeric)
		}
	}
}

// uniform returns n values drawn from [lo, hi).
func uniform(random *rand.Rand, n int, lo, hi float64) []float64 {
	values := make([]float64, n)
	for i := range values {
		values[i] = lo + (hi-lo)*random.Float64()
	}
	return values
}

// awayFromZero returns n values of random sign with magnitudes in [0.1, 2), so that no
// value is within a difference step of 0.
func awayFromZero(random *rand.Rand, n int) []float64 {
	values := uniform(random, n, 0.1, 2)
	for i := range values {
		if random.IntN(2) == 0 {
			values[i] = -values[i]
		}
	}
	return values
}

// outputSize is the output length of a window of size k with dilation d and stride s
// sliding over in cells padded by before and after.
func outputSize(in, k, stride, dilation, before, after int) int {
	return (in+before+after-(k-1)*dilation-1)/stride + 1
}

func TestConv2DGradient(t *testing.T) {
	type geometry struct {
		name                          string
		n, h, w, inC, outC, kh, kw    int
		strideH, strideW, dilH, dilW  int
		padTop, padBottom, padL, padR int
	}
	for _, g := range []geometry{
		{"stride1-same", 2, 5, 5, 3, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{"stride2-odd", 2, 7, 9, 3, 5, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1},
		{"stride3", 1, 8, 10, 2, 3, 3, 2, 3, 3, 1, 1, 0, 0, 0, 0},
		{"dilation2", 2, 7, 6, 3, 2, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},
		{"asymmetric-padding", 1, 6, 5, 2, 3, 3, 3, 1, 2, 1, 1, 0, 2, 2, 0},
		{"batch1-1x1-stride2", 1, 5, 7, 4, 3, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0},
		{"rectangular-mixed", 2, 6, 7, 3, 2, 2, 3, 2, 1, 1, 2, 1, 0, 2, 1},
	} {
		p := &device.Conv2DParams{
			N: g.n, H: g.h, W: g.w, InC: g.inC, OutC: g.outC, KH: g.kh, KW: g.kw,
			StrideH: g.strideH, StrideW: g.strideW, DilationH: g.dilH, DilationW: g.dilW,
			PadTop: g.padTop, PadLeft: g.padL,
			OutH: outputSize(g.h, g.kh, g.strideH, g.dilH, g.padTop, g.padBottom),
			OutW: outputSize(g.w, g.kw, g.strideW, g.dilW, g.padL, g.padR),
		}
		random := rand.New(rand.NewPCG(1, uint64(len(g.name))))
		checkGradient(t, "conv2d/"+g.name, differentiable{
			inputs: [][]float64{uniform(random, p.InputLen(), -1, 1), uniform(random, p.KernelLen(), -1, 1)},
			forward: func(in [][]float64) []float64 {
				y := make([]float64, p.OutputLen())
				Conv2D(p, in[0], in[1], y)
				return y
			},
			backward: func(in [][]float64, dy []float64) [][]float64 {
				dx, dw := make([]float64, p.InputLen()), make([]float64, p.KernelLen())
				Conv2DBackwardData(p, dy, in[1], dx)
				Conv2DBackwardFilter(p, in[0], dy, dw)
				return [][]float64{dx, dw}
			},
		})
	}
}

func TestPool2DGradient(t *testing.T) {
	type geometry struct {
		name                          string
		h, w, kh, kw, stride          int
		padTop, padBottom, padL, padR int
	}
	modeNames := map[device.PoolMode]string{device.MaxPool: "max", device.AvgPool: "average"}
	for _, mode := range []device.PoolMode{device.MaxPool, device.AvgPool} {
		for _, g := range []geometry{
			{"valid-2x2-odd", 5, 7, 2, 2, 2, 0, 0, 0, 0},
			{"same-3x3-stride2", 7, 6, 3, 3, 2, 1, 1, 1, 0},
			{"same-3x3-stride1", 5, 4, 3, 3, 1, 1, 1, 1, 1},
			{"asymmetric-2x3", 6, 5, 2, 3, 1, 0, 1, 2, 0},
		} {
			p := &device.Pool2DParams{
				Mode: mode, N: 2, H: g.h, W: g.w, C: 3, KH: g.kh, KW: g.kw,
				StrideH: g.stride, StrideW: g.stride, PadTop: g.padTop, PadLeft: g.padL,
				OutH: outputSize(g.h, g.kh, g.stride, 1, g.padTop, g.padBottom),
				OutW: outputSize(g.w, g.kw, g.stride, 1, g.padL, g.padR),
			}
			// Distinct values 0.01 apart, shuffled: no window holds two values within a
			// difference step of each other, so the maximum never switches cell. They are
			// mostly negative, so a max that let padding (0) win would be caught.
			random := rand.New(rand.NewPCG(2, uint64(len(g.name))))
			x := make([]float64, p.InputLen())
			for i, rank := range random.Perm(len(x)) {
				x[i] = float64(rank)*0.01 - float64(len(x))*0.008
			}
			checkGradient(t, fmt.Sprintf("pool2d/%s/%s", modeNames[mode], g.name), differentiable{
				inputs: [][]float64{x},
				forward: func(in [][]float64) []float64 {
					y := make([]float64, p.OutputLen())
					Pool2D(p, in[0], y)
					return y
				},
				backward: func(in [][]float64, dy []float64) [][]float64 {
					y := make([]float64, p.OutputLen())
					Pool2D(p, in[0], y)
					dx := make([]float64, p.InputLen())
					Pool2DBackward(p, in[0], y, dy, dx)
					return [][]float64{dx}
				},
			})
		}
	}
}

func TestBatchNormTrainingGradient(t *testing.T) {
	p := &device.BatchNormParams{Rows: 7, C: 3, Epsilon: 1e-3}
	for _, affine := range []bool{true, false} {
		random := rand.New(rand.NewPCG(3, 0))
		inputs := [][]float64{uniform(random, p.Rows*p.C, -2, 2)}
		if affine {
			inputs = append(inputs, uniform(random, p.C, 0.5, 1.5), uniform(random, p.C, -1, 1))
		}
		parameters := func(in [][]float64) (gamma, beta []float64) {
			if affine {
				return in[1], in[2]
			}
			return nil, nil
		}
		checkGradient(t, fmt.Sprintf("batchnorm/affine=%v", affine), differentiable{
			inputs: inputs,
			forward: func(in [][]float64) []float64 {
				gamma, beta := parameters(in)
				y := make([]float64, p.Rows*p.C)
				BatchNormTraining(p, in[0], gamma, beta, y, make([]float64, p.C), make([]float64, p.C), nil, nil)
				return y
			},
			backward: func(in [][]float64, dy []float64) [][]float64 {
				gamma, beta := parameters(in)
				y := make([]float64, p.Rows*p.C)
				mean, invStd := make([]float64, p.C), make([]float64, p.C)
				BatchNormTraining(p, in[0], gamma, beta, y, mean, invStd, nil, nil)
				dx := make([]float64, p.Rows*p.C)
				if !affine {
					BatchNormBackward(p, in[0], dy, nil, mean, invStd, dx, nil, nil)
					return [][]float64{dx}
				}
				dgamma, dbeta := make([]float64, p.C), make([]float64, p.C)
				BatchNormBackward(p, in[0], dy, gamma, mean, invStd, dx, dgamma, dbeta)
				return [][]float64{dx, dgamma, dbeta}
			},
		})
	}
}

func TestActivationGradient(t *testing.T) {
	random := rand.New(rand.NewPCG(4, 0))
	// Values away from the kinks at 0 and, for relu6, at 6.
	x := append(awayFromZero(random, 40), uniform(random, 10, 2, 5.9)...)
	x = append(x, uniform(random, 10, 6.1, 9)...)
	for _, op := range device.ActivationOps() {
		checkGradient(t, "activation/"+op.String(), differentiable{
			inputs: [][]float64{x},
			forward: func(in [][]float64) []float64 {
				y := make([]float64, len(in[0]))
				Activation(op, len(y), in[0], y)
				return y
			},
			backward: func(in [][]float64, dy []float64) [][]float64 {
				y := make([]float64, len(in[0]))
				Activation(op, len(y), in[0], y)
				dx := make([]float64, len(y))
				ActivationBackward(op, len(y), in[0], y, dy, dx)
				return [][]float64{dx}
			},
		})
	}
}

func TestSoftmaxGradient(t *testing.T) {
	const rows, cols = 4, 7
	random := rand.New(rand.NewPCG(5, 0))
	checkGradient(t, "softmax", differentiable{
		inputs: [][]float64{uniform(random, rows*cols, -3, 3)},
		forward: func(in [][]float64) []float64 {
			y := make([]float64, rows*cols)
			Softmax(rows, cols, in[0], y)
			return y
		},
		backward: func(in [][]float64, dy []float64) [][]float64 {
			y := make([]float64, rows*cols)
			Softmax(rows, cols, in[0], y)
			dx := make([]float64, rows*cols)
			SoftmaxBackward(rows, cols, y, dy, dx)
			return [][]float64{dx}
		},
	})
}

func TestPadCropGradient(t *testing.T) {
	p := &device.Pad2DParams{N: 2, H: 3, W: 4, C: 2, Top: 1, Bottom: 2, Left: 0, Right: 3}
	outLen := p.N * p.OutH() * p.OutW() * p.C
	random := rand.New(rand.NewPCG(6, 0))
	checkGradient(t, "pad2d", differentiable{
		inputs: [][]float64{uniform(random, p.N*p.H*p.W*p.C, -1, 1)},
		forward: func(in [][]float64) []float64 {
			y := make([]float64, outLen)
			Pad2D(p, in[0], y)
			return y
		},
		backward: func(in [][]float64, dy []float64) [][]float64 {
			dx := make([]float64, len(in[0]))
			Crop2D(p, dy, dx)
			return [][]float64{dx}
		},
	})
}

func TestConcatSplitGradient(t *testing.T) {
	const outer = 3
	widths := []int{2, 5, 1}
	random := rand.New(rand.NewPCG(7, 0))
	var inputs [][]float64
	for _, width := range widths {
		inputs = append(inputs, uniform(random, outer*width, -1, 1))
	}
	checkGradient(t, "concat", differentiable{
		inputs: inputs,
		forward: func(in [][]float64) []float64 {
			y := make([]float64, outer*8)
			Concat(outer, widths, in, y)
			return y
		},
		backward: func(in [][]float64, dy []float64) [][]float64 {
			dxs := make([][]float64, len(in))
			for i := range dxs {
				dxs[i] = make([]float64, len(in[i]))
			}
			Split(outer, widths, dy, dxs)
			return dxs
		},
	})
}

func TestBiasGradient(t *testing.T) {
	const rows, cols = 5, 3
	random := rand.New(rand.NewPCG(8, 0))
	checkGradient(t, "bias", differentiable{
		inputs: [][]float64{uniform(random, rows*cols, -1, 1), uniform(random, cols, -1, 1)},
		forward: func(in [][]float64) []float64 {
			y := append([]float64(nil), in[0]...)
			BiasAdd(y, in[1], rows, cols)
			return y
		},
		backward: func(in [][]float64, dy []float64) [][]float64 {
			db := make([]float64, cols)
			BiasGrad(db, dy, rows, cols, 0, cols)
			return [][]float64{dy, db}
		},
	})
}
