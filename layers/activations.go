package layers

import (
	"fmt"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// ActivationFunc is a Keras activation function, as given to Conv2D, Dense or Activation.
// The zero value is Linear (Keras's activation=None).
type ActivationFunc int

const (
	Linear ActivationFunc = iota
	ReLU
	Softmax
	Sigmoid
	Tanh
	Softplus
	Softsign
	ELU
	SELU
	Swish
	ReLU6
)

var activationNames = map[ActivationFunc]string{
	Linear: "linear", ReLU: "relu", Softmax: "softmax", Sigmoid: "sigmoid", Tanh: "tanh",
	Softplus: "softplus", Softsign: "softsign", ELU: "elu", SELU: "selu", Swish: "swish", ReLU6: "relu6",
}

var elementwise = map[ActivationFunc]device.ActivationOp{
	Linear: device.Linear, ReLU: device.ReLU, Sigmoid: device.Sigmoid, Tanh: device.Tanh,
	Softplus: device.Softplus, Softsign: device.Softsign, ELU: device.ELU, SELU: device.SELU,
	Swish: device.Swish, ReLU6: device.ReLU6,
}

// String is the Keras name ("relu").
func (f ActivationFunc) String() string {
	if s, ok := activationNames[f]; ok {
		return s
	}
	return fmt.Sprintf("ActivationFunc(%d)", int(f))
}

// ParseActivation maps a Keras activation name to an ActivationFunc.
func ParseActivation(name string) (ActivationFunc, error) {
	if name == "" || name == "None" {
		return Linear, nil
	}
	for f, s := range activationNames {
		if s == name {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown activation %q", name)
}

func (f ActivationFunc) valid() bool { _, ok := activationNames[f]; return ok }

// outputOnly reports whether the derivative can be computed from the output alone, so
// the activation may overwrite its input.
func (f ActivationFunc) outputOnly() bool {
	switch f {
	case Linear, ReLU, Sigmoid, Tanh, ReLU6, Softmax:
		return true
	}
	return false
}

// activation applies an ActivationFunc after a layer's affine step (Conv2D, Dense) or as a
// layer of its own, and runs its backward pass. The output overwrites the pre-activation
// values z when z belongs to the layer and the derivative needs only the output; z is kept
// apart otherwise, and when a loss fuses with the activation (z are then the logits).
type activation struct {
	fn       ActivationFunc
	logitsGr bool // grad receives the gradient of the logits
	inPlace  bool // the output may overwrite z
	z, y, dz *nn.Tensor
}

// setup configures the activation; ownsInput says whether z belongs to the layer.
func (a *activation) setup(fn ActivationFunc, ownsInput bool) {
	a.fn = fn
	a.inPlace = ownsInput && fn.outputOnly() && fn != Softmax && fn != Sigmoid
}

// apply computes the output for z (N, ..., k) and returns it.
func (a *activation) apply(base *nn.Base, z *nn.Tensor) *nn.Tensor {
	a.z = z
	if a.fn == Linear && a.inPlace {
		a.y = z
		return z
	}
	if a.inPlace {
		a.y = z
	} else {
		a.y = base.Ensure(a.y, z.Shape...)
	}
	b := base.Backend()
	n := z.Len()
	switch a.fn {
	case Linear:
		b.Copy(a.y.Buf, 0, z.Buf, 0, n)
	case Softmax:
		k := z.Shape[len(z.Shape)-1]
		b.Softmax(n/k, k, z.Buf, a.y.Buf)
	default:
		b.Activation(elementwise[a.fn], n, z.Buf, a.y.Buf)
	}
	return a.y
}

// grad returns the gradient with respect to z given dy, the gradient of the output
// (or of the logits, when fused with a loss).
func (a *activation) grad(base *nn.Base, dy *nn.Tensor) *nn.Tensor {
	if a.fn == Linear || a.logitsGr {
		return dy
	}
	a.dz = base.Ensure(a.dz, dy.Shape...)
	b := base.Backend()
	n := dy.Len()
	if a.fn == Softmax {
		k := dy.Shape[len(dy.Shape)-1]
		b.SoftmaxBackward(n/k, k, a.y.Buf, dy.Buf, a.dz.Buf)
	} else {
		// When the output overwrote z, a.z is a.y: the derivative needs only the output.
		b.ActivationBackward(elementwise[a.fn], n, a.z.Buf, a.y.Buf, dy.Buf, a.dz.Buf)
	}
	return a.dz
}
