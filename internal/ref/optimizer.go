package ref

import (
	"math"

	"github.com/org/gotl/internal/device"
)

// The optimizer kernels apply one tf.keras 2.x update (KERAS.md §4) to param[0:n] in
// place, given grad; slot arrays are updated in place. Scalars derived from the
// hyper-parameters are computed in float64 and rounded once to T.

// SGD applies θ ← θ − lr·g without momentum; with momentum μ, v ← μ·v − lr·g and then
// θ ← θ + v, or θ ← θ + μ·v − lr·g with Nesterov (ApplyKerasMomentum). velocity may be
// nil when Momentum is 0.
func SGD[T Float](p *device.SGDParams, n int, param, grad, velocity []T) {
	lr, momentum := T(p.LearningRate), T(p.Momentum)
	for i := range n {
		g := grad[i]
		if p.Momentum == 0 {
			param[i] -= lr * g
			continue
		}
		v := momentum*velocity[i] - lr*g
		velocity[i] = v
		if p.Nesterov {
			param[i] += momentum*v - lr*g
		} else {
			param[i] += v
		}
	}
}

// Adam applies, with t = Step:
//
//	θ ← θ − lr·wd·θ                       (only when WeightDecay > 0: AdamW's decoupled decay)
//	m ← m + (g − m)·(1 − β1)
//	v ← v + (g² − v)·(1 − β2)
//	v̂ ← max(v̂, v)                         (only with AMSGrad; v̂ then replaces v below)
//	θ ← θ − α·m/(sqrt(v) + ε),  α = lr·sqrt(1 − β2ᵗ)/(1 − β1ᵗ)
//
// vhat may be nil without AMSGrad.
func Adam[T Float](p *device.AdamParams, n int, param, grad, m, v, vhat []T) {
	t := float64(p.Step)
	alpha := T(p.LearningRate * math.Sqrt(1-math.Pow(p.Beta2, t)) / (1 - math.Pow(p.Beta1, t)))
	decay := T(p.LearningRate * p.WeightDecay)
	oneMinusBeta1, oneMinusBeta2 := T(1-p.Beta1), T(1-p.Beta2)
	epsilon := T(p.Epsilon)
	for i := range n {
		if p.WeightDecay > 0 {
			param[i] -= decay * param[i]
		}
		g := grad[i]
		m[i] += (g - m[i]) * oneMinusBeta1
		v[i] += (g*g - v[i]) * oneMinusBeta2
		second := v[i]
		if p.AMSGrad {
			vhat[i] = max(vhat[i], v[i])
			second = vhat[i]
		}
		param[i] -= alpha * m[i] / (sqrt(second) + epsilon)
	}
}

// RMSprop applies
//
//	ms ← ρ·ms + (1 − ρ)·g²
//	mg ← ρ·mg + (1 − ρ)·g,  den = ms − mg²    (centered; otherwise den = ms)
//	θ ← θ − lr·g/(sqrt(den) + ε)                               (Momentum = 0)
//	mom ← μ·mom + lr·g/sqrt(den + ε);  θ ← θ − mom              (Momentum > 0)
//
// mom and mg may be nil when unused.
func RMSprop[T Float](p *device.RMSpropParams, n int, param, grad, ms, mom, mg []T) {
	lr, rho, oneMinusRho := T(p.LearningRate), T(p.Rho), T(1-p.Rho)
	momentum, epsilon := T(p.Momentum), T(p.Epsilon)
	for i := range n {
		g := grad[i]
		ms[i] = rho*ms[i] + oneMinusRho*g*g
		den := ms[i]
		if p.Centered {
			mg[i] = rho*mg[i] + oneMinusRho*g
			den -= mg[i] * mg[i]
		}
		if p.Momentum > 0 {
			mom[i] = momentum*mom[i] + lr*g/sqrt(den+epsilon)
			param[i] -= mom[i]
		} else {
			param[i] -= lr * g / (sqrt(den) + epsilon)
		}
	}
}

// sqrt is the square root rounded once to T (a float32 square root through float64 is
// correctly rounded).
func sqrt[T Float](x T) T {
	return T(math.Sqrt(float64(x)))
}
