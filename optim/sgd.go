package optim

import (
	"fmt"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// SGDConfig holds SGD's arguments; the zero value of each field is tf.keras's default.
type SGDConfig struct {
	// LearningRate defaults to 0.01.
	LearningRate float64
	// Momentum μ in [0, 1) (default 0: plain gradient descent).
	Momentum float64
	// Nesterov uses Nesterov momentum.
	Nesterov bool
}

// SGD is tf.keras's SGD: θ ← θ − lr·g; with momentum v ← μ·v − lr·g, θ ← θ + v; with
// Nesterov θ ← θ + μ·v − lr·g.
type SGD struct {
	cfg        SGDConfig
	lr         float64
	iterations int64
	velocity   map[*nn.Variable]device.Buffer
}

// NewSGD returns an SGD optimizer.
func NewSGD(cfg SGDConfig) (*SGD, error) {
	if cfg.LearningRate == 0 {
		cfg.LearningRate = 0.01
	}
	if cfg.LearningRate < 0 {
		return nil, fmt.Errorf("optim: SGD: learning rate must be > 0, got %v", cfg.LearningRate)
	}
	if cfg.Momentum < 0 || cfg.Momentum >= 1 {
		return nil, fmt.Errorf("optim: SGD: momentum must be in [0, 1), got %v", cfg.Momentum)
	}
	return &SGD{cfg: cfg, lr: cfg.LearningRate, velocity: map[*nn.Variable]device.Buffer{}}, nil
}

// Apply implements nn.Optimizer.
func (o *SGD) Apply(vars []*nn.Variable) error {
	p := device.SGDParams{LearningRate: o.lr, Momentum: o.cfg.Momentum, Nesterov: o.cfg.Nesterov}
	for _, v := range vars {
		var vel device.Buffer
		if o.cfg.Momentum != 0 {
			vel = o.velocity[v]
			if vel == nil {
				vel = v.Backend().Alloc(v.Len())
				o.velocity[v] = vel
			}
		}
		v.Backend().SGD(&p, v.Len(), v.Value(), v.Grad(), vel)
	}
	o.iterations++
	return nil
}

// LearningRate, SetLearningRate and Iterations implement nn.Optimizer.
func (o *SGD) LearningRate() float64      { return o.lr }
func (o *SGD) SetLearningRate(lr float64) { o.lr = lr }
func (o *SGD) Iterations() int64          { return o.iterations }
