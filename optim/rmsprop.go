package optim

import (
	"errors"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// RMSpropConfig holds RMSprop's arguments; the zero value of each field is tf.keras's
// default.
type RMSpropConfig struct {
	// LearningRate defaults to 0.001 (nn.Zero for 0). Leave it 0 when Schedule is set.
	LearningRate float64
	// Schedule, when set, gives the learning rate of each update.
	Schedule Schedule
	// Rho is the decay rate of the mean square, in [0, 1) (default 0.9, nn.Zero for 0).
	Rho float64
	// Momentum μ in [0, 1) (default 0).
	Momentum float64
	// Epsilon defaults to 1e-7 (nn.Zero for 0); see RMSprop for where it goes.
	Epsilon float64
	// Centered divides by an estimate of the variance instead of the mean square.
	Centered bool
	Clipping
}

// RMSprop is tf.keras 2.x's RMSprop (TF 2.0–2.10; KERAS.md §4):
//
//	ms ← ρ·ms + (1 − ρ)·g²
//	mg ← ρ·mg + (1 − ρ)·g;  d = ms − mg²           (Centered; otherwise d = ms)
//	θ ← θ − lr·g/(sqrt(d) + ε)                      (Momentum 0: ε OUTSIDE the root)
//	mom ← μ·mom + lr·g/sqrt(d + ε);  θ ← θ − mom    (Momentum > 0: ε INSIDE the root)
//
// The placement of ε follows tf.keras 2.x exactly: without momentum its Python update puts
// ε outside the square root; with momentum it calls the ApplyRMSProp/ApplyCenteredRMSProp
// kernels, which put it inside. (Keras ≥ 2.11 puts it inside always; PyTorch outside
// always.) The slots are "rms" (ms), "momentum" (mom) and "mg", starting at zero.
type RMSprop struct {
	core
	rho, momentum, epsilon float64
	centered               bool
}

// NewRMSprop returns an RMSprop optimizer.
func NewRMSprop(cfg RMSpropConfig) (*RMSprop, error) {
	slots := []string{"rms"}
	if cfg.Momentum != 0 {
		slots = append(slots, "momentum")
	}
	if cfg.Centered {
		slots = append(slots, "mg")
	}
	c, err := newCore("RMSprop", cfg.LearningRate, 0.001, cfg.Schedule, cfg.Clipping, slots)
	o := &RMSprop{
		core:     c,
		rho:      nn.Option(cfg.Rho, 0.9),
		momentum: cfg.Momentum,
		epsilon:  nn.Option(cfg.Epsilon, 1e-7),
		centered: cfg.Centered,
	}
	errs := []error{err, o.inUnit("Rho", o.rho, cfg.Rho), o.inUnit("Momentum", o.momentum, cfg.Momentum)}
	if !(o.epsilon >= 0) {
		errs = append(errs, o.errorf("Epsilon must be >= 0, got %v", cfg.Epsilon))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return o, nil
}

// Apply performs one update of vars from their gradients (implements nn.Optimizer).
func (o *RMSprop) Apply(vars []*nn.Variable) error {
	p := device.RMSpropParams{LearningRate: o.LearningRate(), Rho: o.rho, Momentum: o.momentum, Epsilon: o.epsilon, Centered: o.centered}
	for i, g := range o.gradients(vars) {
		v := vars[i]
		v.Backend().RMSprop(&p, v.Len(), v.Value(), g, o.slot(v, "rms"), o.slot(v, "momentum"), o.slot(v, "mg"))
	}
	o.iterations++
	return nil
}
