package layers

import (
	"fmt"

	"github.com/org/gotl/nn"
)

// MergeConfig holds the optional arguments of Add and ScaleSum.
type MergeConfig struct {
	Name string
}

// sameShapes checks that every input has one shape (unknown dimensions match anything)
// and returns it, with unknown dimensions filled from the inputs that know them.
func sameShapes(b *nn.Base, in []nn.Shape, want int) (nn.Shape, error) {
	if (want > 0 && len(in) != want) || len(in) < 2 {
		if want > 0 {
			return nil, b.Errorf("takes %d inputs, got %d", want, len(in))
		}
		return nil, b.Errorf("takes at least 2 inputs, got %d", len(in))
	}
	out := in[0].Clone()
	for _, s := range in[1:] {
		if len(s) != len(out) {
			return nil, b.ShapeErrorf("inputs of one shape "+out.String(), s.String())
		}
		for i := range s {
			switch {
			case out[i] < 0:
				out[i] = s[i]
			case s[i] >= 0 && s[i] != out[i]:
				return nil, b.ShapeErrorf("inputs of one shape "+out.String(), s.String())
			}
		}
	}
	return out, nil
}

func sameRuntimeShapes(b *nn.Base, in []*nn.Tensor) error {
	for _, x := range in[1:] {
		if !nn.Shape(x.Shape).Equal(nn.Shape(in[0].Shape)) {
			return b.ShapeErrorf(fmt.Sprintf("inputs of one shape %v", in[0].Shape), fmt.Sprint(x.Shape))
		}
	}
	return nil
}

// Add is Keras's Add: the elementwise sum of its inputs, all of one shape.
type Add struct {
	nn.Base
	configErr error
	y         *nn.Tensor
	dxs       []*nn.Tensor
}

// NewAdd returns an Add layer.
func NewAdd(cfg ...MergeConfig) *Add {
	c, err := oneConfig(cfg)
	l := &Add{configErr: err}
	l.Init(l, "Add", c.Name)
	return l
}

// Build implements nn.Layer.
func (l *Add) Build(in []nn.Shape) (nn.Shape, error) {
	if l.configErr != nil {
		return nil, l.Errorf("%v", l.configErr)
	}
	l.dxs = make([]*nn.Tensor, len(in))
	return sameShapes(&l.Base, in, 0)
}

// Forward implements nn.Layer.
func (l *Add) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	if err := sameRuntimeShapes(&l.Base, in); err != nil {
		return nil, err
	}
	b := l.Backend()
	l.y = l.Ensure(l.y, in[0].Shape...)
	n := l.y.Len()
	b.Copy(l.y.Buf, 0, in[0].Buf, 0, n)
	for _, x := range in[1:] {
		b.Axpby(n, 1, x.Buf, 1, l.y.Buf)
	}
	return l.y, nil
}

// Backward implements nn.Layer: every input receives dy itself.
func (l *Add) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	for i := range l.dxs {
		l.dxs[i] = nil
		if needDx[i] {
			l.dxs[i] = dy
		}
	}
	return l.dxs, nil
}

// ScaleSum computes out = x + Scale·y for its two inputs x and y: the scaled residual
// sum of InceptionResNetV2's blocks, which Keras writes as a Lambda layer (so Summary shows
// class Lambda, as Keras does).
type ScaleSum struct {
	nn.Base
	scale     float64
	configErr error
	y         *nn.Tensor
	dy1       *nn.Tensor
	dxs       [2]*nn.Tensor
}

// NewScaleSum returns a ScaleSum layer with the given scale.
func NewScaleSum(scale float64, cfg ...MergeConfig) *ScaleSum {
	c, err := oneConfig(cfg)
	l := &ScaleSum{scale: scale, configErr: err}
	l.Init(l, "Lambda", c.Name)
	return l
}

// Scale is the factor applied to the second input.
func (l *ScaleSum) Scale() float64 { return l.scale }

// Build implements nn.Layer.
func (l *ScaleSum) Build(in []nn.Shape) (nn.Shape, error) {
	if l.configErr != nil {
		return nil, l.Errorf("%v", l.configErr)
	}
	return sameShapes(&l.Base, in, 2)
}

// Forward implements nn.Layer.
func (l *ScaleSum) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	if err := sameRuntimeShapes(&l.Base, in); err != nil {
		return nil, err
	}
	b := l.Backend()
	l.y = l.Ensure(l.y, in[0].Shape...)
	n := l.y.Len()
	b.Copy(l.y.Buf, 0, in[0].Buf, 0, n)
	b.Axpby(n, l.scale, in[1].Buf, 1, l.y.Buf)
	return l.y, nil
}

// Backward implements nn.Layer: dx = dy, dy_2 = Scale·dy.
func (l *ScaleSum) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	l.dxs = [2]*nn.Tensor{}
	if needDx[0] {
		l.dxs[0] = dy
	}
	if needDx[1] {
		l.dy1 = l.Ensure(l.dy1, dy.Shape...)
		l.Backend().Axpby(dy.Len(), l.scale, dy.Buf, 0, l.dy1.Buf)
		l.dxs[1] = l.dy1
	}
	return l.dxs[:], nil
}

// ConcatenateConfig holds Concatenate's optional arguments.
type ConcatenateConfig struct {
	Name string
	// Axis is the axis to join along, counting the batch as axis 0; negative counts from
	// the end. The zero value means Keras's default, −1 (the channels). Use a positive axis
	// for others (the batch axis 0 cannot be joined).
	Axis int
}

// Concatenate is Keras's Concatenate: its inputs joined along one axis, in order; the
// other dimensions must agree.
type Concatenate struct {
	nn.Base
	axis      int // in the full shape, batch included; resolved at Build
	configAx  int
	configErr error

	widths []int
	outer  int
	in     []*nn.Tensor
	y      *nn.Tensor
	dxs    []*nn.Tensor
	out    []*nn.Tensor
	bufs   []nn.Buffer
}

// NewConcatenate returns a Concatenate layer.
func NewConcatenate(cfg ...ConcatenateConfig) *Concatenate {
	c, err := oneConfig(cfg)
	l := &Concatenate{configAx: c.Axis, configErr: err}
	if l.configAx == 0 {
		l.configAx = -1
	}
	l.Init(l, "Concatenate", c.Name)
	return l
}

// Axis is the axis joined along, counting the batch as axis 0 (valid after Build).
func (l *Concatenate) Axis() int { return l.axis }

// Build implements nn.Layer.
func (l *Concatenate) Build(in []nn.Shape) (nn.Shape, error) {
	if l.configErr != nil {
		return nil, l.Errorf("%v", l.configErr)
	}
	if len(in) < 2 {
		return nil, l.Errorf("takes at least 2 inputs, got %d", len(in))
	}
	rank := len(in[0]) + 1
	axis := l.configAx
	if axis < 0 {
		axis += rank
	}
	if axis < 1 || axis >= rank {
		return nil, l.Errorf("axis %d is not a non-batch axis of inputs of rank %d", l.configAx, rank)
	}
	l.axis = axis
	out := in[0].Clone()
	out[axis-1] = 0
	for _, s := range in {
		if len(s) != len(out) {
			return nil, l.ShapeErrorf(fmt.Sprintf("inputs of rank %d", rank), s.String())
		}
		for i := range s {
			switch {
			case i == axis-1:
				if s[i] < 0 || out[i] < 0 {
					out[i] = -1
				} else {
					out[i] += s[i]
				}
			case out[i] < 0:
				out[i] = s[i]
			case s[i] >= 0 && s[i] != out[i]:
				return nil, l.ShapeErrorf(fmt.Sprintf("inputs that agree on every axis but %d", axis), fmt.Sprintf("%v and %v", in[0], s))
			}
		}
	}
	l.widths = make([]int, len(in))
	l.dxs = make([]*nn.Tensor, len(in))
	l.out = make([]*nn.Tensor, len(in))
	l.bufs = make([]nn.Buffer, len(in))
	return out, nil
}

// Forward implements nn.Layer.
func (l *Concatenate) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	x0 := in[0]
	shape := append([]int(nil), x0.Shape...)
	shape[l.axis] = 0
	for i, x := range in {
		if len(x.Shape) != len(shape) {
			return nil, l.ShapeErrorf(fmt.Sprintf("inputs of rank %d", len(shape)), fmt.Sprint(x.Shape))
		}
		for d := range x.Shape {
			if d != l.axis && x.Shape[d] != x0.Shape[d] {
				return nil, l.ShapeErrorf(fmt.Sprintf("inputs that agree on every axis but %d", l.axis), fmt.Sprintf("%v and %v", x0.Shape, x.Shape))
			}
		}
		shape[l.axis] += x.Shape[l.axis]
		w := 1
		for _, d := range x.Shape[l.axis:] {
			w *= d
		}
		l.widths[i] = w
		l.bufs[i] = x.Buf
	}
	l.outer = 1
	for _, d := range shape[:l.axis] {
		l.outer *= d
	}
	l.y = l.Ensure(l.y, shape...)
	l.Backend().Concat(l.outer, l.widths, l.bufs, l.y.Buf)
	l.in = in
	return l.y, nil
}

// Backward implements nn.Layer.
func (l *Concatenate) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	for i, x := range l.in {
		l.bufs[i], l.out[i] = nil, nil
		if needDx[i] {
			l.dxs[i] = l.Ensure(l.dxs[i], x.Shape...)
			l.bufs[i], l.out[i] = l.dxs[i].Buf, l.dxs[i]
		}
	}
	l.Backend().Split(l.outer, l.widths, dy.Buf, l.bufs)
	return l.out, nil
}
