package data

import (
	"fmt"
	"path/filepath"

	"gorgonia.org/tensor"
)

// DefaultFashionMNISTDir is where Debian's dataset-fashion-mnist package installs the four
// Fashion-MNIST files.
const DefaultFashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// FashionMNISTClasses names Fashion-MNIST's ten labels, by index.
var FashionMNISTClasses = [10]string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// LoadFashionMNIST reads Fashion-MNIST from dir (DefaultFashionMNISTDir for Debian's package),
// from the files {train,t10k}-{images-idx3,labels-idx1}-ubyte, gzip-compressed (.gz) or not.
// It is Keras's keras.datasets.fashion_mnist.load_data, laid out for a Conv2D input:
// images float32 (N, 28, 28, 1) with values 0..255 (divide by 255 yourself, as Keras users do),
// labels float32 (N) class indices 0..9 (see FashionMNISTClasses and OneHot).
// N is 60000 for train and 10000 for test.
func LoadFashionMNIST(dir string) (xTrain, yTrain, xTest, yTest *tensor.Dense, err error) {
	xTrain, yTrain, err = loadMNISTPair(dir, "train")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	xTest, yTest, err = loadMNISTPair(dir, "t10k")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return xTrain, yTrain, xTest, yTest, nil
}

// loadMNISTPair reads prefix-images-idx3-ubyte[.gz] and prefix-labels-idx1-ubyte[.gz] and checks
// that they agree.
func loadMNISTPair(dir, prefix string) (x, y *tensor.Dense, err error) {
	imagesPath, err := findIDX(dir, prefix+"-images-idx3-ubyte")
	if err != nil {
		return nil, nil, err
	}
	labelsPath, err := findIDX(dir, prefix+"-labels-idx1-ubyte")
	if err != nil {
		return nil, nil, err
	}
	images, err := ReadIDX(imagesPath)
	if err != nil {
		return nil, nil, err
	}
	if images.Type != IDXUint8 || len(images.Dims) != 3 {
		return nil, nil, fmt.Errorf("data: %q: want uint8 images (N, H, W), got %s %v", imagesPath, images.Type, images.Dims)
	}
	labels, err := ReadIDX(labelsPath)
	if err != nil {
		return nil, nil, err
	}
	if labels.Type != IDXUint8 || len(labels.Dims) != 1 {
		return nil, nil, fmt.Errorf("data: %q: want uint8 labels (N), got %s %v", labelsPath, labels.Type, labels.Dims)
	}
	n, h, w := images.Dims[0], images.Dims[1], images.Dims[2]
	if labels.Dims[0] != n {
		return nil, nil, fmt.Errorf("data: %q has %d labels for %d images in %q", labelsPath, labels.Dims[0], n, imagesPath)
	}
	for i, l := range labels.Data {
		if l > 9 {
			return nil, nil, fmt.Errorf("data: %q: label %d of sample %d is not a class 0..9", labelsPath, l, i)
		}
	}
	return newDense(images.Float32(), n, h, w, 1), newDense(labels.Float32(), n), nil
}

// findIDX returns dir/name.gz if it exists, else dir/name if it exists.
func findIDX(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		if fileExists(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("data: Fashion-MNIST: neither %s nor %s.gz in %q (Debian: apt-get install dataset-fashion-mnist)", name, name, dir)
}
