// Package gotl is a deep-learning library for Go with the ergonomics of Keras 2, the
// numerics of Keras, fast CPU kernels and a backend interface ready for cuDNN.
//
// The packages, from the bottom up:
//
//   - nn: the Layer contract, functional and Sequential models, Compile/Fit/Evaluate/
//     Predict, losses, metrics, callbacks interface, progress bar, Summary, weight files,
//     FromKerasJSON.
//   - layers: the Keras layers and initializers.
//   - optim: optimizers with tf.keras's equations and defaults.
//   - callbacks: EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, ...
//   - zoo: keras.applications models (ResNet, ResNetV2, InceptionResNetV2, VGG), layer for
//     layer, name for name.
//   - data: datasets (Fashion-MNIST, in-memory arrays, ImageDataGenerator).
//   - cmd/gotl: gotl summary and gotl predict.
//
// A tour:
//
//	m, err := nn.NewSequential([]nn.Layer{
//		nn.NewInputLayer("", 28, 28, 1),
//		layers.NewConv2D(32, 3, layers.Conv2DConfig{Activation: layers.ReLU, Padding: layers.Same}),
//		layers.NewMaxPooling2D(2),
//		layers.NewFlatten(),
//		layers.NewDense(10, layers.DenseConfig{Activation: layers.Softmax}),
//	}, nn.WithSeed(1))
//	fmt.Print(m.Summary())
//	m.Compile(opt, nn.SparseCategoricalCrossentropy{}, &nn.Accuracy{})
//	history, err := m.Fit(ctx, train, nn.FitConfig{Epochs: 5, Validation: val})
//
// See examples/fashion for a complete program.
package gotl
