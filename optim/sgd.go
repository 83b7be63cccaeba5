package optim

import (
	"errors"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// SGDConfig holds SGD's arguments; the zero value of each field is tf.keras's default.
type SGDConfig struct {
	// LearningRate defaults to 0.01 (nn.Zero for 0). Leave it 0 when Schedule is set.
	LearningRate float64
	// Schedule, when set, gives the learning rate of each update.
	Schedule Schedule
	// Momentum μ in [0, 1) (default 0: plain gradient descent).
	Momentum float64
	// Nesterov uses Nesterov momentum.
	Nesterov bool
	Clipping
}

// SGD is tf.keras's SGD (ApplyGradientDescent, ApplyKerasMomentum):
//
//	θ ← θ − lr·g                                     (Momentum 0)
//	v ← μ·v − lr·g;  θ ← θ + v                       (momentum)
//	v ← μ·v − lr·g;  θ ← θ + μ·v − lr·g              (Nesterov)
//
// with the slot v ("momentum") starting at zero.
type SGD struct {
	core
	momentum float64
	nesterov bool
}

// NewSGD returns an SGD optimizer.
func NewSGD(cfg SGDConfig) (*SGD, error) {
	var slots []string
	if cfg.Momentum != 0 {
		slots = []string{"momentum"}
	}
	c, err := newCore("SGD", cfg.LearningRate, 0.01, cfg.Schedule, cfg.Clipping, slots)
	o := &SGD{core: c, momentum: cfg.Momentum, nesterov: cfg.Nesterov}
	if err := errors.Join(err, o.inUnit("Momentum", cfg.Momentum, cfg.Momentum)); err != nil {
		return nil, err
	}
	return o, nil
}

// Apply performs one update of vars from their gradients (implements nn.Optimizer).
func (o *SGD) Apply(vars []*nn.Variable) error {
	p := device.SGDParams{LearningRate: o.LearningRate(), Momentum: o.momentum, Nesterov: o.nesterov}
	for i, g := range o.gradients(vars) {
		v := vars[i]
		v.Backend().SGD(&p, v.Len(), v.Value(), g, o.slot(v, "momentum"))
	}
	o.iterations++
	return nil
}
