package zoo

import (
	"fmt"
	"strconv"

	"gorgonia.org/tensor"

	"github.com/org/gotl/nn"
)

// PreprocessMode is the mode of keras.applications.imagenet_utils.preprocess_input, which
// maps RGB images with values in [0, 255] to what a model was trained on (KERAS.md §7.2).
type PreprocessMode int

const (
	// Caffe reverses the channels (RGB → BGR) and subtracts the ImageNet mean
	// (103.939, 116.779, 123.68) from B, G, R, without scaling: ResNet v1 and VGG.
	Caffe PreprocessMode = iota + 1
	// TF scales to [−1, 1]: x/127.5 − 1. ResNet v2 and InceptionResNetV2.
	TF
	// Torch scales to [0, 1], subtracts (0.485, 0.456, 0.406) and divides by
	// (0.229, 0.224, 0.225), on RGB. No model here uses it; it completes Keras's modes.
	Torch
)

// String is Keras's name of the mode ("caffe", "tf", "torch").
func (p PreprocessMode) String() string {
	switch p {
	case Caffe:
		return "caffe"
	case TF:
		return "tf"
	case Torch:
		return "torch"
	}
	return "PreprocessMode(" + strconv.Itoa(int(p)) + ")"
}

// The constants of imagenet_utils, rounded to float32 as NumPy rounds a Python float
// combined with a float32 array.
var (
	caffeMean = [3]float32{103.939, 116.779, 123.68} // B, G, R
	torchMean = [3]float32{0.485, 0.456, 0.406}      // R, G, B
	torchStd  = [3]float32{0.229, 0.224, 0.225}
)

// Floats preprocesses x in place: float32 values in C order whose last axis holds the
// channels (NHWC batches or HWC images), channels of them. Each operation is one float32
// operation as in Keras's NumPy code, so the results are the same bits. Caffe and Torch
// need 3 channels.
func (p PreprocessMode) Floats(x []float32, channels int) error {
	switch {
	case channels <= 0:
		return fmt.Errorf("zoo: preprocess %v: channels must be > 0, got %d", p, channels)
	case len(x)%channels != 0:
		return fmt.Errorf("zoo: preprocess %v: %d values are not a whole number of %d-channel pixels", p, len(x), channels)
	case p != TF && p != Caffe && p != Torch:
		return fmt.Errorf("zoo: unknown preprocess mode %v", p)
	case p != TF && channels != 3:
		return fmt.Errorf("zoo: preprocess %v: needs 3 channels (RGB), got %d", p, channels)
	}
	switch p {
	case TF:
		for i, v := range x {
			v /= 127.5
			x[i] = v - 1
		}
	case Caffe:
		for i := 0; i < len(x); i += 3 {
			r, b := x[i], x[i+2]
			x[i] = b - caffeMean[0]
			x[i+1] -= caffeMean[1]
			x[i+2] = r - caffeMean[2]
		}
	case Torch:
		for i := 0; i < len(x); i += 3 {
			for c := range 3 {
				v := x[i+c] / 255
				v -= torchMean[c]
				x[i+c] = v / torchStd[c]
			}
		}
	}
	return nil
}

// Apply preprocesses a float32 batch (N, H, W, C) or image (H, W, C) in place, as Keras's
// preprocess_input does with a float32 NumPy array.
func (p PreprocessMode) Apply(x *tensor.Dense) error {
	if x == nil || x.Dims() == 0 {
		return fmt.Errorf("zoo: preprocess %v: need a tensor whose last axis is the channels", p)
	}
	if x.Dtype() != tensor.Float32 {
		return fmt.Errorf("zoo: preprocess %v: dtype %v, want float32", p, x.Dtype())
	}
	if x.IsView() || !x.IsNativelyAccessible() {
		return fmt.Errorf("zoo: preprocess %v: the tensor is a view; preprocess a materialized copy", p)
	}
	shape := x.Shape()
	data := x.Data().([]float32)[:shape.TotalSize()]
	return p.Floats(data, shape[len(shape)-1])
}

// Image preprocesses one image (h, w, c) in place: the signature of the data package's
// ImageDataGenerator.PreprocessingFunction (Keras's preprocessing_function), e.g.
// gen.PreprocessingFunction = zoo.Caffe.Image. It panics on a wrong channel count, which
// the data pipeline reports as an error naming the image.
func (p PreprocessMode) Image(img []float32, h, w, c int) {
	if len(img) != h*w*c {
		panic(fmt.Sprintf("zoo: preprocess %v: %d values for an image of %d×%d×%d", p, len(img), h, w, c))
	}
	if err := p.Floats(img, c); err != nil {
		panic(err.Error())
	}
}

// PreprocessInput is the preprocess_input of the named model (keras.applications.<module>
// .preprocess_input): it preprocesses the float32 batch or image x in place.
func PreprocessInput(model string, x *tensor.Dense) error {
	info, ok := Lookup(model)
	if !ok {
		return fmt.Errorf("zoo: unknown model %q (known: %v)", model, Names())
	}
	return info.Preprocess.Apply(x)
}

// PreprocessFunc returns the preprocessing of m, a zoo model or a model with a zoo model
// among its layers (a transfer-learning model on a zoo base), as a per-image hook for the
// data package's ImageDataGenerator.PreprocessingFunction.
func PreprocessFunc(m *nn.Model) (func(img []float32, h, w, c int), error) {
	info, ok := InfoOf(m)
	if !ok {
		name := "<nil>"
		if m != nil {
			name = m.Name()
		}
		return nil, fmt.Errorf("zoo: model %q is not a zoo model and holds none; choose the preprocessing mode (zoo.Caffe, zoo.TF) yourself", name)
	}
	return info.Preprocess.Image, nil
}
