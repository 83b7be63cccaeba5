// Command fashion trains a small CNN on Fashion-MNIST, the Keras way:
//
//	Conv2D(32, 3, relu, same) → BatchNormalization → MaxPooling2D(2)
//	→ Conv2D(64, 3, relu, same) → BatchNormalization → MaxPooling2D(2)
//	→ Flatten → Dense(128, relu) → Dropout(0.3) → Dense(10, softmax)
//
// with batch 64 for 5 epochs, pixels scaled by 1/255 and the last 6,000 training images held
// out for validation. It prints Keras's progress bar, the seconds per epoch and the final
// accuracy on the 10,000 test images. The data is Debian's dataset-fashion-mnist package
// (apt-get install dataset-fashion-mnist), or the idx files in -data.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"gorgonia.org/tensor"

	"github.com/org/gotl/data"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/optim"
)

func main() {
	dir := flag.String("data", data.DefaultFashionMNISTDir, "directory of the Fashion-MNIST idx files")
	epochs := flag.Int("epochs", 5, "epochs")
	batch := flag.Int("batch", 64, "batch size")
	seed := flag.Uint64("seed", 0, "seed of the weights, shuffling and dropout")
	limit := flag.Int("limit", 0, "train on only the first N training images (0: all but the validation part)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dir, *epochs, *batch, *seed, *limit); err != nil {
		fmt.Fprintln(os.Stderr, "fashion:", err)
		os.Exit(1)
	}
}

// model builds the example's CNN.
func model(seed uint64) (*nn.Model, error) {
	return nn.NewSequential([]nn.Layer{
		nn.NewInputLayer("", 28, 28, 1),
		layers.NewConv2D(32, 3, layers.Conv2DConfig{Activation: layers.ReLU, Padding: layers.Same}),
		layers.NewBatchNormalization(),
		layers.NewMaxPooling2D(2),
		layers.NewConv2D(64, 3, layers.Conv2DConfig{Activation: layers.ReLU, Padding: layers.Same}),
		layers.NewBatchNormalization(),
		layers.NewMaxPooling2D(2),
		layers.NewFlatten(),
		layers.NewDense(128, layers.DenseConfig{Activation: layers.ReLU}),
		layers.NewDropout(0.3),
		layers.NewDense(10, layers.DenseConfig{Activation: layers.Softmax}),
	}, nn.WithSeed(seed))
}

// scale divides the pixels by 255 in place.
func scale(x *tensor.Dense) {
	for i, v := range x.Data().([]float32) {
		x.Data().([]float32)[i] = v / 255
	}
}

func run(ctx context.Context, dir string, epochs, batch int, seed uint64, limit int) error {
	xTrain, yTrain, xTest, yTest, err := data.LoadFashionMNIST(dir)
	if err != nil {
		return err
	}
	scale(xTrain)
	scale(xTest)
	const validation = 6000
	n := xTrain.Shape()[0]
	xFit, yFit, err := data.Split(xTrain, yTrain, 0, n-validation)
	if err != nil {
		return err
	}
	xVal, yVal, err := data.Split(xTrain, yTrain, n-validation, n)
	if err != nil {
		return err
	}
	if limit > 0 && limit < n-validation {
		if xFit, yFit, err = data.Split(xFit, yFit, 0, limit); err != nil {
			return err
		}
	}
	train, err := data.NewArrayDataset(xFit, yFit, data.ArrayConfig{BatchSize: batch, Shuffle: true, Seed: seed})
	if err != nil {
		return err
	}
	val, err := data.NewArrayDataset(xVal, yVal, data.ArrayConfig{BatchSize: batch})
	if err != nil {
		return err
	}
	test, err := data.NewArrayDataset(xTest, yTest, data.ArrayConfig{BatchSize: batch})
	if err != nil {
		return err
	}

	m, err := model(seed)
	if err != nil {
		return err
	}
	fmt.Print(m.Summary())
	opt, err := optim.NewSGD(optim.SGDConfig{LearningRate: 0.01, Momentum: 0.9})
	if err != nil {
		return err
	}
	if err := m.Compile(opt, nn.SparseCategoricalCrossentropy{}, &nn.Accuracy{}); err != nil {
		return err
	}
	timer := &epochTimer{}
	start := time.Now()
	if _, err := m.Fit(ctx, train, nn.FitConfig{Epochs: epochs, Validation: val, Callbacks: []nn.Callback{timer}}); err != nil {
		return err
	}
	fmt.Printf("training: %.1f s in all, %.1f s per epoch (%v)\n", time.Since(start).Seconds(), timer.mean(), timer.seconds)
	logs, err := m.Evaluate(ctx, test, nn.EvaluateConfig{Verbose: nn.Silent})
	if err != nil {
		return err
	}
	acc, _ := logs.Get("accuracy")
	loss, _ := logs.Get("loss")
	fmt.Printf("test loss: %.4f - test accuracy: %.4f\n", loss, acc)
	return nil
}

// epochTimer records the seconds each epoch takes, validation included.
type epochTimer struct {
	nn.CallbackBase
	start   time.Time
	seconds []float64
}

func (e *epochTimer) OnEpochBegin(t *nn.Training, epoch int) error {
	e.start = time.Now()
	return nil
}

func (e *epochTimer) OnEpochEnd(t *nn.Training, epoch int, logs *nn.Logs) error {
	e.seconds = append(e.seconds, float64(time.Since(e.start).Round(100*time.Millisecond).Seconds()))
	return nil
}

func (e *epochTimer) mean() float64 {
	s := 0.0
	for _, v := range e.seconds {
		s += v
	}
	return s / float64(max(len(e.seconds), 1))
}
