// Command resnet101 times gotl on keras.applications' ResNet101 with the top (224×224×3,
// 1000 classes, Keras's initializers): inference (Predict) or one training step
// (TrainOnBatch: forward, backward and an update by SGD with momentum 0.9, or Adam with
// Keras's defaults, learning rate 1e-3 and ε 1e-7; sparse categorical cross-entropy on
// random labels) at a batch size, for at least -seconds after -warmup untimed steps, and
// prints the images per second and the process's peak resident memory (VmHWM).
// bench/resnet101.sh runs it beside PyTorch (SGD); bench/run.sh's training row uses Adam.
//
//	go run ./bench/resnet101 -mode infer -batch 8 -seconds 10
//	go run ./bench/resnet101 -mode train -optimizer adam -batch 8 -seconds 20
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
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
	optimizer := flag.String("optimizer", "sgd", "training: sgd (momentum 0.9, learning rate 0.01) or adam (Keras's defaults)")
	flag.Parse()
	if err := bench(*mode, *optimizer, *batch, *seconds, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "resnet101:", err)
		os.Exit(1)
	}
}

func bench(mode, optimizer string, batch int, seconds float64, warmup int) error {
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
		var opt nn.Optimizer
		switch optimizer {
		case "sgd":
			opt, err = optim.NewSGD(optim.SGDConfig{LearningRate: 0.01, Momentum: 0.9})
		case "adam":
			opt, err = optim.NewAdam(optim.AdamConfig{})
		default:
			err = fmt.Errorf("unknown -optimizer %q (sgd or adam)", optimizer)
		}
		if err != nil {
			return err
		}
		if err := m.Compile(opt, nn.SparseCategoricalCrossentropy{}); err != nil {
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
	peak, err := peakResident()
	if err != nil {
		return err
	}
	fmt.Printf("%.4f img/s (%d steps of %d in %.2f s), peak RSS %d MiB\n", float64(steps*batch)/elapsed, steps, batch, elapsed, peak>>20)
	return nil
}

// peakResident is the process's peak resident set size in bytes (VmHWM of
// /proc/self/status).
func peakResident() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			var kib int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kib); err != nil {
				return 0, fmt.Errorf("VmHWM %q: %w", rest, err)
			}
			return kib << 10, nil
		}
	}
	if err := s.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}
