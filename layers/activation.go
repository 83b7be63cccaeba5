package layers

import "github.com/org/gotl/nn"

// ActivationConfig holds the optional arguments of Activation and ReLULayer.
type ActivationConfig struct {
	Name string
}

// Activation is Keras's Activation layer: y = f(x) elementwise, or a softmax over the last
// axis. Input and output (N, ...) of the same shape.
type Activation struct {
	nn.Base
	act       activation
	configErr error
}

// NewActivation returns an Activation layer applying fn.
func NewActivation(fn ActivationFunc, cfg ...ActivationConfig) *Activation {
	c, err := oneConfig(cfg)
	l := &Activation{configErr: err}
	l.act.setup(fn, false)
	l.Init(l, "Activation", c.Name)
	return l
}

// ReLULayer is Keras's ReLU layer with its default arguments (max_value None,
// negative_slope 0, threshold 0): y = max(x, 0). Summary shows class ReLU.
type ReLULayer struct {
	Activation
}

// NewReLU returns Keras's ReLU layer.
func NewReLU(cfg ...ActivationConfig) *ReLULayer {
	c, err := oneConfig(cfg)
	l := &ReLULayer{}
	l.configErr = err
	l.act.setup(ReLU, false)
	l.Init(l, "ReLU", c.Name)
	return l
}

// Function is the activation function applied.
func (l *Activation) Function() ActivationFunc { return l.act.fn }

// Build implements nn.Layer.
func (l *Activation) Build(in []nn.Shape) (nn.Shape, error) {
	switch {
	case l.configErr != nil:
		return nil, l.Errorf("%v", l.configErr)
	case !l.act.fn.valid():
		return nil, l.Errorf("unknown activation %v", l.act.fn)
	case len(in) != 1:
		return nil, l.Errorf("takes one input, got %d", len(in))
	case l.act.fn == Softmax && (len(in[0]) == 0 || in[0][len(in[0])-1] < 0):
		return nil, l.ShapeErrorf("an input with a known last axis for the softmax", in[0].String())
	}
	return in[0].Clone(), nil
}

// Forward implements nn.Layer.
func (l *Activation) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	return l.act.apply(&l.Base, in[0]), nil
}

// Backward implements nn.Layer.
func (l *Activation) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	if !needDx[0] {
		return []*nn.Tensor{nil}, nil
	}
	return []*nn.Tensor{l.act.grad(&l.Base, dy)}, nil
}

// OutputActivation, Logits and SetGradientOfLogits implement nn.LogitsOutput.
func (l *Activation) OutputActivation() string   { return l.act.fn.String() }
func (l *Activation) Logits() *nn.Tensor         { return l.act.z }
func (l *Activation) SetGradientOfLogits(v bool) { l.act.logitsGr = v }
