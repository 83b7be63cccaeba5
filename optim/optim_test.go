package optim_test

import (
	"math"
	"strings"
	"testing"

	_ "github.com/org/gotl/internal/ref" // registers the "reference" backend
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/optim"
)

// problem is a fixed small problem: the 8 variables of a Dense(3→2) layer (kernel and bias)
// and a gradient that is a nonlinear function of them, with curvatures from 0.01 to 10 so
// that the second-moment optimizers see very different scales.
type problem struct {
	model *nn.Model
	vars  []*nn.Variable
}

var (
	curvature = []float64{10, 0.01, 3, 0.3, 1, 0.05, 5, 0.7}
	target    = []float64{1, -2, 0.5, 3, -1, 0.25, -0.75, 2}
	start     = []float64{0.3, 0.8, -0.6, 0.1, 0.9, -0.4, 0.2, -1.1}
)

// grad is the gradient at theta (flat, kernel then bias), computed in float64.
func grad(theta []float64) []float64 {
	g := make([]float64, len(theta))
	for i := range theta {
		g[i] = curvature[i]*(theta[i]-target[i]) + 0.3*math.Sin(theta[(i+1)%len(theta)])
	}
	return g
}

func newProblem(t *testing.T, device string) *problem {
	t.Helper()
	m, err := nn.NewSequential([]nn.Layer{nn.NewInputLayer("", 3), layers.NewDense(2)}, nn.WithDevice(device))
	if err != nil {
		t.Fatal(err)
	}
	p := &problem{model: m, vars: m.TrainableVariables()}
	p.set(start)
	return p
}

// theta reads the variables (flat, in float64: exact on the reference backend).
func (p *problem) theta() []float64 {
	var out []float64
	for _, v := range p.vars {
		vals := make([]float64, v.Len())
		v.Backend().Download64(vals, v.Value())
		out = append(out, vals...)
	}
	return out
}

func (p *problem) set(theta []float64) {
	off := 0
	for _, v := range p.vars {
		v.Backend().Upload64(v.Value(), theta[off:off+v.Len()])
		off += v.Len()
	}
}

// step computes the gradient at the current values, hands it to the variables and applies
// the optimizer.
func (p *problem) step(t *testing.T, opt nn.Optimizer) {
	t.Helper()
	g := grad(p.theta())
	off := 0
	for _, v := range p.vars {
		v.Backend().Upload64(v.Grad(), g[off:off+v.Len()])
		off += v.Len()
	}
	if err := opt.Apply(p.vars); err != nil {
		t.Fatal(err)
	}
}

// keras is an independent float64 implementation of the tf.keras 2.x update equations
// (KERAS.md §4), one per optimizer configuration, written from the equations and not from
// the kernels.
type keras struct {
	kind                                string // "sgd", "adam", "rmsprop"
	lr                                  float64
	momentum, beta1, beta2, eps, rho    float64
	nesterov, amsgrad, centered         bool
	t                                   int
	slot1, slot2, slot3                 []float64
	schedule                            func(step int) float64
	clipValue, clipNorm, globalClipNorm float64
}

// kerasLR is the learning rate as tf.keras holds it: a float32 variable.
func kerasLR(lr float64) float64 { return float64(float32(lr)) }

func (k *keras) update(theta, g []float64) {
	n := len(theta)
	if k.slot1 == nil {
		k.slot1, k.slot2, k.slot3 = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	g = clipKeras(g, k.clipValue, k.clipNorm, k.globalClipNorm)
	lr := k.lr
	if k.schedule != nil {
		lr = kerasLR(k.schedule(k.t))
	}
	k.t++
	for i := range theta {
		switch k.kind {
		case "sgd":
			if k.momentum == 0 {
				theta[i] -= lr * g[i]
				continue
			}
			k.slot1[i] = k.momentum*k.slot1[i] - lr*g[i]
			if k.nesterov {
				theta[i] += k.momentum*k.slot1[i] - lr*g[i]
			} else {
				theta[i] += k.slot1[i]
			}
		case "adam":
			m, v := k.slot1, k.slot2
			m[i] = k.beta1*m[i] + (1-k.beta1)*g[i]
			v[i] = k.beta2*v[i] + (1-k.beta2)*g[i]*g[i]
			alpha := lr * math.Sqrt(1-math.Pow(k.beta2, float64(k.t))) / (1 - math.Pow(k.beta1, float64(k.t)))
			denom := v[i]
			if k.amsgrad {
				k.slot3[i] = math.Max(k.slot3[i], v[i])
				denom = k.slot3[i]
			}
			theta[i] -= alpha * m[i] / (math.Sqrt(denom) + k.eps)
		case "rmsprop":
			ms, mom, mg := k.slot1, k.slot2, k.slot3
			ms[i] = k.rho*ms[i] + (1-k.rho)*g[i]*g[i]
			denom := ms[i]
			if k.centered {
				mg[i] = k.rho*mg[i] + (1-k.rho)*g[i]
				denom = ms[i] - mg[i]*mg[i]
			}
			if k.momentum > 0 {
				mom[i] = k.momentum*mom[i] + lr*g[i]/math.Sqrt(denom+k.eps)
				theta[i] -= mom[i]
			} else {
				theta[i] -= lr * g[i] / (math.Sqrt(denom) + k.eps)
			}
		}
	}
}

// clipKeras is tf.keras's clipping of the whole gradient: clip_by_value, then clip_by_norm
// per variable (the kernel is g[0:6], the bias g[6:8]), then clip_by_global_norm.
func clipKeras(g []float64, value, norm, global float64) []float64 {
	g = append([]float64(nil), g...)
	if value > 0 {
		for i := range g {
			g[i] = math.Max(-value, math.Min(value, g[i]))
		}
	}
	l2 := func(x []float64) float64 {
		s := 0.0
		for _, v := range x {
			s += v * v
		}
		return math.Sqrt(s)
	}
	if norm > 0 {
		for _, part := range [][]float64{g[:6], g[6:]} {
			n := l2(part)
			for i := range part {
				part[i] = part[i] * norm / math.Max(n, norm)
			}
		}
	}
	if global > 0 {
		n := l2(g)
		scale := global * math.Min(1/n, 1/global)
		for i := range g {
			g[i] *= scale
		}
	}
	return g
}

type trajectoryCase struct {
	name  string
	make  func() (nn.Optimizer, error)
	keras *keras
}

func trajectoryCases() []trajectoryCase {
	return []trajectoryCase{
		{"SGD", func() (nn.Optimizer, error) { return optim.NewSGD(optim.SGDConfig{LearningRate: 0.05}) },
			&keras{kind: "sgd", lr: kerasLR(0.05)}},
		{"SGD default", func() (nn.Optimizer, error) { return optim.NewSGD(optim.SGDConfig{}) },
			&keras{kind: "sgd", lr: kerasLR(0.01)}},
		{"SGD momentum", func() (nn.Optimizer, error) { return optim.NewSGD(optim.SGDConfig{LearningRate: 0.05, Momentum: 0.9}) },
			&keras{kind: "sgd", lr: kerasLR(0.05), momentum: 0.9}},
		{"SGD nesterov", func() (nn.Optimizer, error) {
			return optim.NewSGD(optim.SGDConfig{LearningRate: 0.05, Momentum: 0.8, Nesterov: true})
		}, &keras{kind: "sgd", lr: kerasLR(0.05), momentum: 0.8, nesterov: true}},
		{"Adam", func() (nn.Optimizer, error) { return optim.NewAdam(optim.AdamConfig{LearningRate: 0.1}) },
			&keras{kind: "adam", lr: kerasLR(0.1), beta1: 0.9, beta2: 0.999, eps: 1e-7}},
		{"Adam default", func() (nn.Optimizer, error) { return optim.NewAdam(optim.AdamConfig{}) },
			&keras{kind: "adam", lr: kerasLR(0.001), beta1: 0.9, beta2: 0.999, eps: 1e-7}},
		{"Adam amsgrad", func() (nn.Optimizer, error) {
			return optim.NewAdam(optim.AdamConfig{LearningRate: 0.1, Beta1: 0.8, Beta2: 0.99, Epsilon: 1e-3, AMSGrad: true})
		}, &keras{kind: "adam", lr: kerasLR(0.1), beta1: 0.8, beta2: 0.99, eps: 1e-3, amsgrad: true}},
		{"Adam beta1 zero", func() (nn.Optimizer, error) {
			return optim.NewAdam(optim.AdamConfig{LearningRate: 0.1, Beta1: nn.Zero})
		},
			&keras{kind: "adam", lr: kerasLR(0.1), beta1: 0, beta2: 0.999, eps: 1e-7}},
		{"RMSprop", func() (nn.Optimizer, error) { return optim.NewRMSprop(optim.RMSpropConfig{LearningRate: 0.01}) },
			&keras{kind: "rmsprop", lr: kerasLR(0.01), rho: 0.9, eps: 1e-7}},
		{"RMSprop epsilon", func() (nn.Optimizer, error) {
			return optim.NewRMSprop(optim.RMSpropConfig{LearningRate: 0.01, Epsilon: 0.05})
		}, &keras{kind: "rmsprop", lr: kerasLR(0.01), rho: 0.9, eps: 0.05}},
		{"RMSprop momentum", func() (nn.Optimizer, error) {
			return optim.NewRMSprop(optim.RMSpropConfig{LearningRate: 0.01, Momentum: 0.9, Epsilon: 1e-2})
		}, &keras{kind: "rmsprop", lr: kerasLR(0.01), rho: 0.9, momentum: 0.9, eps: 1e-2}},
		{"RMSprop centered", func() (nn.Optimizer, error) {
			return optim.NewRMSprop(optim.RMSpropConfig{LearningRate: 0.01, Rho: 0.8, Centered: true, Epsilon: 1e-2})
		}, &keras{kind: "rmsprop", lr: kerasLR(0.01), rho: 0.8, centered: true, eps: 1e-2}},
		{"RMSprop centered momentum", func() (nn.Optimizer, error) {
			return optim.NewRMSprop(optim.RMSpropConfig{LearningRate: 0.01, Momentum: 0.5, Centered: true})
		}, &keras{kind: "rmsprop", lr: kerasLR(0.01), rho: 0.9, momentum: 0.5, centered: true, eps: 1e-7}},
		{"SGD exponential decay", func() (nn.Optimizer, error) {
			return optim.NewSGD(optim.SGDConfig{Schedule: optim.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 5, DecayRate: 0.5}})
		}, &keras{kind: "sgd", schedule: func(s int) float64 { return 0.1 * math.Pow(0.5, float64(s)/5) }}},
		{"Adam cosine decay", func() (nn.Optimizer, error) {
			return optim.NewAdam(optim.AdamConfig{Schedule: optim.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 15, Alpha: 0.1}})
		}, &keras{kind: "adam", beta1: 0.9, beta2: 0.999, eps: 1e-7, schedule: func(s int) float64 {
			return 0.1 * (0.9*0.5*(1+math.Cos(math.Pi*math.Min(float64(s), 15)/15)) + 0.1)
		}}},
		{"SGD clipvalue clipnorm", func() (nn.Optimizer, error) {
			return optim.NewSGD(optim.SGDConfig{LearningRate: 0.05, Momentum: 0.5, Clipping: optim.Clipping{ClipValue: 2, ClipNorm: 1.5}})
		}, &keras{kind: "sgd", lr: kerasLR(0.05), momentum: 0.5, clipValue: 2, clipNorm: 1.5}},
		{"Adam global clipnorm", func() (nn.Optimizer, error) {
			return optim.NewAdam(optim.AdamConfig{LearningRate: 0.1, Clipping: optim.Clipping{GlobalClipNorm: 2}})
		}, &keras{kind: "adam", lr: kerasLR(0.1), beta1: 0.9, beta2: 0.999, eps: 1e-7, globalClipNorm: 2}},
	}
}

// TestTrajectories runs 20 steps of every optimizer configuration on the fixed problem and
// compares every step with the independent float64 implementation of the tf.keras
// equations: within 1e-6 relative on the float64 reference backend, and within float32
// accuracy on the CPU backend (2e-5 of the values' scale, about 1).
func TestTrajectories(t *testing.T) {
	for _, backend := range []struct {
		name       string
		tol, floor float64 // relative error allowed, measured against max(|want|, floor)
	}{{"reference", 1e-6, 1e-3}, {"cpu", 2e-5, 0.1}} {
		for _, c := range trajectoryCases() {
			t.Run(backend.name+"/"+c.name, func(t *testing.T) {
				opt, err := c.make()
				if err != nil {
					t.Fatal(err)
				}
				p := newProblem(t, backend.name)
				want := append([]float64(nil), start...)
				k := *c.keras
				worst := 0.0
				for s := 1; s <= 20; s++ {
					k.update(want, grad(want))
					p.step(t, opt)
					got := p.theta()
					for i := range got {
						rel := math.Abs(got[i]-want[i]) / math.Max(math.Abs(want[i]), backend.floor)
						worst = math.Max(worst, rel)
						if !(rel <= backend.tol) {
							t.Fatalf("step %d, value %d: got %.17g, tf.keras equations give %.17g (relative error %.3g > %g)", s, i, got[i], want[i], rel, backend.tol)
						}
					}
				}
				if opt.Iterations() != 20 {
					t.Errorf("Iterations() = %d after 20 updates", opt.Iterations())
				}
				// The trajectory must have moved: a no-op optimizer would fail above, but make
				// sure the problem is not trivially at rest.
				if moved := math.Abs(want[1] - start[1]); moved < 1e-4 {
					t.Errorf("value 1 moved only %g in 20 steps", moved)
				}
				t.Logf("worst relative error %.3g", worst)
			})
		}
	}
}

// TestAdamFirstStep is KERAS.md §10: Adam's first step with g = 1 and lr 1e-3 moves θ by
// −α·m/(sqrt(v)+ε) with m = 0.1, v = 0.001, α = lr·sqrt(0.001)/0.1: ≈ −9.99997e-4.
func TestAdamFirstStep(t *testing.T) {
	for _, backend := range []string{"reference", "cpu"} {
		opt, err := optim.NewAdam(optim.AdamConfig{LearningRate: 1e-3})
		if err != nil {
			t.Fatal(err)
		}
		p := newProblem(t, backend)
		zero := make([]float64, 8)
		p.set(zero)
		for _, v := range p.vars {
			ones := make([]float64, v.Len())
			for i := range ones {
				ones[i] = 1
			}
			v.Backend().Upload64(v.Grad(), ones)
		}
		if err := opt.Apply(p.vars); err != nil {
			t.Fatal(err)
		}
		lr := kerasLR(1e-3)
		alpha := lr * math.Sqrt(0.001) / 0.1
		want := -alpha * 0.1 / (math.Sqrt(0.001) + 1e-7)
		if math.Abs(want+9.99997e-4) > 1e-9 {
			t.Fatalf("fixture: Δθ = %.9g, KERAS.md says ≈ −9.99997e-4", want)
		}
		tol := 1e-15
		if backend == "cpu" {
			tol = 1e-10
		}
		for i, got := range p.theta() {
			if math.Abs(got-want) > tol {
				t.Errorf("%s: value %d moved by %.12g, want %.12g", backend, i, got, want)
			}
		}
		state := opt.State()
		for _, s := range state.Slots {
			want := map[string]float64{"m": 0.1, "v": 0.001}[s.Name]
			if math.Abs(float64(s.Values[0])-want) > 1e-8 {
				t.Errorf("%s: slot %s of %s = %v, want %v", backend, s.Name, s.Variable, s.Values[0], want)
			}
		}
	}
}

// TestClipNaN: a gradient with an infinite value makes the global norm infinite, and
// tf.clip_by_global_norm then turns every gradient to NaN; ClipValue first keeps it finite.
func TestClipNaN(t *testing.T) {
	for _, c := range []struct {
		clip    optim.Clipping
		wantNaN bool
	}{
		{optim.Clipping{GlobalClipNorm: 1}, true},
		{optim.Clipping{GlobalClipNorm: 1, ClipValue: 1}, false},
	} {
		opt, err := optim.NewSGD(optim.SGDConfig{LearningRate: 0.1, Clipping: c.clip})
		if err != nil {
			t.Fatal(err)
		}
		p := newProblem(t, "reference")
		g := make([]float64, 8)
		g[3] = math.Inf(1)
		p.vars[0].Backend().Upload64(p.vars[0].Grad(), g[:6])
		p.vars[1].Backend().Upload64(p.vars[1].Grad(), g[6:])
		if err := opt.Apply(p.vars); err != nil {
			t.Fatal(err)
		}
		theta := p.theta()
		if got := math.IsNaN(theta[0]); got != c.wantNaN {
			t.Errorf("%+v: value 0 = %v, want NaN: %v", c.clip, theta[0], c.wantNaN)
		}
		// ClipValue 1 makes g = (0, 0, 0, 1, 0, ...), whose global norm is 1: no rescaling.
		if want := start[3] - kerasLR(0.1); !c.wantNaN && math.Abs(theta[3]-want) > 1e-12 {
			t.Errorf("%+v: value 3 = %v, want %v", c.clip, theta[3], want)
		}
	}
}

func TestSchedules(t *testing.T) {
	for _, c := range []struct {
		s    optim.Schedule
		step int64
		want float64
	}{
		{optim.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 10, DecayRate: 0.5}, 5, 0.1 * math.Sqrt(0.5)},
		{optim.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 10, DecayRate: 0.5, Staircase: true}, 15, 0.05},
		{optim.InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 1, DecayRate: 0.5}, 2, 0.05},
		{optim.InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 4, DecayRate: 1, Staircase: true}, 7, 0.05},
		// Keras's docstring example: 1.0 for steps 0..100000, 0.5 up to 110000, then 0.1.
		{optim.PiecewiseConstantDecay{Boundaries: []int64{100000, 110000}, Values: []float64{1, 0.5, 0.1}}, 100000, 1},
		{optim.PiecewiseConstantDecay{Boundaries: []int64{100000, 110000}, Values: []float64{1, 0.5, 0.1}}, 100001, 0.5},
		{optim.PiecewiseConstantDecay{Boundaries: []int64{100000, 110000}, Values: []float64{1, 0.5, 0.1}}, 110000, 0.5},
		{optim.PiecewiseConstantDecay{Boundaries: []int64{100000, 110000}, Values: []float64{1, 0.5, 0.1}}, 110001, 0.1},
		{optim.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 100, Alpha: 0.1}, 0, 0.1},
		{optim.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 100, Alpha: 0.1}, 50, 0.055},
		{optim.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 100, Alpha: 0.1}, 100, 0.01},
		{optim.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 100, Alpha: 0.1}, 250, 0.01},
	} {
		if got := c.s.LearningRate(c.step); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%+v at step %d = %.17g, want %.17g", c.s, c.step, got, c.want)
		}
	}
}

// TestLearningRate: the rate is held as a float32, as Keras's lr variable is; a schedule
// gives the rate of the next update from the updates done, and SetLearningRate replaces it.
func TestLearningRate(t *testing.T) {
	opt, err := optim.NewAdam(optim.AdamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := opt.LearningRate(), 0.0010000000474974513; got != want {
		t.Errorf("default LearningRate() = %.20g, want float32(0.001) = %.20g", got, want)
	}
	opt.SetLearningRate(opt.LearningRate() * 0.1)
	if got, want := opt.LearningRate(), float64(float32(0.00010000000474974513)); got != want {
		t.Errorf("after SetLearningRate: %.20g, want %.20g", got, want)
	}
	if opt.Scheduled() {
		t.Error("Scheduled() without a schedule")
	}
	sched, err := optim.NewSGD(optim.SGDConfig{Schedule: optim.PiecewiseConstantDecay{Boundaries: []int64{1}, Values: []float64{0.5, 0.25}}})
	if err != nil {
		t.Fatal(err)
	}
	p := newProblem(t, "reference")
	var rates []float64
	for range 3 {
		rates = append(rates, sched.LearningRate())
		p.step(t, sched)
	}
	if want := []float64{0.5, 0.5, 0.25}; !equal(rates, want) {
		t.Errorf("scheduled rates %v, want %v", rates, want)
	}
	if !sched.Scheduled() {
		t.Error("Scheduled() = false with a schedule")
	}
	sched.SetLearningRate(0.125)
	if sched.Scheduled() || sched.LearningRate() != 0.125 {
		t.Errorf("after SetLearningRate(0.125): Scheduled() %v, LearningRate() %v", sched.Scheduled(), sched.LearningRate())
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestStateRoundTrip: 10 steps, state to host and into a new optimizer, 10 more steps give
// the same values, bit for bit, as 20 uninterrupted steps.
func TestStateRoundTrip(t *testing.T) {
	for _, c := range trajectoryCases() {
		t.Run(c.name, func(t *testing.T) {
			a, _ := c.make()
			p := newProblem(t, "cpu")
			for range 20 {
				p.step(t, a)
			}
			want := p.theta()

			b, _ := c.make()
			q := newProblem(t, "cpu")
			for range 10 {
				q.step(t, b)
			}
			state := b.(nn.StatefulOptimizer).State()
			saved := q.theta()
			r := newProblem(t, "cpu")
			r.set(saved)
			resumed, _ := c.make()
			if err := resumed.(nn.StatefulOptimizer).SetState(state, r.vars); err != nil {
				t.Fatal(err)
			}
			if resumed.Iterations() != 10 || resumed.LearningRate() != b.LearningRate() {
				t.Errorf("restored Iterations %d, LearningRate %v; want 10, %v", resumed.Iterations(), resumed.LearningRate(), b.LearningRate())
			}
			for range 10 {
				r.step(t, resumed)
			}
			if got := r.theta(); !equal(got, want) {
				t.Errorf("resumed after 10 steps: %v\nuninterrupted:          %v", got, want)
			}
		})
	}
}

func TestSetStateErrors(t *testing.T) {
	p := newProblem(t, "cpu")
	adam, _ := optim.NewAdam(optim.AdamConfig{})
	p.step(t, adam)
	state := adam.State()
	if len(state.Slots) != 4 || state.Slots[0].Variable != "dense/kernel" || state.Slots[0].Name != "m" || state.Slots[1].Name != "v" {
		t.Fatalf("Adam's state slots: %+v", state.Slots)
	}
	sgd, _ := optim.NewSGD(optim.SGDConfig{Momentum: 0.9})
	err := sgd.SetState(state, p.vars)
	wantError(t, err, `optim: SGD: state has slot "m" of "dense/kernel"; this SGD uses [momentum] (a state of another optimizer or configuration?)`)

	other, _ := optim.NewAdam(optim.AdamConfig{})
	err = other.SetState(state, p.vars[:1])
	wantError(t, err, `optim: Adam: state has slot "m" of "dense/bias", which is not a trainable variable of the model (to load only the weights, use LoadWeights)`)

	bad := state
	bad.Slots = append([]nn.Slot(nil), state.Slots...)
	bad.Slots[0].Shape = []int{2, 3}
	err = other.SetState(bad, p.vars)
	wantError(t, err, `optim: Adam: state has slot "m" of "dense/kernel" with shape [2 3] (6 values), the variable's shape is [3 2]`)
	bad.Slots = append(bad.Slots, state.Slots[1])
	wantError(t, other.SetState(bad, p.vars), `optim: Adam: state has slot "v" of "dense/kernel" twice`)
	if other.Iterations() != 0 {
		t.Errorf("a failed SetState changed Iterations to %d", other.Iterations())
	}
	// Variables without slots start from zeros: an empty state is fine.
	if err := other.SetState(nn.OptimizerState{Iterations: 3, LearningRate: 0.5}, p.vars); err != nil || other.Iterations() != 3 || other.LearningRate() != 0.5 {
		t.Errorf("empty state: err %v, Iterations %d, LearningRate %v", err, other.Iterations(), other.LearningRate())
	}
}

func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error, want %q", want)
		return
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\nwant it to contain %q", err, want)
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := optim.NewSGD(optim.SGDConfig{LearningRate: -1})
	wantError(t, err, "optim: SGD: LearningRate must be a finite number >= 0, got -1")
	_, err = optim.NewSGD(optim.SGDConfig{Momentum: 1})
	wantError(t, err, "optim: SGD: Momentum must be in [0, 1), got 1")
	_, err = optim.NewSGD(optim.SGDConfig{LearningRate: 0.1, Schedule: optim.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 10}})
	wantError(t, err, "optim: SGD: set LearningRate or Schedule, not both (LearningRate 0.1 and a optim.CosineDecay)")
	_, err = optim.NewSGD(optim.SGDConfig{Schedule: optim.CosineDecay{InitialLearningRate: 0.1}})
	wantError(t, err, "optim: SGD: Schedule: CosineDecay: DecaySteps must be > 0, got 0")
	_, err = optim.NewSGD(optim.SGDConfig{Schedule: optim.PiecewiseConstantDecay{Boundaries: []int64{5}, Values: []float64{1}}})
	wantError(t, err, "optim: SGD: Schedule: PiecewiseConstantDecay: 1 values for 1 boundaries; need one more value than boundaries")
	_, err = optim.NewSGD(optim.SGDConfig{Schedule: optim.PiecewiseConstantDecay{Boundaries: []int64{5, 5}, Values: []float64{1, 2, 3}}})
	wantError(t, err, "optim: SGD: Schedule: PiecewiseConstantDecay: Boundaries must increase, got [5 5]")
	_, err = optim.NewSGD(optim.SGDConfig{Schedule: optim.ExponentialDecay{InitialLearningRate: -1, DecaySteps: 1, DecayRate: 0.5}})
	wantError(t, err, "optim: SGD: Schedule: ExponentialDecay: InitialLearningRate must be a finite number >= 0, got -1")
	_, err = optim.NewAdam(optim.AdamConfig{Beta1: 1})
	wantError(t, err, "optim: Adam: Beta1 must be in [0, 1), got 1")
	_, err = optim.NewAdam(optim.AdamConfig{Beta2: -0.5})
	wantError(t, err, "optim: Adam: Beta2 must be in [0, 1), got -0.5")
	_, err = optim.NewAdam(optim.AdamConfig{Epsilon: -1})
	wantError(t, err, "optim: Adam: Epsilon must be >= 0, got -1")
	_, err = optim.NewAdam(optim.AdamConfig{WeightDecay: -1})
	wantError(t, err, "optim: Adam: WeightDecay must be >= 0, got -1")
	_, err = optim.NewAdam(optim.AdamConfig{Clipping: optim.Clipping{ClipNorm: 1, GlobalClipNorm: 1}})
	wantError(t, err, "optim: Adam: set ClipNorm or GlobalClipNorm, not both (got 1 and 1), as Keras requires")
	_, err = optim.NewRMSprop(optim.RMSpropConfig{Clipping: optim.Clipping{ClipValue: -2}})
	wantError(t, err, "optim: RMSprop: ClipValue must be a finite number >= 0 (0: off), got -2")
	_, err = optim.NewRMSprop(optim.RMSpropConfig{Rho: 1.5})
	wantError(t, err, "optim: RMSprop: Rho must be in [0, 1), got 1.5")
	_, err = optim.NewRMSprop(optim.RMSpropConfig{Momentum: -0.1})
	wantError(t, err, "optim: RMSprop: Momentum must be in [0, 1), got -0.1")
	// Several errors are reported together.
	_, err = optim.NewAdam(optim.AdamConfig{Beta1: 2, Beta2: 2})
	wantError(t, err, "Beta1 must be in [0, 1), got 2\noptim: Adam: Beta2 must be in [0, 1), got 2")
}

// TestAdamW: with WeightDecay the variable first shrinks by lr·wd·θ (decoupled decay), then
// takes the Adam step; with a zero gradient only the decay acts.
func TestAdamW(t *testing.T) {
	opt, err := optim.NewAdam(optim.AdamConfig{LearningRate: 0.1, WeightDecay: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	p := newProblem(t, "reference")
	for _, v := range p.vars {
		v.Backend().Upload64(v.Grad(), make([]float64, v.Len()))
	}
	if err := opt.Apply(p.vars); err != nil {
		t.Fatal(err)
	}
	for i, got := range p.theta() {
		if want := start[i] * (1 - kerasLR(0.1)*0.5); math.Abs(got-want) > 1e-15 {
			t.Errorf("value %d = %v, want %v", i, got, want)
		}
	}
}
