// Command datagen times gotl's FlowFromDirectory with the scene example's augmentation
// (rescale 1/255, width and height shift 0.1, zoom 0.1, horizontal flip, validation split 0.3,
// training subset, 224×224, batch 32) and prints one JSON line: images, seconds, images/s.
// bench/datagen.sh runs it beside Keras's ImageDataGenerator.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/org/gotl/data"
)

func main() {
	dir := flag.String("dir", "", "folder of class subfolders")
	epochs := flag.Int("epochs", 1, "epochs to time")
	workers := flag.Int("workers", 0, "worker goroutines (0: GOMAXPROCS)")
	prof := flag.String("cpuprofile", "", "write a CPU profile")
	flag.Parse()
	if *prof != "" {
		f, _ := os.Create(*prof)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*dir, *epochs, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "datagen:", err)
		os.Exit(1)
	}
}

func run(dir string, epochs, workers int) error {
	gen := &data.ImageDataGenerator{
		Rescale:          1.0 / 255,
		WidthShiftRange:  data.Shift(0.1),
		HeightShiftRange: data.Shift(0.1),
		ZoomRange:        data.Zoom(0.1),
		HorizontalFlip:   true,
		ValidationSplit:  0.3,
	}
	it, err := gen.FlowFromDirectory(dir, data.FlowConfig{
		TargetSize: [2]int{224, 224}, BatchSize: 32, Subset: data.SubsetTraining,
		Seed: 1, Workers: workers, Log: io.Discard,
	})
	if err != nil {
		return err
	}
	defer it.Close()
	ctx := context.Background()
	images := 0
	cpu0 := cpuSeconds()
	start := time.Now()
	for e := range epochs {
		it.SetEpoch(e)
		for i := range it.Len() {
			b, err := it.Batch(ctx, i)
			if err != nil {
				return err
			}
			images += b.Size()
		}
	}
	s := time.Since(start).Seconds()
	cpu := cpuSeconds() - cpu0
	return json.NewEncoder(os.Stdout).Encode(map[string]float64{
		"images": float64(images), "seconds": s, "images_per_second": float64(images) / s,
		"cpu_ms_per_image": 1000 * cpu / float64(images),
	})
}

// cpuSeconds is the process's user + system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
