// Command fashion trains a small CNN on Fashion-MNIST, the Keras way:
//
//	Conv2D(32, 3, relu, same) → BatchNormalization → MaxPooling2D(2)
//	→ Conv2D(64, 3, relu, same) → BatchNormalization → MaxPooling2D(2)
//	→ Flatten → Dense(128, relu) → Dropout(0.3) → Dense(10, softmax)
//
// with Adam(1e-3), batch 64, 5 epochs, pixels scaled by 1/255 and the last 6,000 training
// images held out for validation. ReduceLROnPlateau halves the learning rate when the
// validation loss stalls for 2 epochs, and ModelCheckpoint keeps the checkpoint of the best
// validation accuracy (-checkpoint; by default in a temporary folder), from which -resume
// goes on exactly where it stood. It prints Keras's progress bar, the seconds per epoch and
// the accuracy on the 10,000 test images of the final model and of the best checkpoint. The
// data is Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist), or
// the idx files in -data. bench/fashion.sh runs it beside the same recipe in PyTorch.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"gorgonia.org/tensor"

	"github.com/org/gotl/callbacks"
	"github.com/org/gotl/data"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/optim"
)

// config holds the example's settings (its flags).
type config struct {
	dataDir    string
	epochs     int
	batch      int
	seed       uint64
	limit      int // train on the first limit images only (0: all 54,000)
	validation int // images held out at the end of the training set
	valLimit   int // validate on the first valLimit of them only (0: all)
	checkpoint string
	resume     string
	noTest     bool
	out        io.Writer
	verbose    nn.Verbosity
	callbacks  []nn.Callback // more callbacks, after the example's
}

func main() {
	cfg := config{validation: 6000, out: os.Stdout}
	flag.StringVar(&cfg.dataDir, "data", data.DefaultFashionMNISTDir, "directory of the Fashion-MNIST idx files")
	flag.IntVar(&cfg.epochs, "epochs", 5, "epochs")
	flag.IntVar(&cfg.batch, "batch", 64, "batch size")
	flag.Uint64Var(&cfg.seed, "seed", 0, "seed of the weights, shuffling and dropout")
	flag.IntVar(&cfg.limit, "limit", 0, "train on only the first N training images (0: all but the validation part)")
	flag.StringVar(&cfg.checkpoint, "checkpoint", "", "checkpoint file (.npz) for the best validation accuracy (default: in a temporary folder)")
	flag.StringVar(&cfg.resume, "resume", "", "checkpoint to resume training from")
	flag.Parse()
	if cfg.checkpoint == "" {
		dir, err := os.MkdirTemp("", "fashion-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "fashion:", err)
			os.Exit(1)
		}
		cfg.checkpoint = filepath.Join(dir, "best.npz")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := run(ctx, cfg); err != nil {
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
	pixels := x.Data().([]float32)
	for i, v := range pixels {
		pixels[i] = v / 255
	}
}

// datasets are the training, validation and test sets.
type datasets struct {
	train, val, test nn.Dataset
}

func loadData(cfg config) (*datasets, error) {
	xTrain, yTrain, xTest, yTest, err := data.LoadFashionMNIST(cfg.dataDir)
	if err != nil {
		return nil, err
	}
	scale(xTrain)
	scale(xTest)
	n := xTrain.Shape()[0]
	xFit, yFit, err := data.Split(xTrain, yTrain, 0, n-cfg.validation)
	if err != nil {
		return nil, err
	}
	valEnd := n
	if cfg.valLimit > 0 {
		valEnd = min(n, n-cfg.validation+cfg.valLimit)
	}
	xVal, yVal, err := data.Split(xTrain, yTrain, n-cfg.validation, valEnd)
	if err != nil {
		return nil, err
	}
	if cfg.limit > 0 && cfg.limit < n-cfg.validation {
		if xFit, yFit, err = data.Split(xFit, yFit, 0, cfg.limit); err != nil {
			return nil, err
		}
	}
	var d datasets
	if d.train, err = data.NewArrayDataset(xFit, yFit, data.ArrayConfig{BatchSize: cfg.batch, Shuffle: true, Seed: cfg.seed}); err != nil {
		return nil, err
	}
	if d.val, err = data.NewArrayDataset(xVal, yVal, data.ArrayConfig{BatchSize: cfg.batch}); err != nil {
		return nil, err
	}
	if d.test, err = data.NewArrayDataset(xTest, yTest, data.ArrayConfig{BatchSize: cfg.batch}); err != nil {
		return nil, err
	}
	return &d, nil
}

// build makes the compiled model and the example's callbacks: ReduceLROnPlateau, then
// ModelCheckpoint (after it, so that the checkpoint holds the reduced rate).
func build(cfg config) (*nn.Model, []nn.Callback, error) {
	m, err := model(cfg.seed)
	if err != nil {
		return nil, nil, err
	}
	opt, err := optim.NewAdam(optim.AdamConfig{LearningRate: 1e-3})
	if err != nil {
		return nil, nil, err
	}
	if err := m.Compile(opt, nn.SparseCategoricalCrossentropy{}, &nn.Accuracy{}); err != nil {
		return nil, nil, err
	}
	verbose := cfg.verbose != nn.Silent
	reduce, err := callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{Factor: 0.5, Patience: 2, Verbose: verbose})
	if err != nil {
		return nil, nil, err
	}
	best, err := callbacks.NewModelCheckpoint(cfg.checkpoint, callbacks.ModelCheckpointConfig{Monitor: "val_accuracy", SaveBestOnly: true, Verbose: verbose})
	if err != nil {
		return nil, nil, err
	}
	return m, append([]nn.Callback{reduce, best}, cfg.callbacks...), nil
}

// result is what a run measured.
type result struct {
	model          *nn.Model
	history        *nn.History
	epochSeconds   []float64
	testAccuracy   float64
	bestAccuracy   float64 // test accuracy of the best checkpoint
	bestValidation float64 // its validation accuracy
}

func run(ctx context.Context, cfg config) (*result, error) {
	d, err := loadData(cfg)
	if err != nil {
		return nil, err
	}
	m, cbs, err := build(cfg)
	if err != nil {
		return nil, err
	}
	out := cfg.out
	if cfg.verbose != nn.Silent {
		fmt.Fprint(out, m.Summary())
	}
	timer := &epochTimer{}
	start := time.Now()
	h, err := m.Fit(ctx, d.train, nn.FitConfig{Epochs: cfg.epochs, Validation: d.val, Callbacks: append(cbs, timer), Resume: cfg.resume, Verbose: cfg.verbose, Output: out})
	if err != nil {
		return nil, err
	}
	r := &result{model: m, history: h, epochSeconds: timer.seconds}
	if cfg.verbose != nn.Silent {
		fmt.Fprintf(out, "training: %.1f s in all, %.1f s per epoch (%v)\n", time.Since(start).Seconds(), timer.mean(), timer.seconds)
	}
	if cfg.noTest {
		return r, nil
	}
	if r.testAccuracy, err = testAccuracy(ctx, m, d.test); err != nil {
		return nil, err
	}
	best := cbs[1].(*callbacks.ModelCheckpoint).Best()
	r.bestValidation = best
	fmt.Fprintf(out, "test accuracy: %.4f (final model)\n", r.testAccuracy)
	if err := m.LoadWeights(cfg.checkpoint); err != nil {
		return nil, err
	}
	if r.bestAccuracy, err = testAccuracy(ctx, m, d.test); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "test accuracy: %.4f (best checkpoint, val_accuracy %.4f: %s)\n", r.bestAccuracy, best, cfg.checkpoint)
	return r, nil
}

func testAccuracy(ctx context.Context, m *nn.Model, test nn.Dataset) (float64, error) {
	logs, err := m.Evaluate(ctx, test, nn.EvaluateConfig{Verbose: nn.Silent})
	if err != nil {
		return 0, err
	}
	acc, _ := logs.Get("accuracy")
	return acc, nil
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
	e.seconds = append(e.seconds, time.Since(e.start).Round(100*time.Millisecond).Seconds())
	return nil
}

func (e *epochTimer) mean() float64 {
	s := 0.0
	for _, v := range e.seconds {
		s += v
	}
	return s / float64(max(len(e.seconds), 1))
}
