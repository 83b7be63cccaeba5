// Command trainstep times one training step of keras.applications' ResNet101 in gotl
// (224×224×3, the 1000-class top, Keras's initializers): forward, backward and an Adam
// update (Keras's defaults: learning rate 1e-3, ε 1e-7) through Model.TrainOnBatch, with
// sparse categorical cross-entropy on random labels. After -warmup untimed steps it runs
// for at least -seconds and prints the images per second and the process's peak resident
// memory (VmHWM). bench/run.sh runs it beside PyTorch's same step (bench/peers.py).
//
//	go run ./bench/trainstep -batch 8 -seconds 20
package main

import (
	"bufio"
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
	batch := flag.Int("batch", 8, "batch size")
	seconds := flag.Float64("seconds", 10, "minimum timed duration")
	warmup := flag.Int("warmup", 1, "untimed steps first")
	flag.Parse()
	if err := run(*batch, *seconds, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "trainstep:", err)
		os.Exit(1)
	}
}

func run(batch int, seconds float64, warmup int) error {
	m, err := zoo.ResNet101(zoo.Config{IncludeTop: true})
	if err != nil {
		return err
	}
	adam, err := optim.NewAdam(optim.AdamConfig{})
	if err != nil {
		return err
	}
	if err := m.Compile(adam, nn.SparseCategoricalCrossentropy{}); err != nil {
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
	b := &nn.Batch{
		X: []*tensor.Dense{tensor.New(tensor.WithShape(batch, 224, 224, 3), tensor.WithBacking(x))},
		Y: tensor.New(tensor.WithShape(batch), tensor.WithBacking(labels)),
	}
	for range warmup {
		if _, err := m.TrainOnBatch(b); err != nil {
			return err
		}
	}
	steps, start := 0, time.Now()
	for steps == 0 || time.Since(start).Seconds() < seconds {
		if _, err := m.TrainOnBatch(b); err != nil {
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
