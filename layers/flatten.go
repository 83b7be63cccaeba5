package layers

import "github.com/org/gotl/nn"

// FlattenConfig holds Flatten's optional arguments.
type FlattenConfig struct {
	Name string
}

// Flatten is Keras's Flatten: (N, d1, ..., dk) → (N, d1·...·dk) in row-major order, so for
// NHWC the index is (h·W + w)·C + c. It shares its input's buffer: no copy.
type Flatten struct {
	nn.Base
	configErr error
	y, dx     nn.Tensor
	inShape   []int
}

// NewFlatten returns a Flatten layer.
func NewFlatten(cfg ...FlattenConfig) *Flatten {
	c, err := oneConfig(cfg)
	l := &Flatten{configErr: err}
	l.Init(l, "Flatten", c.Name)
	return l
}

// Build implements nn.Layer.
func (l *Flatten) Build(in []nn.Shape) (nn.Shape, error) {
	switch {
	case l.configErr != nil:
		return nil, l.Errorf("%v", l.configErr)
	case len(in) != 1:
		return nil, l.Errorf("takes one input, got %d", len(in))
	case !in[0].Known():
		return nil, l.ShapeErrorf("an input with every dimension known (build the model with a fixed input size)", in[0].String())
	}
	return nn.Shape{in[0].Size()}, nil
}

// Forward implements nn.Layer.
func (l *Flatten) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	x := in[0]
	l.inShape = append(l.inShape[:0], x.Shape...)
	l.y = nn.Tensor{Shape: append(l.y.Shape[:0], x.Shape[0], x.Len()/x.Shape[0]), Buf: x.Buf}
	return &l.y, nil
}

// Backward implements nn.Layer.
func (l *Flatten) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	if !needDx[0] {
		return []*nn.Tensor{nil}, nil
	}
	l.dx = nn.Tensor{Shape: append(l.dx.Shape[:0], l.inShape...), Buf: dy.Buf}
	return []*nn.Tensor{&l.dx}, nil
}
