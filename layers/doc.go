// Package layers holds the Keras layers, one file per layer: Conv2D, Dense,
// BatchNormalization, Dropout, Flatten, Activation, ReLU, MaxPooling2D, AveragePooling2D,
// GlobalAveragePooling2D, GlobalMaxPooling2D, ZeroPadding2D, Add, Concatenate and
// ScaleSum (InceptionResNetV2's scaled residual sum), plus Keras's initializers.
//
// Each constructor takes the required arguments and an optional XxxConfig struct whose
// zero value means Keras's default; enumerations are typed constants (layers.Same,
// layers.ReLU). An invalid configuration is reported, naming the layer, the field, the
// value and the rule, when the layer is applied to a node (see nn.Node).
//
// Data layout: NHWC activations, HWIO convolution kernels (kh, kw, in, out), dense kernels
// (in, out), exactly as Keras holds them. The math follows tf.keras 2.x (KERAS.md §2):
// TensorFlow's "same" padding with the extra cell bottom/right, average pooling dividing by
// the cells inside the image, BatchNormalization's biased batch variance and its moving
// variance Bessel-corrected for 4-D inputs, inverted dropout.
//
// Importing the package registers its layers with nn.FromKerasJSON; options of a Keras
// config that gotl does not implement are errors, never silently dropped.
//
// Every layer's backward pass is checked against central finite differences in float64 on
// the reference backend, and its float32 CPU results against that reference
// (layers_test.go).
package layers
