package layers

import (
	"fmt"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// ZeroPadding2DConfig holds ZeroPadding2D's optional arguments.
type ZeroPadding2DConfig struct {
	Name string
}

// ZeroPadding2D is Keras's ZeroPadding2D: zeros added around the image.
// Input (N, H, W, C), output (N, top+H+bottom, left+W+right, C).
type ZeroPadding2D struct {
	nn.Base
	top, bottom, left, right int
	configErr                error

	params device.Pad2DParams
	y, dx  *nn.Tensor
}

// NewZeroPadding2D pads every side by p (Keras's padding=p; the default is 1).
func NewZeroPadding2D(p int, cfg ...ZeroPadding2DConfig) *ZeroPadding2D {
	return NewZeroPadding2DSides(p, p, p, p, cfg...)
}

// NewZeroPadding2DSides pads each side by its own amount (Keras's
// padding=((top, bottom), (left, right))).
func NewZeroPadding2DSides(top, bottom, left, right int, cfg ...ZeroPadding2DConfig) *ZeroPadding2D {
	c, err := oneConfig(cfg)
	l := &ZeroPadding2D{top: top, bottom: bottom, left: left, right: right, configErr: err}
	l.Init(l, "ZeroPadding2D", c.Name)
	return l
}

// Padding returns ((top, bottom), (left, right)).
func (l *ZeroPadding2D) Padding() [2][2]int {
	return [2][2]int{{l.top, l.bottom}, {l.left, l.right}}
}

// Build implements nn.Layer.
func (l *ZeroPadding2D) Build(in []nn.Shape) (nn.Shape, error) {
	switch {
	case l.configErr != nil:
		return nil, l.Errorf("%v", l.configErr)
	case l.top < 0 || l.bottom < 0 || l.left < 0 || l.right < 0:
		return nil, l.Errorf("padding must be >= 0, got %v", l.Padding())
	case len(in) != 1:
		return nil, l.Errorf("takes one input, got %d", len(in))
	case len(in[0]) != 3:
		return nil, l.ShapeErrorf("input of rank 4 (N, H, W, C)", in[0].String())
	}
	s := in[0].Clone()
	if s[0] >= 0 {
		s[0] += l.top + l.bottom
	}
	if s[1] >= 0 {
		s[1] += l.left + l.right
	}
	return s, nil
}

// Forward implements nn.Layer.
func (l *ZeroPadding2D) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	x := in[0]
	if len(x.Shape) != 4 {
		return nil, l.ShapeErrorf("input (N, H, W, C)", fmt.Sprint(x.Shape))
	}
	l.params = device.Pad2DParams{N: x.Shape[0], H: x.Shape[1], W: x.Shape[2], C: x.Shape[3], Top: l.top, Bottom: l.bottom, Left: l.left, Right: l.right}
	l.y = l.Ensure(l.y, l.params.N, l.params.OutH(), l.params.OutW(), l.params.C)
	l.Backend().Pad2D(&l.params, x.Buf, l.y.Buf)
	return l.y, nil
}

// Backward implements nn.Layer.
func (l *ZeroPadding2D) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	if !needDx[0] {
		return []*nn.Tensor{nil}, nil
	}
	l.dx = l.Ensure(l.dx, l.params.N, l.params.H, l.params.W, l.params.C)
	l.Backend().Crop2D(&l.params, dy.Buf, l.dx.Buf)
	return []*nn.Tensor{l.dx}, nil
}
