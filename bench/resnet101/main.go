// Command resnet101 times gotl on keras.applications' ResNet101 with the top (224×224×3,
// 1000 classes, Keras's initializers): inference (Predict) or one training step
// (TrainOnBatch: forward, backward, SGD with momentum 0.9) at a batch size, for at least
// -seconds after -warmup untimed steps, and prints the images per second. bench/resnet101.sh
// runs it beside PyTorch.
//
//	go run ./bench/resnet101 -mode infer -batch 8 -seconds 10
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"gorgonia.org/tensor"

	"github.com/org/gotl/nn"
	"github.com/org/gotl/optim"
	"github.com/org/gotl/zoo"
)

func main() {
	mode := flag.String("mode", "infer", "infer or train")
	batch := flag.Int("batch", 1, "batch size")
	seconds := flag.Float64("seconds", 10, "minimum timed duration")
	warmup := flag.Int("warmup", 1, "untimed steps first")
	flag.Parse()
	if err := bench(*mode, *batch, *seconds, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "resnet101:", err)
		os.Exit(1)
	}
}

func bench(mode string, batch int, seconds float64, warmup int) error {
	m, err := zoo.ResNet101(zoo.Config{IncludeTop: true})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, batch*224*224*3)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	labels := make([]float32, batch)
	for i := range labels {
		labels[i] = float32(rng.IntN(1000))
	}
	in := tensor.New(tensor.WithShape(batch, 224, 224, 3), tensor.WithBacking(x))
	var step func() error
	switch mode {
	case "infer":
		step = func() error {
			_, err := m.Predict(context.Background(), in, batch)
			return err
		}
	case "train":
		sgd, err := optim.NewSGD(optim.SGDConfig{LearningRate: 0.01, Momentum: 0.9})
		if err != nil {
			return err
		}
		if err := m.Compile(sgd, nn.SparseCategoricalCrossentropy{}); err != nil {
			return err
		}
		b := &nn.Batch{X: []*tensor.Dense{in}, Y: tensor.New(tensor.WithShape(batch), tensor.WithBacking(labels))}
		step = func() error {
			_, err := m.TrainOnBatch(b)
			return err
		}
	default:
		return fmt.Errorf("unknown -mode %q (infer or train)", mode)
	}
	for range warmup {
		if err := step(); err != nil {
			return err
		}
	}
	steps, start := 0, time.Now()
	for steps == 0 || time.Since(start).Seconds() < seconds {
		if err := step(); err != nil {
			return err
		}
		steps++
	}
	elapsed := time.Since(start).Seconds()
	fmt.Printf("%.4f img/s (%d steps of %d in %.2f s)\n", float64(steps*batch)/elapsed, steps, batch, elapsed)
	return nil
}
