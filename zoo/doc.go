// Package zoo builds the keras.applications image classifiers — ResNet50, ResNet101,
// ResNet152, ResNet50V2, ResNet101V2, ResNet152V2, InceptionResNetV2, VGG16 and VGG19 —
// exactly as tf.keras 2.x builds them (KERAS.md §7 of the team docs):
//
//   - the same layers, in the same model.layers order, so Summary prints the rows Keras's
//     summary prints, with the same parameter counts;
//   - the same layer names and variable names, including InceptionResNetV2's automatic
//     names (conv2d, conv2d_1, ..., batch_normalization_N, activation_N, max_pooling2d_N),
//     which the builders compute in keras_applications' creation order and give as explicit
//     names, so they never depend on what else the process built;
//   - the ResNet classifier is named "predictions" (tf.keras), not "probs"
//     (keras_applications 1.0.8).
//
// # Weights
//
// No pretrained weights are bundled with gotl. Config.Weights names a weights directory
// (DIR/<layer>/<variable>.npy) or an .npz archive, loaded by name with every shape
// checked. Keras's ImageNet files (resnet101_weights_tf_dim_ordering_tf_kernels_notop.h5
// and the like, see WeightFiles) convert to that layout with tools/keras2npy.py (Python 3
// with h5py and numpy, no TensorFlow). With Config.Weights empty the variables get Keras's
// initializers (Glorot-uniform kernels, zero biases, BatchNormalization ones and zeros),
// drawn from Config.Seed.
//
// # Preprocessing and predictions
//
// Each model expects its own input scaling (keras.applications' preprocess_input):
// Caffe for ResNet v1 and VGG (RGB→BGR, minus the ImageNet mean, no scaling), TF for
// ResNet v2 and InceptionResNetV2 (x/127.5 − 1). Feeding 0..1 images (rescale=1/255)
// instead still trains, but worse (KERAS.md §9.2). A model built here carries its mode
// (InfoOf, PreprocessFunc), also when it is the base of a larger model, so a data pipeline
// can ask the model rather than the user. DecodePredictions maps 1000-class outputs to the
// ImageNet class names, embedded from imagenet_class_index.json.
//
// # Transfer learning
//
// A zoo model is an *nn.Model and so an nn.Layer: it can be the frozen first layer of a
// Sequential or the base of a functional model (SetTrainable(false)), and later unfrozen
// entirely (SetTrainable(true)), from a layer index (UnfreezeFrom) or from a named layer
// (UnfreezeFromLayer), with Keras's model.layers indices.
//
// Inputs are NHWC float32 (channels_last); errors name the model, the field and the rule.
package zoo
