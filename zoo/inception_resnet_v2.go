package zoo

import (
	"strconv"

	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
)

// InceptionResNetV2 of keras_applications' inception_resnet_v2.py (tf.keras
// keras/applications/inception_resnet_v2.py), transcribed call for call: 203 of its
// conv2d_bn units are unnamed in Keras, so their Conv2D, BatchNormalization and Activation
// get automatic names in creation order (conv2d .. conv2d_202), as do its four
// MaxPooling2D and its AveragePooling2D.

var inceptionResNetV2 = register(&spec{
	info: Info{
		Name: "inception_resnet_v2", Function: "InceptionResNetV2", DefaultSize: 299, MinSize: 75, Preprocess: TF,
		WeightFiles: [2]string{
			"inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
			"inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
		},
	},
	body: inceptionResNetV2Body,
})

// InceptionResNetV2 is keras.applications.InceptionResNetV2 (tf preprocessing, default
// input 299×299, minimum 75): 55,873,736 parameters with the top, 54,336,736 without.
func InceptionResNetV2(cfg Config) (*nn.Model, error) { return inceptionResNetV2.build(cfg) }

// unit is one conv2d_bn call: a convolution without bias ('same' padding unless valid),
// BatchNormalization(scale=False) and ReLU; name "" leaves all three to automatic names.
// With bias (the blocks' <block>_conv) there is no BatchNormalization; act false drops the
// activation.
type unit struct {
	filters, kh, kw, strides int
	valid, bias, noAct       bool
	name                     string
}

func (g *graph) conv2dBN(x *nn.Node, u unit) *nn.Node {
	padding := layers.Same
	if u.valid {
		padding = layers.Valid
	}
	strides := max(u.strides, 1)
	x = layers.NewConv2DKernel(u.filters, u.kh, u.kw, layers.Conv2DConfig{
		Name: g.name(u.name, "conv2d"), Strides: strides, Padding: padding, NoBias: !u.bias,
	}).Call(x)
	suffixed := func(suffix string) string {
		if u.name == "" {
			return ""
		}
		return u.name + suffix
	}
	if !u.bias {
		x = layers.NewBatchNormalization(layers.BatchNormalizationConfig{
			Name: g.name(suffixed("_bn"), "batch_normalization"), NoScale: true,
		}).Call(x)
	}
	if !u.noAct {
		x = layers.NewActivation(layers.ReLU, layers.ActivationConfig{Name: g.name(suffixed("_ac"), "activation")}).Call(x)
	}
	return x
}

// sq is a square unnamed conv2d_bn unit.
func sq(filters, k int) unit { return unit{filters: filters, kh: k, kw: k} }

func (g *graph) units(x *nn.Node, us ...unit) *nn.Node {
	for _, u := range us {
		x = g.conv2dBN(x, u)
	}
	return x
}

func (g *graph) maxPool(x *nn.Node) *nn.Node {
	return layers.NewMaxPooling2D(3, layers.Pooling2DConfig{Name: g.name("", "max_pooling2d"), Strides: 2}).Call(x)
}

func concat(name string, branches ...*nn.Node) *nn.Node {
	return layers.NewConcatenate(layers.ConcatenateConfig{Name: name}).Call(branches...)
}

func inceptionResNetV2Body(g *graph, x *nn.Node) *nn.Node {
	// Stem: 299 → 149 → 147 → 147 → 73 → 73 → 71 → 35.
	valid := func(u unit) unit { u.valid = true; return u }
	x = g.units(x, unit{filters: 32, kh: 3, kw: 3, strides: 2, valid: true}, valid(sq(32, 3)), sq(64, 3))
	x = g.maxPool(x)
	x = g.units(x, valid(sq(80, 1)), valid(sq(192, 3)))
	x = g.maxPool(x)

	// mixed_5b (Inception-A): 35×35×320.
	b0 := g.units(x, sq(96, 1))
	b1 := g.units(x, sq(48, 1), sq(64, 5))
	b2 := g.units(x, sq(64, 1), sq(96, 3), sq(96, 3))
	bp := layers.NewAveragePooling2D(3, layers.Pooling2DConfig{Name: g.name("", "average_pooling2d"), Strides: 1, Padding: layers.Same}).Call(x)
	bp = g.units(bp, sq(64, 1))
	x = concat("mixed_5b", b0, b1, b2, bp)

	for i := 1; i <= 10; i++ {
		x = g.inceptionResNetBlock(x, 0.17, "block35", i, true)
	}

	// mixed_6a (Reduction-A): 17×17×1088.
	b0 = g.units(x, unit{filters: 384, kh: 3, kw: 3, strides: 2, valid: true})
	b1 = g.units(x, sq(256, 1), sq(256, 3), unit{filters: 384, kh: 3, kw: 3, strides: 2, valid: true})
	bp = g.maxPool(x)
	x = concat("mixed_6a", b0, b1, bp)

	for i := 1; i <= 20; i++ {
		x = g.inceptionResNetBlock(x, 0.1, "block17", i, true)
	}

	// mixed_7a (Reduction-B): 8×8×2080.
	b0 = g.units(x, sq(256, 1), unit{filters: 384, kh: 3, kw: 3, strides: 2, valid: true})
	b1 = g.units(x, sq(256, 1), unit{filters: 288, kh: 3, kw: 3, strides: 2, valid: true})
	b2 = g.units(x, sq(256, 1), sq(288, 3), unit{filters: 320, kh: 3, kw: 3, strides: 2, valid: true})
	bp = g.maxPool(x)
	x = concat("mixed_7a", b0, b1, b2, bp)

	for i := 1; i <= 9; i++ {
		x = g.inceptionResNetBlock(x, 0.2, "block8", i, true)
	}
	x = g.inceptionResNetBlock(x, 1, "block8", 10, false)

	// The final 1×1 convolution to 1536 channels.
	return g.conv2dBN(x, unit{filters: 1536, kh: 1, kw: 1, name: "conv_7b"})
}

// inceptionResNetBlock is Keras's inception_resnet_block: the branches, concatenated as
// <block>_mixed, a 1×1 convolution with bias back to the input's channels (<block>_conv,
// no BatchNormalization, no activation), the scaled residual sum x + scale·up (a Lambda
// named <block>) and, unless it is the last block, ReLU <block>_ac.
func (g *graph) inceptionResNetBlock(x *nn.Node, scale float64, blockType string, index int, act bool) *nn.Node {
	if x.Err() != nil {
		return x // the error travels to NewModel
	}
	var branches []*nn.Node
	switch blockType {
	case "block35":
		branches = []*nn.Node{
			g.units(x, sq(32, 1)),
			g.units(x, sq(32, 1), sq(32, 3)),
			g.units(x, sq(32, 1), sq(48, 3), sq(64, 3)),
		}
	case "block17":
		branches = []*nn.Node{
			g.units(x, sq(192, 1)),
			g.units(x, sq(128, 1), unit{filters: 160, kh: 1, kw: 7}, unit{filters: 192, kh: 7, kw: 1}),
		}
	case "block8":
		branches = []*nn.Node{
			g.units(x, sq(192, 1)),
			g.units(x, sq(192, 1), unit{filters: 224, kh: 1, kw: 3}, unit{filters: 256, kh: 3, kw: 1}),
		}
	}
	name := blockType + "_" + strconv.Itoa(index)
	mixed := concat(name+"_mixed", branches...)
	up := g.conv2dBN(mixed, unit{filters: x.Shape()[2], kh: 1, kw: 1, bias: true, noAct: true, name: name + "_conv"})
	x = layers.NewScaleSum(scale, layers.MergeConfig{Name: name}).Call(x, up)
	if act {
		x = layers.NewActivation(layers.ReLU, layers.ActivationConfig{Name: name + "_ac"}).Call(x)
	}
	return x
}
