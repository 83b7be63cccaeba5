package layers

import (
	"fmt"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// Conv2DConfig holds Conv2D's optional arguments; the zero value of each field is Keras's
// default.
type Conv2DConfig struct {
	Name string
	// Strides is the stride in both directions (default 1).
	Strides int
	// Padding is Valid (default) or Same (TensorFlow's rule, extra padding bottom/right).
	Padding Padding
	// DilationRate is the dilation in both directions (default 1). Strides and dilation
	// cannot both exceed 1.
	DilationRate int
	// Activation is applied after the bias (default Linear).
	Activation ActivationFunc
	// NoBias drops the bias (Keras's use_bias=False).
	NoBias bool
	// KernelInitializer defaults to GlorotUniform, BiasInitializer to Zeros.
	KernelInitializer nn.Initializer
	BiasInitializer   nn.Initializer
}

// Conv2D is Keras's Conv2D: a 2-D cross-correlation plus bias and activation.
// Input (N, H, W, Cin), output (N, H', W', Cout); kernel (kh, kw, Cin, Cout), bias (Cout).
// With Valid padding H' = floor((H − k')/s) + 1, with Same H' = ceil(H/s), where
// k' = (k−1)·dilation + 1.
type Conv2D struct {
	nn.Base
	filters                   int
	kernel, strides, dilation [2]int
	padding                   Padding
	act                       activation
	useBias                   bool
	kernelInit, biasInit      nn.Initializer
	configErr                 error

	inChannels int
	kernelVar  *nn.Variable
	biasVar    *nn.Variable
	params     device.Conv2DParams
	x          *nn.Tensor
	z, dx      *nn.Tensor
	// fusedParams and fusedOperands are the last FusedConv2D's, kept so that a call
	// allocates nothing.
	fusedParams   device.FusedConv2DParams
	fusedOperands device.FusedConv2DOperands
}

// NewConv2D returns a Conv2D with filters output channels and a square kernelSize kernel.
// An invalid argument is reported when the layer is applied.
func NewConv2D(filters, kernelSize int, cfg ...Conv2DConfig) *Conv2D {
	return NewConv2DKernel(filters, kernelSize, kernelSize, cfg...)
}

// NewConv2DKernel is NewConv2D with a kh×kw kernel, e.g. InceptionResNetV2's 1×7 and 7×1.
func NewConv2DKernel(filters, kh, kw int, cfg ...Conv2DConfig) *Conv2D {
	c, err := oneConfig(cfg)
	l := &Conv2D{
		filters:    filters,
		kernel:     [2]int{kh, kw},
		strides:    pair([2]int{c.Strides, c.Strides}, 1),
		dilation:   pair([2]int{c.DilationRate, c.DilationRate}, 1),
		padding:    c.Padding,
		useBias:    !c.NoBias,
		kernelInit: orInit(c.KernelInitializer, GlorotUniform()),
		biasInit:   orInit(c.BiasInitializer, Zeros()),
		configErr:  err,
	}
	l.act.setup(c.Activation, true)
	l.Init(l, "Conv2D", c.Name)
	return l
}

// Filters, KernelSize, Strides, DilationRate, Padding and Activation report the configuration.
func (l *Conv2D) Filters() int               { return l.filters }
func (l *Conv2D) KernelSize() [2]int         { return l.kernel }
func (l *Conv2D) Strides() [2]int            { return l.strides }
func (l *Conv2D) DilationRate() [2]int       { return l.dilation }
func (l *Conv2D) Padding() Padding           { return l.padding }
func (l *Conv2D) Activation() ActivationFunc { return l.act.fn }
func (l *Conv2D) UseBias() bool              { return l.useBias }
func (l *Conv2D) Kernel() *nn.Variable       { return l.kernelVar }
func (l *Conv2D) Bias() *nn.Variable         { return l.biasVar }

func (l *Conv2D) validate() error {
	switch {
	case l.configErr != nil:
		return l.Errorf("%v", l.configErr)
	case l.filters <= 0:
		return l.Errorf("filters must be > 0, got %d", l.filters)
	case l.kernel[0] <= 0 || l.kernel[1] <= 0:
		return l.Errorf("kernel size must be > 0, got %v", l.kernel)
	case l.strides[0] <= 0 || l.strides[1] <= 0:
		return l.Errorf("strides must be > 0, got %v", l.strides)
	case l.dilation[0] <= 0 || l.dilation[1] <= 0:
		return l.Errorf("dilation rate must be > 0, got %v", l.dilation)
	case (l.strides[0] > 1 || l.strides[1] > 1) && (l.dilation[0] > 1 || l.dilation[1] > 1):
		return l.Errorf("strides %v with dilation rate %v: strides > 1 cannot be combined with dilation > 1", l.strides, l.dilation)
	case l.padding != Valid && l.padding != Same:
		return l.Errorf("padding must be Valid or Same, got %v", l.padding)
	case !l.act.fn.valid():
		return l.Errorf("unknown activation %v", l.act.fn)
	}
	return nil
}

// Build implements nn.Layer.
func (l *Conv2D) Build(in []nn.Shape) (nn.Shape, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	if len(in) != 1 {
		return nil, l.Errorf("takes one input, got %d", len(in))
	}
	s := in[0]
	if len(s) != 3 || s[2] < 0 {
		return nil, l.ShapeErrorf("input of rank 4 (N, H, W, C) with known C", s.String())
	}
	oh, _ := window(s[0], l.kernel[0], l.strides[0], l.dilation[0], l.padding)
	ow, _ := window(s[1], l.kernel[1], l.strides[1], l.dilation[1], l.padding)
	if oh == 0 || ow == 0 {
		return nil, l.ShapeErrorf(fmt.Sprintf("an input at least as large as the %v kernel (dilation %v) with %v padding", l.kernel, l.dilation, l.padding), s.String())
	}
	l.inChannels = s[2]
	l.kernelVar = l.AddVariable("kernel", []int{l.kernel[0], l.kernel[1], s[2], l.filters}, l.kernelInit, true)
	if l.useBias {
		l.biasVar = l.AddVariable("bias", []int{l.filters}, l.biasInit, true)
	}
	return nn.Shape{oh, ow, l.filters}, nil
}

// Forward implements nn.Layer.
func (l *Conv2D) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	x := in[0]
	if err := l.setup(x); err != nil {
		return nil, err
	}
	b := l.Backend()
	if fuser, ok := b.(device.Conv2DFuser); ok && l.useBias {
		// The bias is added to each block of the output while it is in cache.
		l.fusedParams = device.FusedConv2DParams{Conv: l.params, Activation: device.Linear}
		l.fusedOperands = device.FusedConv2DOperands{X: x.Buf, W: l.kernelVar.Value(), Bias: l.biasVar.Value(), Y: l.z.Buf}
		fuser.FusedConv2D(&l.fusedParams, &l.fusedOperands)
		return l.act.apply(&l.Base, l.z), nil
	}
	b.Conv2D(&l.params, x.Buf, l.kernelVar.Value(), l.z.Buf)
	if l.useBias {
		b.BiasAdd(l.z.Buf, l.biasVar.Value(), l.z.Len()/l.filters, l.filters)
	}
	return l.act.apply(&l.Base, l.z), nil
}

// setup checks the input x, sets the convolution's parameters for it and makes room for
// the output in l.z.
func (l *Conv2D) setup(x *nn.Tensor) error {
	if len(x.Shape) != 4 || x.Shape[3] != l.inChannels {
		return l.ShapeErrorf(fmt.Sprintf("input (N, H, W, %d)", l.inChannels), fmt.Sprint(x.Shape))
	}
	n, h, w := x.Shape[0], x.Shape[1], x.Shape[2]
	oh, top := window(h, l.kernel[0], l.strides[0], l.dilation[0], l.padding)
	ow, left := window(w, l.kernel[1], l.strides[1], l.dilation[1], l.padding)
	if oh == 0 || ow == 0 {
		return l.ShapeErrorf(fmt.Sprintf("an input at least as large as the %v kernel", l.kernel), fmt.Sprint(x.Shape))
	}
	l.params = device.Conv2DParams{
		N: n, H: h, W: w, InC: l.inChannels, OutH: oh, OutW: ow, OutC: l.filters,
		KH: l.kernel[0], KW: l.kernel[1], StrideH: l.strides[0], StrideW: l.strides[1],
		DilationH: l.dilation[0], DilationW: l.dilation[1], PadTop: top, PadLeft: left,
	}
	l.x = x
	l.z = l.Ensure(l.z, n, oh, ow, l.filters)
	return nil
}

// FuseInference implements nn.InferenceFuser. On a backend with device.Conv2DFuser, a
// Conv2D whose own activation is linear or ReLU runs in inference as one FusedConv2D,
// which absorbs, each optional but in this order, a BatchNormalization, an Add of two
// inputs (the other one becomes the residual) and a ReLU (Activation or ReLU layer), when
// the conv's own activation is linear. Sigmoid and softmax outputs are never absorbed, so
// a loss fused with them still finds its logits.
func (l *Conv2D) FuseInference(chain []nn.Layer, slots []int) int {
	if _, ok := l.Backend().(device.Conv2DFuser); !ok || !l.fusable() || l.act.fn != Linear {
		return 0
	}
	n := 0
	if n < len(chain) {
		if _, ok := chain[n].(*BatchNormalization); ok {
			n++
		}
	}
	if n < len(chain) {
		if add, ok := chain[n].(*Add); ok && len(add.dxs) == 2 {
			n++
		}
	}
	if n < len(chain) && isReLU(chain[n]) {
		n++
	}
	return n
}

// fusable reports whether the conv's own activation can end a FusedConv2D.
func (l *Conv2D) fusable() bool { return l.act.fn == Linear || l.act.fn == ReLU }

// isReLU reports whether layer is an Activation or ReLU layer applying ReLU.
func isReLU(layer nn.Layer) bool {
	switch a := layer.(type) {
	case *Activation:
		return a.act.fn == ReLU
	case *ReLULayer:
		return a.act.fn == ReLU
	}
	return false
}

// ForwardFused implements nn.InferenceFuser: one FusedConv2D for the conv and the chain
// that FuseInference accepted, into the conv's output buffer.
func (l *Conv2D) ForwardFused(ctx *nn.Context, in []*nn.Tensor, chain []nn.Layer, chainIn [][]*nn.Tensor) (*nn.Tensor, error) {
	fuser, ok := l.Backend().(device.Conv2DFuser)
	if !ok || !l.fusable() {
		return l.Forward(ctx, in)
	}
	if err := l.setup(in[0]); err != nil {
		return nil, err
	}
	p, o := &l.fusedParams, &l.fusedOperands
	*p = device.FusedConv2DParams{Conv: l.params, Activation: elementwise[l.act.fn]}
	*o = device.FusedConv2DOperands{X: in[0].Buf, W: l.kernelVar.Value(), Y: l.z.Buf}
	if l.useBias {
		o.Bias = l.biasVar.Value()
	}
	for i, layer := range chain {
		switch layer := layer.(type) {
		case *BatchNormalization:
			if l.filters != layer.channels {
				return nil, layer.ShapeErrorf(fmt.Sprintf("input (N, ..., %d)", layer.channels), fmt.Sprint(l.z.Shape))
			}
			p.Epsilon = layer.epsilon
			o.Gamma, o.Beta, o.Mean, o.Variance = value(layer.gamma), value(layer.beta), layer.mean.Value(), layer.variance.Value()
		case *Add:
			residual := otherInput(chainIn[i])
			if !nn.Shape(residual.Shape).Equal(nn.Shape(l.z.Shape)) {
				return nil, layer.ShapeErrorf(fmt.Sprintf("inputs of one shape %v", l.z.Shape), fmt.Sprint(residual.Shape))
			}
			o.Residual = residual.Buf
		default: // ReLU, by FuseInference
			p.Activation = device.ReLU
		}
	}
	fuser.FusedConv2D(p, o)
	return l.z, nil
}

// otherInput is the input of a two-input layer in a fused chain that the chain does not
// feed (the chain's own is nil).
func otherInput(in []*nn.Tensor) *nn.Tensor {
	if in[0] == nil {
		return in[1]
	}
	return in[0]
}

// Backward implements nn.Layer.
func (l *Conv2D) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	b := l.Backend()
	dz := l.act.grad(&l.Base, dy)
	if l.Trainable() {
		b.Conv2DBackwardFilter(&l.params, l.x.Buf, dz.Buf, l.kernelVar.Grad())
		if l.useBias {
			b.BiasGrad(l.biasVar.Grad(), dz.Buf, dz.Len()/l.filters, l.filters)
		}
	}
	if !needDx[0] {
		return []*nn.Tensor{nil}, nil
	}
	l.dx = l.Ensure(l.dx, l.x.Shape...)
	b.Conv2DBackwardData(&l.params, dz.Buf, l.kernelVar.Value(), l.dx.Buf)
	return []*nn.Tensor{l.dx}, nil
}

// OutputActivation, Logits and SetGradientOfLogits implement nn.LogitsOutput.
func (l *Conv2D) OutputActivation() string   { return l.act.fn.String() }
func (l *Conv2D) Logits() *nn.Tensor         { return l.z }
func (l *Conv2D) SetGradientOfLogits(v bool) { l.act.logitsGr = v }
