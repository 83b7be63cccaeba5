package ref

import (
	"math"
	"testing"

	"github.com/org/gotl/internal/device"
)

// These tests pin the forward kernels to values worked out by hand or by an independent
// route; the gradient checks then tie every backward kernel to its forward kernel.

func expectClose(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", name, len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12*max(1, math.Abs(want[i])) {
			t.Errorf("%s: [%d] = %.15g, want %.15g", name, i, got[i], want[i])
		}
	}
}

func TestGemmTransposesAndStrides(t *testing.T) {
	// A = [1 2 3; 4 5 6], B = [1 0; 2 1; 0 3]: A·B = [5 11; 14 23].
	a := []float64{1, 2, 3, 4, 5, 6}
	aT := []float64{1, 4, -1, 2, 5, -1, 3, 6, -1} // Aᵀ stored with row stride 3
	b := []float64{1, 0, 2, 1, 0, 3}
	bT := []float64{1, 2, 0, 0, 1, 3}
	want := []float64{5, 11, 14, 23}
	for _, c := range []struct {
		name           string
		transA, transB bool
		a              []float64
		lda            int
		b              []float64
		ldb            int
	}{
		{"NN", false, false, a, 3, b, 2},
		{"TN", true, false, aT, 3, b, 2},
		{"NT", false, true, a, 3, bT, 3},
		{"TT", true, true, aT, 3, bT, 3},
	} {
		out := []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()}
		Gemm(c.transA, c.transB, 2, 2, 3, 1, c.a, c.lda, c.b, c.ldb, 0, out, 2)
		expectClose(t, "gemm "+c.name, out, want)
	}
	// alpha and beta, with C's row stride 3 leaving a column untouched.
	out := []float64{1, 1, 7, 1, 1, 7}
	Gemm(false, false, 2, 2, 3, 2, a, 3, b, 2, -1, out, 3)
	expectClose(t, "gemm alpha beta", out, []float64{9, 21, 7, 27, 45, 7})
}

func TestConv2DByHand(t *testing.T) {
	// x is the 3×3 image 1…9, w the 2×2 kernel [1 0; 0 −1], one channel in and out.
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	w := []float64{1, 0, 0, -1}
	valid := &device.Conv2DParams{N: 1, H: 3, W: 3, InC: 1, OutH: 2, OutW: 2, OutC: 1, KH: 2, KW: 2,
		StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	y := make([]float64, 4)
	Conv2D(valid, x, w, y)
	expectClose(t, "valid", y, []float64{-4, -4, -4, -4})

	// One row and column of padding above and left only: y[0,0] = 0 − x[0,0].
	padded := *valid
	padded.OutH, padded.OutW, padded.PadTop, padded.PadLeft = 3, 3, 1, 1
	y = make([]float64, 9)
	Conv2D(&padded, x, w, y)
	expectClose(t, "padded", y, []float64{-1, -2, -3, -4, -4, -4, -7, -4, -4})

	// Stride 2 with dilation 2 over a 5×5 image 1…25 reads the corners of each 3×3 window.
	x5 := make([]float64, 25)
	for i := range x5 {
		x5[i] = float64(i + 1)
	}
	dilated := &device.Conv2DParams{N: 1, H: 5, W: 5, InC: 1, OutH: 2, OutW: 2, OutC: 1, KH: 2, KW: 2,
		StrideH: 2, StrideW: 2, DilationH: 2, DilationW: 2}
	y = make([]float64, 4)
	Conv2D(dilated, x5, w, y)
	expectClose(t, "dilated", y, []float64{1 - 13, 3 - 15, 11 - 23, 13 - 25})
}

func TestConv2D1x1IsGemm(t *testing.T) {
	p := &device.Conv2DParams{N: 2, H: 3, W: 2, InC: 3, OutH: 3, OutW: 2, OutC: 4, KH: 1, KW: 1,
		StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}
	x, w := make([]float64, p.InputLen()), make([]float64, p.KernelLen())
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	for i := range w {
		w[i] = math.Cos(float64(i))
	}
	y, want := make([]float64, p.OutputLen()), make([]float64, p.OutputLen())
	Conv2D(p, x, w, y)
	Gemm(false, false, p.N*p.H*p.W, p.OutC, p.InC, 1, x, p.InC, w, p.OutC, 0, want, p.OutC)
	expectClose(t, "1x1", y, want)
}

func TestPoolingPaddingByHand(t *testing.T) {
	// 2×2 image, 3×3 windows, stride 1, one cell of padding all round: every window holds
	// all four cells.
	p := &device.Pool2DParams{Mode: device.AvgPool, N: 1, H: 2, W: 2, C: 1, OutH: 2, OutW: 2,
		KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadTop: 1, PadLeft: 1}
	y := make([]float64, 4)
	Pool2D(p, []float64{1, 2, 3, 4}, y)
	expectClose(t, "average ignores padding", y, []float64{2.5, 2.5, 2.5, 2.5})

	p.Mode = device.MaxPool
	Pool2D(p, []float64{-4, -3, -2, -1}, y)
	expectClose(t, "padding never wins a max", y, []float64{-1, -1, -1, -1})
}

func TestMaxPoolGradientGoesToFirstMaximum(t *testing.T) {
	// One 2×3 window over equal values, then one with the maximum tied at cells 2 and 4.
	p := &device.Pool2DParams{Mode: device.MaxPool, N: 1, H: 2, W: 3, C: 1, OutH: 1, OutW: 1,
		KH: 2, KW: 3, StrideH: 1, StrideW: 1}
	for _, c := range []struct{ x, dx []float64 }{
		{[]float64{5, 5, 5, 5, 5, 5}, []float64{3, 0, 0, 0, 0, 0}},
		{[]float64{1, 2, 7, 0, 7, 3}, []float64{0, 0, 3, 0, 0, 0}},
	} {
		y, dx := make([]float64, 1), make([]float64, 6)
		Pool2D(p, c.x, y)
		Pool2DBackward(p, c.x, y, []float64{3}, dx)
		expectClose(t, "max tie", dx, c.dx)
	}
}

func TestBatchNormByHand(t *testing.T) {
	p := &device.BatchNormParams{Rows: 2, C: 1, Epsilon: 0, Momentum: 0.9}
	y := make([]float64, 2)
	BatchNormInference(p, []float64{1, 3}, []float64{2}, []float64{1}, []float64{2}, []float64{1}, y)
	expectClose(t, "inference", y, []float64{-1, 3})

	// Batch {1, 3}: mean 2, biased variance 1, Bessel-corrected 2.
	for _, c := range []struct {
		bessel   bool
		variance float64
	}{{false, 1}, {true, 2}} {
		p.BesselCorrection = c.bessel
		mean, invStd := make([]float64, 1), make([]float64, 1)
		movingMean, movingVar := []float64{0}, []float64{1}
		BatchNormTraining(p, []float64{1, 3}, nil, nil, y, mean, invStd, movingMean, movingVar)
		expectClose(t, "training y", y, []float64{-1, 1})
		expectClose(t, "saved", []float64{mean[0], invStd[0]}, []float64{2, 1})
		expectClose(t, "moving", []float64{movingMean[0], movingVar[0]},
			[]float64{0.1 * 2, 0.9*1 + 0.1*c.variance})
	}
}

func TestActivationValues(t *testing.T) {
	for _, c := range []struct {
		op   device.ActivationOp
		x, y float64
	}{
		{device.Linear, -2.5, -2.5},
		{device.ReLU, -1, 0},
		{device.ReLU, 2, 2},
		{device.Sigmoid, 0, 0.5},
		{device.Sigmoid, -1000, 0},
		{device.Sigmoid, 1000, 1},
		{device.Tanh, 0.5, math.Tanh(0.5)},
		{device.Softplus, 0, math.Ln2},
		{device.Softplus, 1000, 1000},
		{device.Softplus, -1000, 0},
		{device.Softsign, 1, 0.5},
		{device.Softsign, -3, -0.75},
		{device.ELU, -1, math.Exp(-1) - 1},
		{device.ELU, 2, 2},
		{device.SELU, 1, 1.0507009873554805},
		{device.SELU, -1, 1.0507009873554805 * 1.6732632423543772 * (math.Exp(-1) - 1)},
		{device.Swish, 1, 1 / (1 + math.Exp(-1))},
		{device.ReLU6, 7, 6},
		{device.ReLU6, 3, 3},
		{device.ReLU6, -1, 0},
	} {
		y := make([]float64, 1)
		Activation(c.op, 1, []float64{c.x}, y)
		expectClose(t, c.op.String(), y, []float64{c.y})
	}
}

func TestSoftmaxSubtractsRowMax(t *testing.T) {
	y := make([]float64, 5)
	Softmax(2, 2, []float64{1000, 1000, 0, math.Log(3)}, y)
	expectClose(t, "softmax", y[:4], []float64{0.5, 0.5, 0.25, 0.75})
}

func TestOptimizerSteps(t *testing.T) {
	t.Run("SGD", func(t *testing.T) {
		param, velocity := []float64{1, 1}, []float64{0.2, 0.2}
		SGD(&device.SGDParams{LearningRate: 0.1}, 1, param, []float64{0.5}, nil)
		expectClose(t, "plain", param[:1], []float64{0.95})
		param = []float64{1}
		SGD(&device.SGDParams{LearningRate: 0.1, Momentum: 0.9}, 1, param, []float64{0.5}, velocity)
		expectClose(t, "momentum", []float64{param[0], velocity[0]}, []float64{1.13, 0.13})
		param = []float64{1}
		velocity = []float64{0.2}
		SGD(&device.SGDParams{LearningRate: 0.1, Momentum: 0.9, Nesterov: true}, 1, param, []float64{0.5}, velocity)
		expectClose(t, "nesterov", []float64{param[0], velocity[0]}, []float64{1 + 0.9*0.13 - 0.05, 0.13})
	})
	t.Run("Adam", func(t *testing.T) {
		p := &device.AdamParams{LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 1}
		param, m, v := []float64{1}, []float64{0}, []float64{0}
		Adam(p, 1, param, []float64{2}, m, v, nil)
		alpha := 0.001 * math.Sqrt(0.001) / 0.1
		expectClose(t, "step 1", []float64{param[0], m[0], v[0]},
			[]float64{1 - alpha*0.2/(math.Sqrt(0.004)+1e-7), 0.2, 0.004})

		p.AMSGrad, p.WeightDecay = true, 0.5
		param, m, v, vhat := []float64{1}, []float64{0}, []float64{0}, []float64{1}
		Adam(p, 1, param, []float64{2}, m, v, vhat)
		expectClose(t, "amsgrad adamw", []float64{param[0], vhat[0]},
			[]float64{(1 - 0.001*0.5) - alpha*0.2/(1+1e-7), 1})
	})
	t.Run("RMSprop", func(t *testing.T) {
		p := &device.RMSpropParams{LearningRate: 0.001, Rho: 0.9, Epsilon: 1e-7}
		param, ms := []float64{1}, []float64{0}
		RMSprop(p, 1, param, []float64{2}, ms, nil, nil)
		expectClose(t, "plain", []float64{param[0], ms[0]}, []float64{1 - 0.002/(math.Sqrt(0.4)+1e-7), 0.4})

		p.Momentum, p.Centered = 0.5, true
		param, ms, mom, mg := []float64{1}, []float64{0}, []float64{0.1}, []float64{0}
		RMSprop(p, 1, param, []float64{2}, ms, mom, mg)
		wantMom := 0.5*0.1 + 0.002/math.Sqrt(0.4-0.04+1e-7)
		expectClose(t, "centered momentum", []float64{param[0], mom[0], mg[0]}, []float64{1 - wantMom, wantMom, 0.2})
	})
}

func TestRegistered(t *testing.T) {
	b, err := device.Open("reference")
	if err != nil {
		t.Fatal(err)
	}
	if b.Name() != "reference" {
		t.Errorf("Name() = %q", b.Name())
	}
}

func TestPoolWindowOutsideInput(t *testing.T) {
	// Padding wider than the window: the first window lies wholly before the input and the
	// last wholly after it; the others hold one cell each.
	p := &device.Pool2DParams{N: 1, H: 1, W: 2, C: 1, OutH: 1, OutW: 4, KH: 1, KW: 2,
		StrideH: 1, StrideW: 2, PadLeft: 3}
	for _, mode := range []device.PoolMode{device.AvgPool, device.MaxPool} {
		p.Mode = mode
		y, dx := make([]float64, 4), make([]float64, 2)
		Pool2D(p, []float64{-3, -5}, y)
		Pool2DBackward(p, []float64{-3, -5}, y, []float64{1, 2, 3, 4}, dx)
		expectClose(t, "empty windows", y, []float64{0, -3, -5, 0})
		expectClose(t, "empty windows gradient", dx, []float64{2, 3})
	}
}

func TestWindowTapsMatchesBruteForce(t *testing.T) {
	for o := range 6 {
		for stride := 1; stride <= 3; stride++ {
			for dilation := 1; dilation <= 3; dilation++ {
				for pad := range 6 {
					for k := 1; k <= 4; k++ {
						for size := 1; size <= 6; size++ {
							want0, want1 := -1, -1
							for tap := range k {
								if i := o*stride + tap*dilation - pad; i >= 0 && i < size {
									if want0 < 0 {
										want0 = tap
									}
									want1 = tap + 1
								}
							}
							k0, k1 := WindowTaps(o, stride, dilation, pad, k, size)
							if want0 < 0 && k0 == k1 || k0 == want0 && k1 == want1 {
								continue
							}
							t.Fatalf("WindowTaps(o %d, stride %d, dilation %d, pad %d, k %d, size %d) = [%d, %d), want [%d, %d)",
								o, stride, dilation, pad, k, size, k0, k1, want0, want1)
						}
					}
				}
			}
		}
	}
}
