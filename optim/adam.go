package optim

import (
	"errors"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// AdamConfig holds Adam's arguments; the zero value of each field is tf.keras's default.
type AdamConfig struct {
	// LearningRate defaults to 0.001 (nn.Zero for 0). Leave it 0 when Schedule is set.
	LearningRate float64
	// Schedule, when set, gives the learning rate of each update.
	Schedule Schedule
	// Beta1 (default 0.9) and Beta2 (default 0.999) are the decay rates of the first and
	// second moment estimates, in [0, 1) (nn.Zero for 0).
	Beta1, Beta2 float64
	// Epsilon (default 1e-7, Keras's, where PyTorch and TF1 use 1e-8) is added to the
	// uncorrected sqrt(v): Keras's "epsilon hat".
	Epsilon float64
	// AMSGrad uses the running maximum of v (Reddi et al., 2018).
	AMSGrad bool
	// WeightDecay, when > 0, shrinks every variable it updates by lr·WeightDecay·θ before
	// the Adam step: decoupled weight decay (AdamW, Loshchilov & Hutter), which tf.keras 2.x
	// lacks and Keras 3's AdamW applies the same way (to every variable).
	WeightDecay float64
	Clipping
}

// Adam is tf.keras's Adam (ApplyAdam), with t the 1-based update number:
//
//	m ← m + (g − m)·(1 − β1)
//	v ← v + (g² − v)·(1 − β2)
//	θ ← θ − α·m/(sqrt(v) + ε),  α = lr·sqrt(1 − β2ᵗ)/(1 − β1ᵗ)
//
// ε is added to the uncorrected sqrt(v), so Adam(ε) here equals the paper's Adam with
// ε·sqrt(1 − β2ᵗ). With AMSGrad v̂ ← max(v̂, v) replaces v in the last line. KERAS.md §10:
// the first step with g = 1 and lr 1e-3 moves θ by −1e-3·sqrt(0.001)/0.1·0.1/(sqrt(0.001)
// + 1e-7) ≈ −9.99997e-4.
type Adam struct {
	core
	beta1, beta2, epsilon float64
	amsgrad               bool
	weightDecay           float64
}

// NewAdam returns an Adam optimizer.
func NewAdam(cfg AdamConfig) (*Adam, error) {
	slots := []string{"m", "v"}
	if cfg.AMSGrad {
		slots = append(slots, "vhat")
	}
	c, err := newCore("Adam", cfg.LearningRate, 0.001, cfg.Schedule, cfg.Clipping, slots)
	o := &Adam{
		core:        c,
		beta1:       nn.Option(cfg.Beta1, 0.9),
		beta2:       nn.Option(cfg.Beta2, 0.999),
		epsilon:     nn.Option(cfg.Epsilon, 1e-7),
		amsgrad:     cfg.AMSGrad,
		weightDecay: cfg.WeightDecay,
	}
	errs := []error{err, o.inUnit("Beta1", o.beta1, cfg.Beta1), o.inUnit("Beta2", o.beta2, cfg.Beta2)}
	if !(o.epsilon >= 0) {
		errs = append(errs, o.errorf("Epsilon must be >= 0, got %v", cfg.Epsilon))
	}
	if !(cfg.WeightDecay >= 0) {
		errs = append(errs, o.errorf("WeightDecay must be >= 0, got %v", cfg.WeightDecay))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return o, nil
}

// Apply performs one update of vars from their gradients (implements nn.Optimizer).
func (o *Adam) Apply(vars []*nn.Variable) error {
	p := device.AdamParams{
		LearningRate: o.LearningRate(),
		Beta1:        o.beta1,
		Beta2:        o.beta2,
		Epsilon:      o.epsilon,
		Step:         o.iterations + 1,
		AMSGrad:      o.amsgrad,
		WeightDecay:  o.weightDecay,
	}
	for i, g := range o.gradients(vars) {
		v := vars[i]
		v.Backend().Adam(&p, v.Len(), v.Value(), g, o.slot(v, "m"), o.slot(v, "v"), o.slot(v, "vhat"))
	}
	o.iterations++
	return nil
}
