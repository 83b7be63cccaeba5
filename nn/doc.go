// Package nn is gotl's core: layers connected into models, and the Keras training loop.
//
// # Models
//
// A model is a graph of layers (Keras's functional API) or a chain (Sequential):
//
//	x := nn.Input(224, 224, 3)                  // (None, 224, 224, 3)
//	h := layers.NewConv2D(64, 3, layers.Conv2DConfig{Padding: layers.Same}).Call(x)
//	y := layers.NewDense(10, layers.DenseConfig{Activation: layers.Softmax}).Call(...)
//	m, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y}, nn.WithSeed(1))
//
// Building a graph never panics: a node that cannot be built (a wrong shape, an invalid
// configuration) carries an error naming the layer, and NewModel returns it. A Model is a
// Layer, so a model (a zoo base) can be one step of a larger one. Model.Layers lists layers
// in Keras's model.layers order (depth from the outputs, KERAS.md §1.1), and unnamed layers
// get tf.keras's automatic names (conv2d, conv2d_1, ...) in creation order when their model
// is built, unique across nested models so that every variable name "<layer>/<variable>"
// is unique. Summary prints Keras's model.summary() table. FromKerasJSON builds a model
// from a Keras model.to_json() for the classes package layers registers.
//
// # Training
//
// Compile fixes the optimizer, the loss and the metrics; Fit runs Keras's loop over an
// nn.Dataset (Keras's Sequence), with validation, callbacks and Keras's progress bar;
// Evaluate and Predict run in inference mode. Trainability follows TF2: a frozen layer gets
// no updates and a frozen BatchNormalization runs in inference mode even inside Fit.
// Losses and metrics run on the host in float64 on the model output; a softmax output
// trained with a cross-entropy computes the loss from the logits, as tf.keras ≥ 2.6 does.
// One seed (WithSeed) gives the initial weights (each variable from its own stream derived
// from the seed and its name) and the dropout stream; datasets shuffle as a function of
// their seed and the epoch. On the CPU the same seed gives the same weights after training,
// bit for bit.
//
// # Data layout and devices
//
// Activations are NHWC float32, convolution kernels HWIO, dense kernels (in, out): Keras's
// layouts. Layers compute through a Backend (internal/device): "cpu" by default, "reference"
// (float64, for gradient checks), chosen with WithDevice or GOTL_DEVICE. The public tensor
// type at the API boundary is gorgonia.org/tensor's *tensor.Dense.
//
// # Weight files
//
// SaveWeights and LoadWeights use a directory DIR/<layer>/<variable>.npy or one .npz
// archive, by name, checking every shape; writes are atomic.
//
// # Errors
//
// Functions return errors that name the layer, variable, file or option at fault; shape
// errors are *ShapeError. Nothing panics on bad input.
package nn
