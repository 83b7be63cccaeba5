package layers

import (
	"fmt"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// GlobalPooling2DConfig holds the optional arguments of the global pooling layers.
type GlobalPooling2DConfig struct {
	Name string
	// KeepDims keeps the output (N, 1, 1, C) instead of (N, C).
	KeepDims bool
}

// GlobalAveragePooling2D is Keras's GlobalAveragePooling2D: the mean over H and W.
// Input (N, H, W, C), output (N, C).
type GlobalAveragePooling2D struct{ globalPooling2D }

// GlobalMaxPooling2D is Keras's GlobalMaxPooling2D: the max over H and W.
type GlobalMaxPooling2D struct{ globalPooling2D }

// NewGlobalAveragePooling2D returns a GlobalAveragePooling2D layer.
func NewGlobalAveragePooling2D(cfg ...GlobalPooling2DConfig) *GlobalAveragePooling2D {
	l := &GlobalAveragePooling2D{}
	l.setup(l, "GlobalAveragePooling2D", device.AvgPool, cfg)
	return l
}

// NewGlobalMaxPooling2D returns a GlobalMaxPooling2D layer.
func NewGlobalMaxPooling2D(cfg ...GlobalPooling2DConfig) *GlobalMaxPooling2D {
	l := &GlobalMaxPooling2D{}
	l.setup(l, "GlobalMaxPooling2D", device.MaxPool, cfg)
	return l
}

// globalPooling2D pools with one window covering the whole image.
type globalPooling2D struct {
	pooling2D
	keepDims bool
	out      nn.Tensor
	dy       nn.Tensor
}

func (l *globalPooling2D) setup(self nn.Layer, class string, mode device.PoolMode, cfg []GlobalPooling2DConfig) {
	c, err := oneConfig(cfg)
	l.mode, l.keepDims, l.configErr = mode, c.KeepDims, err
	l.Init(self, class, c.Name)
}

// Build implements nn.Layer.
func (l *globalPooling2D) Build(in []nn.Shape) (nn.Shape, error) {
	switch {
	case l.configErr != nil:
		return nil, l.Errorf("%v", l.configErr)
	case len(in) != 1:
		return nil, l.Errorf("takes one input, got %d", len(in))
	case len(in[0]) != 3:
		return nil, l.ShapeErrorf("input of rank 4 (N, H, W, C)", in[0].String())
	}
	if l.keepDims {
		return nn.Shape{1, 1, in[0][2]}, nil
	}
	return nn.Shape{in[0][2]}, nil
}

// Forward implements nn.Layer.
func (l *globalPooling2D) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	x := in[0]
	if len(x.Shape) != 4 {
		return nil, l.ShapeErrorf("input (N, H, W, C)", fmt.Sprint(x.Shape))
	}
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	l.params = device.Pool2DParams{Mode: l.mode, N: n, H: h, W: w, C: c, OutH: 1, OutW: 1, KH: h, KW: w, StrideH: 1, StrideW: 1}
	y := l.run(x)
	if l.keepDims {
		return y, nil
	}
	l.out = nn.Tensor{Shape: append(l.out.Shape[:0], n, c), Buf: y.Buf}
	return &l.out, nil
}

// Backward implements nn.Layer.
func (l *globalPooling2D) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	l.dy = nn.Tensor{Shape: append(l.dy.Shape[:0], l.params.N, 1, 1, l.params.C), Buf: dy.Buf}
	return l.pooling2D.Backward(ctx, &l.dy, needDx)
}
