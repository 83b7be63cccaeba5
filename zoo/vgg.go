package zoo

import (
	"fmt"

	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
)

// VGG16 and VGG19 of keras_applications' vgg16.py and vgg19.py: five blocks of 3×3 'same'
// convolutions with bias and ReLU inside the Conv2D (no Activation layers), each block
// closed by a 2×2/2 max pooling; the top is Flatten, fc1 and fc2 (4096, ReLU) and
// predictions.

var (
	vgg16 = register(vggSpec("vgg16", "VGG16", [5]int{2, 2, 3, 3, 3}))
	vgg19 = register(vggSpec("vgg19", "VGG19", [5]int{2, 2, 4, 4, 4}))
)

func vggSpec(name, function string, convs [5]int) *spec {
	return &spec{
		info: Info{
			Name: name, Function: function, DefaultSize: 224, MinSize: 32, Preprocess: Caffe,
			WeightFiles: [2]string{
				name + "_weights_tf_dim_ordering_tf_kernels.h5",
				name + "_weights_tf_dim_ordering_tf_kernels_notop.h5",
			},
		},
		body:   vggBody(convs),
		vggTop: true,
	}
}

// VGG16 is keras.applications.VGG16 (caffe preprocessing): 138,357,544 parameters with
// the top at 224×224 (fc1 depends on the input size), 14,714,688 without.
func VGG16(cfg Config) (*nn.Model, error) { return vgg16.build(cfg) }

// VGG19 is keras.applications.VGG19 (caffe preprocessing): 143,667,240 parameters with
// the top at 224×224, 20,024,384 without.
func VGG19(cfg Config) (*nn.Model, error) { return vgg19.build(cfg) }

var vggFilters = [5]int{64, 128, 256, 512, 512}

func vggBody(convs [5]int) func(*graph, *nn.Node) *nn.Node {
	return func(g *graph, x *nn.Node) *nn.Node {
		for b, n := range convs {
			for c := 1; c <= n; c++ {
				x = layers.NewConv2D(vggFilters[b], 3, layers.Conv2DConfig{
					Name: fmt.Sprintf("block%d_conv%d", b+1, c), Padding: layers.Same, Activation: layers.ReLU,
				}).Call(x)
			}
			x = layers.NewMaxPooling2D(2, layers.Pooling2DConfig{Name: fmt.Sprintf("block%d_pool", b+1), Strides: 2}).Call(x)
		}
		return x
	}
}
