package zoo

import (
	"fmt"

	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
)

// The ResNets of keras_applications' resnet_common.py (tf.keras keras/applications/resnet.py
// and resnet_v2.py). Every layer is named by Keras, except ResNetV2's three shortcut
// poolings (max_pooling2d, max_pooling2d_1, max_pooling2d_2).

// resnetEpsilon is the BatchNormalization epsilon of every ResNet (not Keras's 1e-3).
const resnetEpsilon = 1.001e-5

var (
	resnet50    = register(resnetSpec("resnet50", "ResNet50", false, [4]int{3, 4, 6, 3}))
	resnet101   = register(resnetSpec("resnet101", "ResNet101", false, [4]int{3, 4, 23, 3}))
	resnet152   = register(resnetSpec("resnet152", "ResNet152", false, [4]int{3, 8, 36, 3}))
	resnet50v2  = register(resnetSpec("resnet50v2", "ResNet50V2", true, [4]int{3, 4, 6, 3}))
	resnet101v2 = register(resnetSpec("resnet101v2", "ResNet101V2", true, [4]int{3, 4, 23, 3}))
	resnet152v2 = register(resnetSpec("resnet152v2", "ResNet152V2", true, [4]int{3, 8, 36, 3}))
)

func resnetSpec(name, function string, v2 bool, blocks [4]int) *spec {
	mode, body := Caffe, resnetV1(blocks)
	if v2 {
		mode, body = TF, resnetV2(blocks)
	}
	return &spec{
		info: Info{
			Name: name, Function: function, DefaultSize: 224, MinSize: 32, Preprocess: mode,
			WeightFiles: [2]string{
				name + "_weights_tf_dim_ordering_tf_kernels.h5",
				name + "_weights_tf_dim_ordering_tf_kernels_notop.h5",
			},
		},
		body:         body,
		namedPooling: true,
	}
}

// ResNet50 is keras.applications.ResNet50 (ResNet v1, 3-4-6-3 bottleneck blocks, caffe
// preprocessing): 25,636,712 parameters with the top, 23,587,712 without.
func ResNet50(cfg Config) (*nn.Model, error) { return resnet50.build(cfg) }

// ResNet101 is keras.applications.ResNet101 (ResNet v1, 3-4-23-3 blocks, caffe
// preprocessing): 44,707,176 parameters with the top, 42,658,176 without.
func ResNet101(cfg Config) (*nn.Model, error) { return resnet101.build(cfg) }

// ResNet152 is keras.applications.ResNet152 (ResNet v1, 3-8-36-3 blocks, caffe
// preprocessing): 60,419,944 parameters with the top, 58,370,944 without.
func ResNet152(cfg Config) (*nn.Model, error) { return resnet152.build(cfg) }

// ResNet50V2 is keras.applications.ResNet50V2 (pre-activation ResNet, 3-4-6-3 blocks, tf
// preprocessing): 25,613,800 parameters with the top, 23,564,800 without.
func ResNet50V2(cfg Config) (*nn.Model, error) { return resnet50v2.build(cfg) }

// ResNet101V2 is keras.applications.ResNet101V2 (pre-activation, 3-4-23-3 blocks, tf
// preprocessing): 44,675,560 parameters with the top, 42,626,560 without.
func ResNet101V2(cfg Config) (*nn.Model, error) { return resnet101v2.build(cfg) }

// ResNet152V2 is keras.applications.ResNet152V2 (pre-activation, 3-8-36-3 blocks, tf
// preprocessing): 60,380,648 parameters with the top, 58,331,648 without.
func ResNet152V2(cfg Config) (*nn.Model, error) { return resnet152v2.build(cfg) }

func conv(x *nn.Node, filters, kernel, strides int, name string, bias bool) *nn.Node {
	return layers.NewConv2D(filters, kernel, layers.Conv2DConfig{Name: name, Strides: strides, NoBias: !bias}).Call(x)
}

func resnetBN(x *nn.Node, name string) *nn.Node {
	return layers.NewBatchNormalization(layers.BatchNormalizationConfig{Name: name, Epsilon: resnetEpsilon}).Call(x)
}

func relu(x *nn.Node, name string) *nn.Node {
	return layers.NewActivation(layers.ReLU, layers.ActivationConfig{Name: name}).Call(x)
}

// resnetStem is conv1 and pool1: ZeroPadding2D(3) and a 7×7/2 valid convolution (not
// 'same', which would pad (2, 3) on 224), then ZeroPadding2D(1) and a 3×3/2 max pooling.
// The pooling's padding is zeros, not −∞: in ResNetV2 it sees the raw convolution.
func resnetStem(x *nn.Node, v2 bool) *nn.Node {
	x = layers.NewZeroPadding2D(3, layers.ZeroPadding2DConfig{Name: "conv1_pad"}).Call(x)
	x = conv(x, 64, 7, 2, "conv1_conv", true)
	if !v2 {
		x = resnetBN(x, "conv1_bn")
		x = relu(x, "conv1_relu")
	}
	x = layers.NewZeroPadding2D(1, layers.ZeroPadding2DConfig{Name: "pool1_pad"}).Call(x)
	return layers.NewMaxPooling2D(3, layers.Pooling2DConfig{Name: "pool1_pool", Strides: 2}).Call(x)
}

var stackFilters = [4]int{64, 128, 256, 512}

// resnetV1 is ResNet v1's body: stacks conv2..conv5, the first with stride 1.
func resnetV1(blocks [4]int) func(*graph, *nn.Node) *nn.Node {
	return func(g *graph, x *nn.Node) *nn.Node {
		x = resnetStem(x, false)
		for i, f := range stackFilters {
			stride := 2
			if i == 0 {
				stride = 1
			}
			name := fmt.Sprintf("conv%d", i+2)
			x = block1(x, f, stride, true, name+"_block1")
			for b := 2; b <= blocks[i]; b++ {
				x = block1(x, f, 1, false, fmt.Sprintf("%s_block%d", name, b))
			}
		}
		return x
	}
}

// block1 is ResNet v1's bottleneck block. The stride is on the first 1×1 convolution
// (Caffe style) and on the projection shortcut; every convolution has a bias.
func block1(x *nn.Node, filters, stride int, convShortcut bool, name string) *nn.Node {
	shortcut := x
	if convShortcut {
		shortcut = conv(x, 4*filters, 1, stride, name+"_0_conv", true)
		shortcut = resnetBN(shortcut, name+"_0_bn")
	}
	x = conv(x, filters, 1, stride, name+"_1_conv", true)
	x = resnetBN(x, name+"_1_bn")
	x = relu(x, name+"_1_relu")
	x = layers.NewConv2D(filters, 3, layers.Conv2DConfig{Name: name + "_2_conv", Padding: layers.Same}).Call(x)
	x = resnetBN(x, name+"_2_bn")
	x = relu(x, name+"_2_relu")
	x = conv(x, 4*filters, 1, 1, name+"_3_conv", true)
	x = resnetBN(x, name+"_3_bn")
	x = layers.NewAdd(layers.MergeConfig{Name: name + "_add"}).Call(shortcut, x)
	return relu(x, name+"_out")
}

// resnetV2 is ResNetV2's body: stacks conv2..conv5 (the last with stride 1), then
// post_bn and post_relu.
func resnetV2(blocks [4]int) func(*graph, *nn.Node) *nn.Node {
	return func(g *graph, x *nn.Node) *nn.Node {
		x = resnetStem(x, true)
		for i, f := range stackFilters {
			stride := 2
			if i == 3 {
				stride = 1
			}
			name := fmt.Sprintf("conv%d", i+2)
			x = block2(g, x, f, 1, true, name+"_block1")
			for b := 2; b < blocks[i]; b++ {
				x = block2(g, x, f, 1, false, fmt.Sprintf("%s_block%d", name, b))
			}
			x = block2(g, x, f, stride, false, fmt.Sprintf("%s_block%d", name, blocks[i]))
		}
		x = resnetBN(x, "post_bn")
		return relu(x, "post_relu")
	}
}

// block2 is ResNetV2's pre-activation bottleneck block. The stride is on the 3×3
// convolution, after an explicit ZeroPadding2D(1); the projection shortcut reads the
// pre-activation, the identity and pooling shortcuts the raw input. The 1×1 and 3×3
// convolutions have no bias; the output is the Add, named <block>_out.
func block2(g *graph, x *nn.Node, filters, stride int, convShortcut bool, name string) *nn.Node {
	preact := resnetBN(x, name+"_preact_bn")
	preact = relu(preact, name+"_preact_relu")
	shortcut := x
	switch {
	case convShortcut:
		shortcut = conv(preact, 4*filters, 1, stride, name+"_0_conv", true)
	case stride > 1:
		shortcut = layers.NewMaxPooling2D(1, layers.Pooling2DConfig{Name: g.name("", "max_pooling2d"), Strides: stride}).Call(x)
	}
	x = conv(preact, filters, 1, 1, name+"_1_conv", false)
	x = resnetBN(x, name+"_1_bn")
	x = relu(x, name+"_1_relu")
	x = layers.NewZeroPadding2D(1, layers.ZeroPadding2DConfig{Name: name + "_2_pad"}).Call(x)
	x = conv(x, filters, 3, stride, name+"_2_conv", false)
	x = resnetBN(x, name+"_2_bn")
	x = relu(x, name+"_2_relu")
	x = conv(x, 4*filters, 1, 1, name+"_3_conv", true)
	return layers.NewAdd(layers.MergeConfig{Name: name + "_out"}).Call(shortcut, x)
}
