package layers

import (
	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// DropoutConfig holds Dropout's optional arguments.
type DropoutConfig struct {
	Name string
}

// Dropout is Keras's Dropout (inverted dropout): in training each value is kept with
// probability 1 − rate and scaled by 1/(1 − rate), else zeroed; in inference it is the
// identity. The masks come from the model's dropout stream, seeded by nn.WithSeed.
// Input and output (N, ...) of the same shape.
type Dropout struct {
	nn.Base
	rate      float64
	configErr error

	mask     device.Buffer
	host     []float32
	y, dx    *nn.Tensor
	dropping bool
}

// NewDropout returns a Dropout layer that drops a fraction rate of the values, 0 <= rate < 1.
func NewDropout(rate float64, cfg ...DropoutConfig) *Dropout {
	c, err := oneConfig(cfg)
	l := &Dropout{rate: rate, configErr: err}
	l.Init(l, "Dropout", c.Name)
	return l
}

// Rate is the fraction of values dropped in training.
func (l *Dropout) Rate() float64 { return l.rate }

// Build implements nn.Layer.
func (l *Dropout) Build(in []nn.Shape) (nn.Shape, error) {
	switch {
	case l.configErr != nil:
		return nil, l.Errorf("%v", l.configErr)
	case !(l.rate >= 0 && l.rate < 1):
		return nil, l.Errorf("rate must be in [0, 1), got %v", l.rate)
	case len(in) != 1:
		return nil, l.Errorf("takes one input, got %d", len(in))
	}
	return in[0].Clone(), nil
}

// Forward implements nn.Layer.
func (l *Dropout) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	x := in[0]
	l.dropping = ctx.Training && l.rate > 0
	if !l.dropping {
		return x, nil
	}
	n := x.Len()
	b := l.Backend()
	if l.mask == nil || l.mask.Len() < n {
		l.mask = b.Alloc(n)
	}
	if cap(l.host) < n {
		l.host = make([]float32, n)
	}
	l.host = l.host[:n]
	keep := float32(1 / (1 - l.rate))
	rng := ctx.Rand()
	for i := range l.host {
		if rng.Float64() >= l.rate {
			l.host[i] = keep
		} else {
			l.host[i] = 0
		}
	}
	b.Upload(l.mask, l.host)
	l.y = l.Ensure(l.y, x.Shape...)
	b.Mul(n, x.Buf, l.mask, l.y.Buf)
	return l.y, nil
}

// Backward implements nn.Layer.
func (l *Dropout) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	if !needDx[0] {
		return []*nn.Tensor{nil}, nil
	}
	if !l.dropping {
		return []*nn.Tensor{dy}, nil
	}
	l.dx = l.Ensure(l.dx, dy.Shape...)
	l.Backend().Mul(dy.Len(), dy.Buf, l.mask, l.dx.Buf)
	return []*nn.Tensor{l.dx}, nil
}
