package layers

import (
	"encoding/json"
	"fmt"

	"github.com/org/gotl/nn"
)

// Decoders for nn.FromKerasJSON: one per supported Keras layer class. Each reads every
// option of the Keras 2.x config; options gotl does not implement (regularizers,
// constraints, channels_first, groups > 1, ...) are errors that name them.
func init() {
	nn.RegisterLayer("Conv2D", decodeConv2D)
	nn.RegisterLayer("Dense", decodeDense)
	nn.RegisterLayer("BatchNormalization", decodeBatchNormalization)
	nn.RegisterLayer("Activation", decodeActivation)
	nn.RegisterLayer("ReLU", decodeReLU)
	nn.RegisterLayer("Dropout", decodeDropout)
	nn.RegisterLayer("Flatten", decodeFlatten)
	nn.RegisterLayer("MaxPooling2D", func(c *nn.KerasConfig) (nn.Layer, error) { return decodePooling(c, false) })
	nn.RegisterLayer("AveragePooling2D", func(c *nn.KerasConfig) (nn.Layer, error) { return decodePooling(c, true) })
	nn.RegisterLayer("GlobalAveragePooling2D", func(c *nn.KerasConfig) (nn.Layer, error) { return decodeGlobalPooling(c, true) })
	nn.RegisterLayer("GlobalMaxPooling2D", func(c *nn.KerasConfig) (nn.Layer, error) { return decodeGlobalPooling(c, false) })
	nn.RegisterLayer("ZeroPadding2D", decodeZeroPadding2D)
	nn.RegisterLayer("Add", decodeAdd)
	nn.RegisterLayer("Concatenate", decodeConcatenate)
	nn.RegisterLayer("Lambda", decodeLambda)
}

func decodeActivationName(c *nn.KerasConfig, key string) ActivationFunc {
	f, err := ParseActivation(c.String(key, "linear"))
	c.Fail(key, err)
	return f
}

func decodePadding(c *nn.KerasConfig) Padding {
	p, err := ParsePadding(c.String("padding", "valid"))
	c.Fail("padding", err)
	return p
}

// decodeInitializer reads {"class_name": ..., "config": {...}}. Seeds are ignored: gotl
// seeds every variable from the model seed and the variable's name.
func decodeInitializer(c *nn.KerasConfig, key string, def nn.Initializer) nn.Initializer {
	raw := c.Raw(key)
	if raw == nil {
		return def
	}
	var obj struct {
		ClassName string          `json:"class_name"`
		Config    json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		c.Fail(key, err)
		return def
	}
	var args struct {
		Seed         *float64 `json:"seed"`
		Value        float64  `json:"value"`
		Mean         float64  `json:"mean"`
		Stddev       float64  `json:"stddev"`
		Minval       float64  `json:"minval"`
		Maxval       float64  `json:"maxval"`
		Scale        float64  `json:"scale"`
		Mode         string   `json:"mode"`
		Distribution string   `json:"distribution"`
	}
	if len(obj.Config) > 0 {
		if err := json.Unmarshal(obj.Config, &args); err != nil {
			c.Fail(key, err)
			return def
		}
	}
	switch obj.ClassName {
	case "GlorotUniform", "glorot_uniform":
		return GlorotUniform()
	case "GlorotNormal", "glorot_normal":
		return GlorotNormal()
	case "HeNormal", "he_normal":
		return HeNormal()
	case "HeUniform", "he_uniform":
		return HeUniform()
	case "LecunNormal", "lecun_normal":
		return LecunNormal()
	case "LecunUniform", "lecun_uniform":
		return LecunUniform()
	case "Zeros", "zeros":
		return Zeros()
	case "Ones", "ones":
		return Ones()
	case "Constant", "constant":
		return Constant{args.Value}
	case "RandomNormal", "random_normal":
		return RandomNormal{Mean: args.Mean, Stddev: args.Stddev}
	case "TruncatedNormal", "truncated_normal":
		return TruncatedNormal{Mean: args.Mean, Stddev: args.Stddev}
	case "RandomUniform", "random_uniform":
		return RandomUniform{Min: args.Minval, Max: args.Maxval}
	case "VarianceScaling":
		v := VarianceScaling{Scale: args.Scale}
		switch args.Mode {
		case "fan_in", "":
			v.Mode = FanIn
		case "fan_out":
			v.Mode = FanOut
		case "fan_avg":
			v.Mode = FanAvg
		default:
			c.Fail(key, fmt.Errorf("VarianceScaling mode %q", args.Mode))
		}
		switch args.Distribution {
		case "truncated_normal", "":
			v.Distribution = TruncatedNormalDistribution
		case "untruncated_normal", "normal":
			v.Distribution = UntruncatedNormalDistribution
		case "uniform":
			v.Distribution = UniformDistribution
		default:
			c.Fail(key, fmt.Errorf("VarianceScaling distribution %q", args.Distribution))
		}
		return v
	}
	c.Fail(key, fmt.Errorf("unknown initializer %q", obj.ClassName))
	return def
}

func decodeConv2D(c *nn.KerasConfig) (nn.Layer, error) {
	kernel := c.Ints("kernel_size", 2, nil)
	if kernel == nil {
		return nil, fmt.Errorf("nn: Keras Conv2D %q: kernel_size is required", c.Name)
	}
	l := NewConv2DKernel(c.Int("filters", 0), kernel[0], kernel[1], Conv2DConfig{
		Name:              c.Name,
		Padding:           decodePadding(c),
		Activation:        decodeActivationName(c, "activation"),
		NoBias:            !c.Bool("use_bias", true),
		KernelInitializer: decodeInitializer(c, "kernel_initializer", GlorotUniform()),
		BiasInitializer:   decodeInitializer(c, "bias_initializer", Zeros()),
	})
	s := c.Ints("strides", 2, []int{1, 1})
	d := c.Ints("dilation_rate", 2, []int{1, 1})
	l.strides, l.dilation = [2]int{s[0], s[1]}, [2]int{d[0], d[1]}
	c.Expect("data_format", "channels_last")
	c.Expect("groups", 1)
	c.Unsupported("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")
	return l, nil
}

func decodeDense(c *nn.KerasConfig) (nn.Layer, error) {
	l := NewDense(c.Int("units", 0), DenseConfig{
		Name:              c.Name,
		Activation:        decodeActivationName(c, "activation"),
		NoBias:            !c.Bool("use_bias", true),
		KernelInitializer: decodeInitializer(c, "kernel_initializer", GlorotUniform()),
		BiasInitializer:   decodeInitializer(c, "bias_initializer", Zeros()),
	})
	c.Unsupported("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")
	return l, nil
}

func decodeBatchNormalization(c *nn.KerasConfig) (nn.Layer, error) {
	// axis is -1, or the last axis as a number or a one-element list ([3] for NHWC); which
	// number is the last axis is checked when the layer is built.
	axis := c.Ints("axis", 1, []int{-1})
	l := NewBatchNormalization(BatchNormalizationConfig{
		Name:                      c.Name,
		Momentum:                  explicit(c.Float("momentum", 0.99)),
		Epsilon:                   c.Float("epsilon", 1e-3),
		NoCenter:                  !c.Bool("center", true),
		NoScale:                   !c.Bool("scale", true),
		GammaInitializer:          decodeInitializer(c, "gamma_initializer", Ones()),
		BetaInitializer:           decodeInitializer(c, "beta_initializer", Zeros()),
		MovingMeanInitializer:     decodeInitializer(c, "moving_mean_initializer", Zeros()),
		MovingVarianceInitializer: decodeInitializer(c, "moving_variance_initializer", Ones()),
	})
	l.kerasAxis = axis[0]
	c.Unsupported("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint", "renorm", "virtual_batch_size", "adjustment")
	c.Expect("renorm_clipping", nil)
	c.Ignore("renorm_momentum", "fused")
	return l, nil
}

// explicit turns a value read from a Keras config into a config field, where 0 would mean
// the default.
func explicit(v float64) float64 {
	if v == 0 {
		return nn.Zero
	}
	return v
}

func decodeActivation(c *nn.KerasConfig) (nn.Layer, error) {
	return NewActivation(decodeActivationName(c, "activation"), ActivationConfig{Name: c.Name}), nil
}

func decodeReLU(c *nn.KerasConfig) (nn.Layer, error) {
	c.Expect("max_value", nil)
	c.Expect("negative_slope", 0)
	c.Expect("threshold", 0)
	return NewReLU(ActivationConfig{Name: c.Name}), nil
}

func decodeDropout(c *nn.KerasConfig) (nn.Layer, error) {
	c.Expect("noise_shape", nil)
	c.Ignore("seed")
	return NewDropout(c.Float("rate", 0), DropoutConfig{Name: c.Name}), nil
}

func decodeFlatten(c *nn.KerasConfig) (nn.Layer, error) {
	c.Expect("data_format", "channels_last")
	return NewFlatten(FlattenConfig{Name: c.Name}), nil
}

func decodePooling(c *nn.KerasConfig, average bool) (nn.Layer, error) {
	pool := c.Ints("pool_size", 2, []int{2, 2})
	strides := c.Ints("strides", 2, pool)
	cfg := Pooling2DConfig{Name: c.Name, Padding: decodePadding(c)}
	c.Expect("data_format", "channels_last")
	var l *pooling2D
	var out nn.Layer
	if average {
		a := NewAveragePooling2D(pool[0], cfg)
		l, out = &a.pooling2D, a
	} else {
		m := NewMaxPooling2D(pool[0], cfg)
		l, out = &m.pooling2D, m
	}
	l.pool = [2]int{pool[0], pool[1]}
	l.strides = [2]int{strides[0], strides[1]}
	return out, nil
}

func decodeGlobalPooling(c *nn.KerasConfig, average bool) (nn.Layer, error) {
	cfg := GlobalPooling2DConfig{Name: c.Name, KeepDims: c.Bool("keepdims", false)}
	c.Expect("data_format", "channels_last")
	if average {
		return NewGlobalAveragePooling2D(cfg), nil
	}
	return NewGlobalMaxPooling2D(cfg), nil
}

func decodeZeroPadding2D(c *nn.KerasConfig) (nn.Layer, error) {
	c.Expect("data_format", "channels_last")
	raw := c.Raw("padding")
	var one int
	var sym []int
	var sides [][]int
	switch {
	case raw == nil:
		one = 1
	case json.Unmarshal(raw, &one) == nil:
	case json.Unmarshal(raw, &sides) == nil && len(sides) == 2 && len(sides[0]) == 2 && len(sides[1]) == 2:
		return NewZeroPadding2DSides(sides[0][0], sides[0][1], sides[1][0], sides[1][1], ZeroPadding2DConfig{Name: c.Name}), nil
	case json.Unmarshal(raw, &sym) == nil && len(sym) == 2:
		return NewZeroPadding2DSides(sym[0], sym[0], sym[1], sym[1], ZeroPadding2DConfig{Name: c.Name}), nil
	default:
		return nil, fmt.Errorf("nn: Keras ZeroPadding2D %q: padding %s: want an int, (h, w) or ((top, bottom), (left, right))", c.Name, raw)
	}
	return NewZeroPadding2D(one, ZeroPadding2DConfig{Name: c.Name}), nil
}

func decodeAdd(c *nn.KerasConfig) (nn.Layer, error) {
	return NewAdd(MergeConfig{Name: c.Name}), nil
}

func decodeConcatenate(c *nn.KerasConfig) (nn.Layer, error) {
	axis := c.Int("axis", -1)
	if axis == 0 {
		return nil, fmt.Errorf("nn: Keras Concatenate %q: axis 0 (the batch) cannot be joined", c.Name)
	}
	return NewConcatenate(ConcatenateConfig{Name: c.Name, Axis: axis}), nil
}

// decodeLambda accepts the one Lambda keras.applications uses: InceptionResNetV2's scaled
// residual sum inputs[0] + inputs[1]·scale, recognised by its module and arguments. The
// function's bytecode is never executed.
func decodeLambda(c *nn.KerasConfig) (nn.Layer, error) {
	module := c.String("module", "")
	raw := c.Raw("arguments")
	var args map[string]float64
	if raw != nil {
		if err := json.Unmarshal(raw, &args); err != nil {
			return nil, fmt.Errorf("nn: Keras Lambda %q: arguments: %w", c.Name, err)
		}
	}
	scale, ok := args["scale"]
	if module != "keras.applications.inception_resnet_v2" && module != "tensorflow.keras.applications.inception_resnet_v2" || !ok || len(args) != 1 {
		return nil, fmt.Errorf("nn: Keras Lambda %q: only InceptionResNetV2's scaled sum (module keras.applications.inception_resnet_v2, arguments {scale}) is supported; got module %q, arguments %s", c.Name, module, raw)
	}
	c.Ignore("function", "function_type", "output_shape", "output_shape_type", "output_shape_module")
	return NewScaleSum(scale, MergeConfig{Name: c.Name}), nil
}
