package nn_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/org/gotl/data"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
)

func softmax(z []float64, k int) []float64 {
	p := make([]float64, len(z))
	for r := 0; r < len(z)/k; r++ {
		row := z[r*k : (r+1)*k]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, v)
		}
		s := 0.0
		for j, v := range row {
			p[r*k+j] = math.Exp(v - mx)
			s += p[r*k+j]
		}
		for j := range row {
			p[r*k+j] /= s
		}
	}
	return p
}

// checkLossGradient compares Eval's gradient with central differences of Σ losses.
func checkLossGradient(t *testing.T, name string, eval func(pred, losses, grad []float64) error, pred []float64, rows int) {
	t.Helper()
	losses := make([]float64, rows)
	grad := make([]float64, len(pred))
	if err := eval(pred, losses, grad); err != nil {
		t.Fatal(err)
	}
	sum := func() float64 {
		l := make([]float64, rows)
		if err := eval(pred, l, nil); err != nil {
			t.Fatal(err)
		}
		s := 0.0
		for _, v := range l {
			s += v
		}
		return s
	}
	const h = 1e-6
	worst, scale := 0.0, 0.0
	for i := range pred {
		orig := pred[i]
		pred[i] = orig + h
		plus := sum()
		pred[i] = orig - h
		minus := sum()
		pred[i] = orig
		worst = math.Max(worst, math.Abs((plus-minus)/(2*h)-grad[i]))
		scale = math.Max(scale, math.Abs(grad[i]))
	}
	if worst/scale > 1e-6 {
		t.Errorf("%s: gradient relative error %.3g", name, worst/scale)
	}
}

func TestLossGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const rows, k = 4, 5
	z := make([]float64, rows*k)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	p := softmax(z, k)
	onehot := make([]float64, rows*k)
	labels := make([]float64, rows)
	binary := make([]float64, rows*k)
	sig := make([]float64, rows*k)
	for r := 0; r < rows; r++ {
		labels[r] = float64(r % k)
		onehot[r*k+r%k] = 1
	}
	for i := range binary {
		binary[i] = float64(rng.IntN(2))
		sig[i] = 1 / (1 + math.Exp(-z[i]))
	}
	cce := nn.CategoricalCrossentropy{}
	smooth := nn.CategoricalCrossentropy{LabelSmoothing: 0.1}
	scce := nn.SparseCategoricalCrossentropy{}
	bce := nn.BinaryCrossentropy{}
	mse := nn.MeanSquaredError{}
	checkLossGradient(t, "cce probabilities", func(x, l, g []float64) error { return cce.Eval(onehot, k, x, k, l, g) }, append([]float64(nil), p...), rows)
	checkLossGradient(t, "cce logits", func(x, l, g []float64) error { return cce.EvalLogits(onehot, k, x, k, l, g) }, append([]float64(nil), z...), rows)
	checkLossGradient(t, "cce smoothing logits", func(x, l, g []float64) error { return smooth.EvalLogits(onehot, k, x, k, l, g) }, append([]float64(nil), z...), rows)
	checkLossGradient(t, "scce probabilities", func(x, l, g []float64) error { return scce.Eval(labels, 1, x, k, l, g) }, append([]float64(nil), p...), rows)
	checkLossGradient(t, "scce logits", func(x, l, g []float64) error { return scce.EvalLogits(labels, 1, x, k, l, g) }, append([]float64(nil), z...), rows)
	checkLossGradient(t, "bce probabilities", func(x, l, g []float64) error { return bce.Eval(binary, k, x, k, l, g) }, append([]float64(nil), sig...), rows)
	checkLossGradient(t, "bce logits", func(x, l, g []float64) error { return bce.EvalLogits(binary, k, x, k, l, g) }, append([]float64(nil), z...), rows)
	checkLossGradient(t, "mse", func(x, l, g []float64) error { return mse.Eval(binary, k, x, k, l, g) }, append([]float64(nil), z...), rows)

	// The logits path and the probability path agree away from the clipping.
	lp, ll := make([]float64, rows), make([]float64, rows)
	cce.Eval(onehot, k, p, k, lp, nil)
	cce.EvalLogits(onehot, k, z, k, ll, nil)
	for r := range lp {
		if math.Abs(lp[r]-ll[r]) > 1e-12 {
			t.Errorf("row %d: probability path %v, logits path %v", r, lp[r], ll[r])
		}
	}
	// Uniform predictions cost log k; a confident wrong one is clipped at −log(ε).
	uniform := []float64{0.2, 0.2, 0.2, 0.2, 0.2}
	l := make([]float64, 1)
	cce.Eval([]float64{0, 0, 1, 0, 0}, k, uniform, k, l, nil)
	if math.Abs(l[0]-math.Log(5)) > 1e-12 {
		t.Errorf("uniform loss %v, want log 5", l[0])
	}
	cce.Eval([]float64{0, 0, 1, 0, 0}, k, []float64{1, 0, 0, 0, 0}, k, l, nil)
	if math.Abs(l[0]-16.11809565095832) > 1e-9 {
		t.Errorf("clipped loss %v, want −log(1e-7) = 16.118", l[0])
	}
}

// TestSoftmaxFusion: a softmax output trained with categorical cross-entropy takes the
// logits path; one SGD step equals the step of a linear output with FromLogits.
func TestSoftmaxFusion(t *testing.T) {
	x, y := blobs(32, 4)
	yh, _ := data.OneHot(y, 3)
	step := func(act layers.ActivationFunc, loss nn.Loss) []float32 {
		m, err := nn.NewSequential([]nn.Layer{nn.NewInputLayer("", 2), layers.NewDense(3, layers.DenseConfig{Activation: act})}, nn.WithSeed(2), nn.WithDevice("reference"))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(sgd(t), loss); err != nil {
			t.Fatal(err)
		}
		ds, _ := data.NewArrayDataset(x, yh, data.ArrayConfig{BatchSize: 32})
		if _, err := m.Fit(context.Background(), ds, nn.FitConfig{Verbose: nn.Silent}); err != nil {
			t.Fatal(err)
		}
		return m.Variables()[0].Read()
	}
	fused := step(layers.Softmax, nn.CategoricalCrossentropy{})
	logits := step(layers.Linear, nn.CategoricalCrossentropy{FromLogits: true})
	for i := range fused {
		if math.Abs(float64(fused[i]-logits[i])) > 1e-6 {
			t.Fatalf("kernel[%d]: softmax+cce %v, linear+cce(from logits) %v", i, fused[i], logits[i])
		}
	}
}
