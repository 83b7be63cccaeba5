package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/org/gotl/callbacks"
	"github.com/org/gotl/data"
	"github.com/org/gotl/nn"
)

// The child process of TestResumeNewProcess: it resumes from the checkpoint in
// $GOTL_FASHION_RESUME and writes the final weights to $GOTL_FASHION_WEIGHTS.
const (
	envResume  = "GOTL_FASHION_RESUME"
	envWeights = "GOTL_FASHION_WEIGHTS"
)

// resumeConfig is the example's recipe on a subset small enough for a test: 512 training
// and 128 validation images, 4 epochs of 8 batches.
func resumeConfig(t *testing.T, checkpoint string) config {
	if _, err := os.Stat(filepath.Join(data.DefaultFashionMNISTDir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skipf("Fashion-MNIST missing (apt-get install dataset-fashion-mnist): %v", err)
	}
	return config{
		dataDir: data.DefaultFashionMNISTDir, epochs: 4, batch: 64, seed: 0,
		limit: 512, validation: 6000, valLimit: 128,
		checkpoint: checkpoint, noTest: true, out: &bytes.Buffer{}, verbose: nn.Silent,
	}
}

// TestResumeNewProcess is the exact-resume check on the example's CNN, optimizer (Adam) and
// callbacks (ReduceLROnPlateau, ModelCheckpoint): a 4-epoch run that writes a checkpoint
// after every epoch, and a new process that resumes from the checkpoint of epoch 2 and
// trains the 2 epochs left, end with the same weights, bit for bit. (The checkpoint of
// epoch 2 is the one a 2-epoch run writes: nothing in it depends on Epochs.)
func TestResumeNewProcess(t *testing.T) {
	if from := os.Getenv(envResume); from != "" {
		resumeChild(t, from, os.Getenv(envWeights))
		return
	}
	if testing.Short() {
		t.Skip("trains the Fashion-MNIST CNN for 6 epochs on 512 images")
	}
	dir := t.TempDir()
	cfg := resumeConfig(t, filepath.Join(dir, "best.npz"))
	every, err := callbacks.NewModelCheckpoint(filepath.Join(dir, "epoch-{epoch}.npz"), callbacks.ModelCheckpointConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.callbacks = []nn.Callback{every}
	whole, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	info, err := nn.ReadCheckpointInfo(filepath.Join(dir, "epoch-2.npz"))
	if err != nil || info.Epoch != 2 || info.Step != 0 || info.Iterations != 16 {
		t.Fatalf("checkpoint of epoch 2: %+v, %v", info, err)
	}

	weights := filepath.Join(dir, "resumed.npz")
	cmd := exec.Command(os.Args[0], "-test.run=^TestResumeNewProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envResume+"="+filepath.Join(dir, "epoch-2.npz"), envWeights+"="+weights)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("resuming process: %v\n%s", err, out)
	}
	resumed, err := model(cfg.seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := resumed.LoadWeights(weights); err != nil {
		t.Fatal(err)
	}
	same, total := 0, 0
	for i, v := range resumed.Variables() {
		a, b := v.Read(), whole.model.Variables()[i].Read()
		total += len(a)
		for j := range a {
			if a[j] == b[j] {
				same++
			}
		}
	}
	if same != total {
		t.Errorf("the resumed process ends with %d of %d values different from the uninterrupted run", total-same, total)
	}
	t.Logf("%d values equal bit for bit; learning rates %v", total, whole.history.History["lr"])
}

func resumeChild(t *testing.T, from, weights string) {
	cfg := resumeConfig(t, filepath.Join(t.TempDir(), "best.npz"))
	cfg.resume = from
	r, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.history.Epoch, []int{2, 3}) {
		t.Fatalf("the resumed run ran epochs %v, want [2 3]", r.history.Epoch)
	}
	if err := r.model.SaveWeights(weights); err != nil {
		t.Fatal(err)
	}
}
