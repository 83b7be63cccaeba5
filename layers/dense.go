package layers

import (
	"fmt"

	"github.com/org/gotl/nn"
)

// DenseConfig holds Dense's optional arguments; the zero value of each field is Keras's
// default.
type DenseConfig struct {
	Name       string
	Activation ActivationFunc
	// NoBias drops the bias (Keras's use_bias=False).
	NoBias bool
	// KernelInitializer defaults to GlorotUniform, BiasInitializer to Zeros.
	KernelInitializer nn.Initializer
	BiasInitializer   nn.Initializer
}

// Dense is Keras's Dense: y = activation(x·W + b) over the last axis.
// Input (N, ..., in), output (N, ..., units); kernel (in, units), bias (units).
type Dense struct {
	nn.Base
	units                int
	act                  activation
	useBias              bool
	kernelInit, biasInit nn.Initializer
	configErr            error

	in        int
	kernelVar *nn.Variable
	biasVar   *nn.Variable
	x         *nn.Tensor
	z, dx     *nn.Tensor
}

// NewDense returns a Dense layer with units outputs.
func NewDense(units int, cfg ...DenseConfig) *Dense {
	c, err := oneConfig(cfg)
	l := &Dense{
		units:      units,
		useBias:    !c.NoBias,
		kernelInit: orInit(c.KernelInitializer, GlorotUniform()),
		biasInit:   orInit(c.BiasInitializer, Zeros()),
		configErr:  err,
	}
	l.act.setup(c.Activation, true)
	l.Init(l, "Dense", c.Name)
	return l
}

// Units, Activation, UseBias, Kernel and Bias report the configuration and variables.
func (l *Dense) Units() int                 { return l.units }
func (l *Dense) Activation() ActivationFunc { return l.act.fn }
func (l *Dense) UseBias() bool              { return l.useBias }
func (l *Dense) Kernel() *nn.Variable       { return l.kernelVar }
func (l *Dense) Bias() *nn.Variable         { return l.biasVar }

// Build implements nn.Layer.
func (l *Dense) Build(in []nn.Shape) (nn.Shape, error) {
	switch {
	case l.configErr != nil:
		return nil, l.Errorf("%v", l.configErr)
	case l.units <= 0:
		return nil, l.Errorf("units must be > 0, got %d", l.units)
	case !l.act.fn.valid():
		return nil, l.Errorf("unknown activation %v", l.act.fn)
	case len(in) != 1:
		return nil, l.Errorf("takes one input, got %d", len(in))
	}
	s := in[0]
	if len(s) < 1 || s[len(s)-1] < 0 {
		return nil, l.ShapeErrorf("input of rank >= 2 with a known last dimension", s.String())
	}
	l.in = s[len(s)-1]
	l.kernelVar = l.AddVariable("kernel", []int{l.in, l.units}, l.kernelInit, true)
	if l.useBias {
		l.biasVar = l.AddVariable("bias", []int{l.units}, l.biasInit, true)
	}
	out := s.Clone()
	out[len(out)-1] = l.units
	return out, nil
}

// Forward implements nn.Layer.
func (l *Dense) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	x := in[0]
	if len(x.Shape) < 2 || x.Shape[len(x.Shape)-1] != l.in {
		return nil, l.ShapeErrorf(fmt.Sprintf("input (N, ..., %d)", l.in), fmt.Sprint(x.Shape))
	}
	rows := x.Len() / l.in
	shape := append(append(make([]int, 0, len(x.Shape)), x.Shape[:len(x.Shape)-1]...), l.units)
	b := l.Backend()
	l.x = x
	l.z = l.Ensure(l.z, shape...)
	b.Gemm(false, false, rows, l.units, l.in, 1, x.Buf, l.in, l.kernelVar.Value(), l.units, 0, l.z.Buf, l.units)
	if l.useBias {
		b.BiasAdd(l.z.Buf, l.biasVar.Value(), rows, l.units)
	}
	return l.act.apply(&l.Base, l.z), nil
}

// Backward implements nn.Layer.
func (l *Dense) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	b := l.Backend()
	dz := l.act.grad(&l.Base, dy)
	rows := l.x.Len() / l.in
	if l.Trainable() {
		// dW = xᵀ·dz (in×units), db = Σ_rows dz.
		b.Gemm(true, false, l.in, l.units, rows, 1, l.x.Buf, l.in, dz.Buf, l.units, 0, l.kernelVar.Grad(), l.units)
		if l.useBias {
			b.BiasGrad(l.biasVar.Grad(), dz.Buf, rows, l.units)
		}
	}
	if !needDx[0] {
		return []*nn.Tensor{nil}, nil
	}
	// dx = dz·Wᵀ (rows×in).
	l.dx = l.Ensure(l.dx, l.x.Shape...)
	b.Gemm(false, true, rows, l.in, l.units, 1, dz.Buf, l.units, l.kernelVar.Value(), l.units, 0, l.dx.Buf, l.in)
	return []*nn.Tensor{l.dx}, nil
}

// OutputActivation, Logits and SetGradientOfLogits implement nn.LogitsOutput.
func (l *Dense) OutputActivation() string   { return l.act.fn.String() }
func (l *Dense) Logits() *nn.Tensor         { return l.z }
func (l *Dense) SetGradientOfLogits(v bool) { l.act.logitsGr = v }
