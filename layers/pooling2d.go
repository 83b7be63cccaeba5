package layers

import (
	"fmt"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// Pooling2DConfig holds the optional arguments of MaxPooling2D and AveragePooling2D.
type Pooling2DConfig struct {
	Name string
	// Strides defaults to the pool size.
	Strides int
	// Padding is Valid (default) or Same. With Same, padded cells never win a max and are
	// not counted by an average (the divisor is the number of real cells).
	Padding Padding
}

// pooling2D is the shared implementation of MaxPooling2D and AveragePooling2D.
// Input (N, H, W, C), output (N, H', W', C) with H' as for Conv2D.
type pooling2D struct {
	nn.Base
	mode      device.PoolMode
	pool      [2]int
	strides   [2]int
	padding   Padding
	configErr error

	params device.Pool2DParams
	x      *nn.Tensor
	y, dx  *nn.Tensor
}

// MaxPooling2D is Keras's MaxPooling2D.
type MaxPooling2D struct{ pooling2D }

// AveragePooling2D is Keras's AveragePooling2D.
type AveragePooling2D struct{ pooling2D }

// NewMaxPooling2D returns a MaxPooling2D layer with a square window of poolSize (Keras's
// default 2 when 0).
func NewMaxPooling2D(poolSize int, cfg ...Pooling2DConfig) *MaxPooling2D {
	l := &MaxPooling2D{}
	l.setup(l, "MaxPooling2D", device.MaxPool, [2]int{poolSize, poolSize}, cfg)
	return l
}

// NewAveragePooling2D returns an AveragePooling2D layer with a square window of poolSize
// (Keras's default 2 when 0).
func NewAveragePooling2D(poolSize int, cfg ...Pooling2DConfig) *AveragePooling2D {
	l := &AveragePooling2D{}
	l.setup(l, "AveragePooling2D", device.AvgPool, [2]int{poolSize, poolSize}, cfg)
	return l
}

func (l *pooling2D) setup(self nn.Layer, class string, mode device.PoolMode, pool [2]int, cfg []Pooling2DConfig) {
	c, err := oneConfig(cfg)
	l.mode, l.pool, l.padding, l.configErr = mode, pair(pool, 2), c.Padding, err
	l.strides = pair([2]int{c.Strides, c.Strides}, 0)
	if l.strides == [2]int{0, 0} {
		l.strides = l.pool
	}
	l.Init(self, class, c.Name)
}

// PoolSize, Strides and Padding report the configuration.
func (l *pooling2D) PoolSize() [2]int { return l.pool }
func (l *pooling2D) Strides() [2]int  { return l.strides }
func (l *pooling2D) Padding() Padding { return l.padding }

// Build implements nn.Layer.
func (l *pooling2D) Build(in []nn.Shape) (nn.Shape, error) {
	switch {
	case l.configErr != nil:
		return nil, l.Errorf("%v", l.configErr)
	case l.pool[0] <= 0 || l.pool[1] <= 0:
		return nil, l.Errorf("pool size must be > 0, got %v", l.pool)
	case l.strides[0] <= 0 || l.strides[1] <= 0:
		return nil, l.Errorf("strides must be > 0, got %v", l.strides)
	case l.padding != Valid && l.padding != Same:
		return nil, l.Errorf("padding must be Valid or Same, got %v", l.padding)
	case len(in) != 1:
		return nil, l.Errorf("takes one input, got %d", len(in))
	}
	s := in[0]
	if len(s) != 3 {
		return nil, l.ShapeErrorf("input of rank 4 (N, H, W, C)", s.String())
	}
	oh, _ := window(s[0], l.pool[0], l.strides[0], 1, l.padding)
	ow, _ := window(s[1], l.pool[1], l.strides[1], 1, l.padding)
	if oh == 0 || ow == 0 {
		return nil, l.ShapeErrorf(fmt.Sprintf("an input at least as large as the %v window", l.pool), s.String())
	}
	return nn.Shape{oh, ow, s[2]}, nil
}

// Forward implements nn.Layer.
func (l *pooling2D) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	x := in[0]
	if len(x.Shape) != 4 {
		return nil, l.ShapeErrorf("input (N, H, W, C)", fmt.Sprint(x.Shape))
	}
	oh, top := window(x.Shape[1], l.pool[0], l.strides[0], 1, l.padding)
	ow, left := window(x.Shape[2], l.pool[1], l.strides[1], 1, l.padding)
	if oh == 0 || ow == 0 {
		return nil, l.ShapeErrorf(fmt.Sprintf("an input at least as large as the %v window", l.pool), fmt.Sprint(x.Shape))
	}
	l.params = device.Pool2DParams{
		Mode: l.mode, N: x.Shape[0], H: x.Shape[1], W: x.Shape[2], C: x.Shape[3], OutH: oh, OutW: ow,
		KH: l.pool[0], KW: l.pool[1], StrideH: l.strides[0], StrideW: l.strides[1], PadTop: top, PadLeft: left,
	}
	return l.run(x), nil
}

// run pools x with l.params.
func (l *pooling2D) run(x *nn.Tensor) *nn.Tensor {
	l.x = x
	l.y = l.Ensure(l.y, l.params.N, l.params.OutH, l.params.OutW, l.params.C)
	l.Backend().Pool2D(&l.params, x.Buf, l.y.Buf)
	return l.y
}

// Backward implements nn.Layer.
func (l *pooling2D) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	if !needDx[0] {
		return []*nn.Tensor{nil}, nil
	}
	l.dx = l.Ensure(l.dx, l.x.Shape...)
	l.Backend().Pool2DBackward(&l.params, l.x.Buf, l.y.Buf, dy.Buf, l.dx.Buf)
	return []*nn.Tensor{l.dx}, nil
}
