package layers

import (
	"fmt"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// BatchNormalizationConfig holds BatchNormalization's optional arguments; the zero value
// of each field is Keras's default.
type BatchNormalizationConfig struct {
	Name string
	// Momentum of the moving statistics (default 0.99; nn.Zero for 0: the moving statistics
	// become the last batch's).
	Momentum float64
	// Epsilon added to the variance (default 1e-3; keras.applications' ResNets use 1.001e-5).
	Epsilon float64
	// NoCenter drops beta (Keras's center=False); NoScale drops gamma (scale=False, as in
	// InceptionResNetV2).
	NoCenter, NoScale bool
	// Initializers default to Keras's: gamma ones, beta zeros, moving mean zeros, moving
	// variance ones.
	GammaInitializer, BetaInitializer                nn.Initializer
	MovingMeanInitializer, MovingVarianceInitializer nn.Initializer
}

// BatchNormalization is Keras's BatchNormalization over the last axis (KERAS.md §2.2).
// Input and output (N, ..., C); gamma, beta, moving_mean, moving_variance (C).
//
// In inference (Evaluate, Predict) y = gamma·(x − moving_mean)/sqrt(moving_variance + ε)
// + beta. In training (Fit) the batch statistics are used, with the biased variance, and
// the moving statistics move towards them by 1 − momentum during the forward pass: the
// mean, and the variance Bessel-corrected (N/(N−1)) for 4-D and 5-D inputs as TensorFlow's
// fused kernel does, uncorrected for other ranks. As in TF2, a layer with trainable=false
// runs in inference mode even inside Fit, and its moving statistics do not change.
type BatchNormalization struct {
	nn.Base
	momentum, epsilon float64
	center, scale     bool
	inits             [4]nn.Initializer
	kerasAxis         int // the axis a Keras config named; −1 or the last
	configErr         error

	channels                    int
	gamma, beta, mean, variance *nn.Variable
	params                      device.BatchNormParams
	x, y, dx                    *nn.Tensor
	saveMean, saveInvStd, zeros device.Buffer
	trainingMode                bool
}

// NewBatchNormalization returns a BatchNormalization layer.
func NewBatchNormalization(cfg ...BatchNormalizationConfig) *BatchNormalization {
	c, err := oneConfig(cfg)
	l := &BatchNormalization{
		momentum:  c.Momentum,
		epsilon:   c.Epsilon,
		center:    !c.NoCenter,
		scale:     !c.NoScale,
		configErr: err,
		inits: [4]nn.Initializer{
			orInit(c.GammaInitializer, Ones()), orInit(c.BetaInitializer, Zeros()),
			orInit(c.MovingMeanInitializer, Zeros()), orInit(c.MovingVarianceInitializer, Ones()),
		},
	}
	l.momentum = nn.Option(l.momentum, 0.99)
	l.epsilon = nn.Option(l.epsilon, 1e-3)
	l.kerasAxis = -1
	l.Init(l, "BatchNormalization", c.Name)
	return l
}

// Momentum, Epsilon, Center and Scale report the configuration.
func (l *BatchNormalization) Momentum() float64 { return l.momentum }
func (l *BatchNormalization) Epsilon() float64  { return l.epsilon }
func (l *BatchNormalization) Center() bool      { return l.center }
func (l *BatchNormalization) Scale() bool       { return l.scale }

// Build implements nn.Layer.
func (l *BatchNormalization) Build(in []nn.Shape) (nn.Shape, error) {
	switch {
	case l.configErr != nil:
		return nil, l.Errorf("%v", l.configErr)
	case l.momentum < 0 || l.momentum > 1:
		return nil, l.Errorf("momentum must be in [0, 1], got %v", l.momentum)
	case l.epsilon <= 0:
		return nil, l.Errorf("epsilon must be > 0, got %v", l.epsilon)
	case len(in) != 1:
		return nil, l.Errorf("takes one input, got %d", len(in))
	}
	s := in[0]
	if len(s) < 1 || s[len(s)-1] < 0 {
		return nil, l.ShapeErrorf("input of rank >= 2 with a known last axis", s.String())
	}
	if l.kerasAxis != -1 && l.kerasAxis != len(s) {
		return nil, l.Errorf("axis %d: gotl normalises over the last axis only (-1 or %d for this input)", l.kerasAxis, len(s))
	}
	c := s[len(s)-1]
	l.channels = c
	if l.scale {
		l.gamma = l.AddVariable("gamma", []int{c}, l.inits[0], true)
	}
	if l.center {
		l.beta = l.AddVariable("beta", []int{c}, l.inits[1], true)
	}
	l.mean = l.AddVariable("moving_mean", []int{c}, l.inits[2], false)
	l.variance = l.AddVariable("moving_variance", []int{c}, l.inits[3], false)
	return s.Clone(), nil
}

func value(v *nn.Variable) device.Buffer {
	if v == nil {
		return nil
	}
	return v.Value()
}

// Forward implements nn.Layer.
func (l *BatchNormalization) Forward(ctx *nn.Context, in []*nn.Tensor) (*nn.Tensor, error) {
	x := in[0]
	if len(x.Shape) < 2 || x.Shape[len(x.Shape)-1] != l.channels {
		return nil, l.ShapeErrorf(fmt.Sprintf("input (N, ..., %d)", l.channels), fmt.Sprint(x.Shape))
	}
	b := l.Backend()
	rank := len(x.Shape)
	l.params = device.BatchNormParams{
		Rows: x.Len() / l.channels, C: l.channels, Epsilon: l.epsilon, Momentum: l.momentum,
		BesselCorrection: rank == 4 || rank == 5,
	}
	l.x = x
	l.y = l.Ensure(l.y, x.Shape...)
	l.trainingMode = ctx.Training && l.Trainable()
	if !l.trainingMode {
		b.BatchNormInference(&l.params, x.Buf, value(l.gamma), value(l.beta), l.mean.Value(), l.variance.Value(), l.y.Buf)
		return l.y, nil
	}
	if l.params.Rows < 2 && l.params.BesselCorrection {
		return nil, l.Errorf("training needs more than one value per channel, got input %v", x.Shape)
	}
	if l.saveMean == nil {
		l.saveMean, l.saveInvStd = b.Alloc(l.channels), b.Alloc(l.channels)
	}
	b.BatchNormTraining(&l.params, x.Buf, value(l.gamma), value(l.beta), l.y.Buf, l.saveMean, l.saveInvStd, l.mean.Value(), l.variance.Value())
	return l.y, nil
}

// Backward implements nn.Layer. After an inference-mode forward pass (a frozen layer
// inside a trainable model) the layer is the affine map x·gamma/sqrt(var+ε) + const.
func (l *BatchNormalization) Backward(ctx *nn.Context, dy *nn.Tensor, needDx []bool) ([]*nn.Tensor, error) {
	b := l.Backend()
	l.dx = l.Ensure(l.dx, dy.Shape...)
	if !l.trainingMode {
		if !needDx[0] {
			return []*nn.Tensor{nil}, nil
		}
		if l.zeros == nil {
			l.zeros = b.Alloc(l.channels)
		}
		b.BatchNormInference(&l.params, dy.Buf, value(l.gamma), nil, l.zeros, l.variance.Value(), l.dx.Buf)
		return []*nn.Tensor{l.dx}, nil
	}
	var dgamma, dbeta device.Buffer
	if l.gamma != nil {
		dgamma = l.gamma.Grad()
	}
	if l.beta != nil {
		dbeta = l.beta.Grad()
	}
	b.BatchNormBackward(&l.params, l.x.Buf, dy.Buf, value(l.gamma), l.saveMean, l.saveInvStd, l.dx.Buf, dgamma, dbeta)
	if !needDx[0] {
		return []*nn.Tensor{nil}, nil
	}
	return []*nn.Tensor{l.dx}, nil
}
