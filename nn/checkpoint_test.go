package nn_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/org/gotl/callbacks"
	"github.com/org/gotl/data"
	"github.com/org/gotl/internal/npy"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/optim"
)

// ringData returns n 2-D points on three noisy rings, with their class indices.
func ringData(n int, seed uint64) (*tensor.Dense, *tensor.Dense) {
	rng := rand.New(rand.NewPCG(seed, 11))
	x := make([]float32, 2*n)
	y := make([]float32, n)
	for i := range n {
		c := i % 3
		r := 0.5 + float64(c) + 0.3*rng.NormFloat64()
		a := 2 * math.Pi * rng.Float64()
		x[2*i], x[2*i+1] = float32(r*math.Cos(a)), float32(r*math.Sin(a))
		y[i] = float32(c)
	}
	return tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(x)), tensor.New(tensor.WithShape(n), tensor.WithBacking(y))
}

// ringModel is a small classifier with everything that carries state through training:
// batch normalization, dropout, and Adam's slots.
func ringModel(t *testing.T) *nn.Model {
	t.Helper()
	m, err := nn.NewSequential([]nn.Layer{
		nn.NewInputLayer("", 2),
		layers.NewDense(16, layers.DenseConfig{Activation: layers.ReLU}),
		layers.NewBatchNormalization(),
		layers.NewDropout(0.3),
		layers.NewDense(3, layers.DenseConfig{Activation: layers.Softmax}),
	}, nn.WithSeed(4))
	if err != nil {
		t.Fatal(err)
	}
	opt, err := optim.NewAdam(optim.AdamConfig{LearningRate: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(opt, nn.SparseCategoricalCrossentropy{}, &nn.Accuracy{}); err != nil {
		t.Fatal(err)
	}
	return m
}

// ringDatasets returns the training and validation datasets. The validation labels are
// wrong on purpose (each class shifted to the next), so the validation loss is lowest at
// the first epoch and grows as the model learns: EarlyStopping's best weights then stay
// those of epoch 1 and ReduceLROnPlateau halves the rate after every epoch, decisions that
// depend on the whole history, not on the epochs after a resume.
func ringDatasets(t *testing.T) (train, val nn.Dataset) {
	t.Helper()
	x, y := ringData(300, 1)
	tr, err := data.NewArrayDataset(x, y, data.ArrayConfig{BatchSize: 32, Shuffle: true, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	vx, vy := ringData(90, 2)
	for i, c := range vy.Data().([]float32) {
		vy.Data().([]float32)[i] = float32((int(c) + 1) % 3)
	}
	va, err := data.NewArrayDataset(vx, vy, data.ArrayConfig{BatchSize: 45})
	if err != nil {
		t.Fatal(err)
	}
	return tr, va
}

// ringCallbacks are callbacks whose state matters for an exact resume: a learning rate
// that drops on plateaus (patience 1, so it does within a few epochs) and early stopping
// that keeps the best weights. ckpt is ModelCheckpoint's file name template.
func ringCallbacks(t *testing.T, ckpt string, saveFreq int) []nn.Callback {
	t.Helper()
	rl, err := callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{Patience: 1, Factor: 0.5, MinDelta: nn.Zero})
	if err != nil {
		t.Fatal(err)
	}
	es, err := callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Patience: 20, RestoreBestWeights: true, RestoreAtEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	mc, err := callbacks.NewModelCheckpoint(ckpt, callbacks.ModelCheckpointConfig{SaveFreq: saveFreq})
	if err != nil {
		t.Fatal(err)
	}
	return []nn.Callback{rl, es, mc}
}

func allWeights(m *nn.Model) []float32 {
	var all []float32
	for _, v := range m.Variables() {
		all = append(all, v.Read()...)
	}
	return all
}

// TestResumeExact trains 6 epochs with a checkpoint after each, then resumes a fresh model
// (new optimizer, new callbacks) from the checkpoint of epoch 3: the logs of the last epochs,
// the learning rate, the last checkpoint (weights, slots, callbacks' state) and the final
// weights (those of epoch 1, which EarlyStopping restores from its saved state) are the
// uninterrupted run's, bit for bit.
func TestResumeExact(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt-{epoch:02d}.npz")
	train, val := ringDatasets(t)
	whole := ringModel(t)
	wholeCallbacks := ringCallbacks(t, ckpt, 0)
	hWhole, err := whole.Fit(context.Background(), train, nn.FitConfig{Epochs: 6, Validation: val, Callbacks: wholeCallbacks, Verbose: nn.Silent})
	if err != nil {
		t.Fatal(err)
	}
	if lr := hWhole.History["lr"]; len(lr) != 6 || lr[5] != lr[0]/16 {
		t.Fatalf("the learning rate should halve after every epoch: %v (val_loss %v)", lr, hWhole.History["val_loss"])
	}
	esWhole := wholeCallbacks[1].(*callbacks.EarlyStopping)
	if esWhole.BestEpoch() != 0 {
		t.Fatalf("the best epoch should be the first: %d (val_loss %v)", esWhole.BestEpoch(), hWhole.History["val_loss"])
	}

	info, err := nn.ReadCheckpointInfo(filepath.Join(dir, "ckpt-03.npz"))
	if err != nil {
		t.Fatal(err)
	}
	steps := int64(train.Len())
	if info.Epoch != 3 || info.Step != 0 || info.Iterations != 3*steps || info.LearningRate != hWhole.History["lr"][3] {
		t.Errorf("checkpoint 3: %+v; want epoch 3, step 0, %d iterations, learning rate %v", info, 3*steps, hWhole.History["lr"][3])
	}

	train2, val2 := ringDatasets(t)
	resumed := ringModel(t)
	var out bytes.Buffer
	hResumed, err := resumed.Fit(context.Background(), train2, nn.FitConfig{Epochs: 6, Validation: val2, Callbacks: ringCallbacks(t, filepath.Join(dir, "again-{epoch:02d}.npz"), 0),
		Resume: filepath.Join(dir, "ckpt-03.npz"), Output: &out, Verbose: nn.LinePerEpoch})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(allWeights(resumed), allWeights(whole)) {
		t.Error("the resumed run ends with other weights than the uninterrupted one")
	}
	if !slices.Equal(hResumed.Epoch, []int{3, 4, 5}) {
		t.Errorf("resumed epochs %v, want [3 4 5]", hResumed.Epoch)
	}
	for _, k := range []string{"loss", "accuracy", "val_loss", "val_accuracy", "lr"} {
		if got, want := hResumed.History[k], hWhole.History[k][3:]; !slices.Equal(got, want) {
			t.Errorf("resumed %s %v, uninterrupted %v", k, got, want)
		}
	}
	if !strings.HasPrefix(out.String(), "Epoch 4/6\n") {
		t.Errorf("the resumed run should start at epoch 4: %q", out.String())
	}
	if resumed.Optimizer().Iterations() != whole.Optimizer().Iterations() || resumed.Optimizer().LearningRate() != whole.Optimizer().LearningRate() {
		t.Errorf("optimizer: %d iterations at %v, uninterrupted %d at %v", resumed.Optimizer().Iterations(), resumed.Optimizer().LearningRate(), whole.Optimizer().Iterations(), whole.Optimizer().LearningRate())
	}
	// The checkpoint of the resumed run's last epoch equals the uninterrupted run's.
	a, _ := os.ReadFile(filepath.Join(dir, "ckpt-06.npz"))
	b, _ := os.ReadFile(filepath.Join(dir, "again-06.npz"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("the last checkpoints of the two runs differ")
	}
}

// TestResumeMidEpoch resumes from checkpoints written every 4 batches, inside epochs.
func TestResumeMidEpoch(t *testing.T) {
	dir := t.TempDir()
	train, _ := ringDatasets(t)
	whole := ringModel(t)
	cbs := ringCallbacks(t, filepath.Join(dir, "b-{epoch}-{batch:02d}.npz"), 4)[2:]
	if _, err := whole.Fit(context.Background(), train, nn.FitConfig{Epochs: 3, Callbacks: cbs, Verbose: nn.Silent}); err != nil {
		t.Fatal(err)
	}
	// 10 batches an epoch: saves after batches 4 and 8 of epoch 1, 2, 6 and 10 of epoch 2
	// (the last written after the epoch ends), ...
	for _, c := range []struct {
		name        string
		epoch, step int
	}{{"b-1-04.npz", 0, 4}, {"b-2-02.npz", 1, 2}, {"b-2-10.npz", 2, 0}, {"b-3-08.npz", 2, 8}} {
		info, err := nn.ReadCheckpointInfo(filepath.Join(dir, c.name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Epoch != c.epoch || info.Step != c.step {
			t.Errorf("%s: epoch %d step %d, want %d and %d", c.name, info.Epoch, info.Step, c.epoch, c.step)
		}
	}
	for _, name := range []string{"b-1-04.npz", "b-2-02.npz"} {
		train2, _ := ringDatasets(t)
		resumed := ringModel(t)
		cbs := ringCallbacks(t, filepath.Join(t.TempDir(), "c-{epoch}-{batch}.npz"), 4)[2:]
		if _, err := resumed.Fit(context.Background(), train2, nn.FitConfig{Epochs: 3, Callbacks: cbs, Verbose: nn.Silent, Resume: filepath.Join(dir, name)}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(allWeights(resumed), allWeights(whole)) {
			t.Errorf("resumed from %s: other weights than the uninterrupted run", name)
		}
	}
}

// TestCheckpointContents lists what a checkpoint holds and reads its weights with
// LoadWeights.
func TestCheckpointContents(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.npz")
	train, val := ringDatasets(t)
	m := ringModel(t)
	if _, err := m.Fit(context.Background(), train, nn.FitConfig{Epochs: 1, Validation: val, Callbacks: ringCallbacks(t, path, 0), Verbose: nn.Silent}); err != nil {
		t.Fatal(err)
	}
	z, err := npy.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := z.Keys()
	z.Close()
	for _, want := range []string{
		"dense/kernel", "batch_normalization/moving_variance",
		"optimizer/dense/kernel/m", "optimizer/dense/kernel/v", "optimizer/batch_normalization/gamma/m", "optimizer/dense_1/bias/v",
		"training/format", "training/epoch", "training/step", "training/iterations", "training/learning_rate", "training/dropout",
		"training/callbacks/early_stopping/best", "training/callbacks/early_stopping/wait",
		"training/callbacks/reduce_lr_on_plateau/cooldown", "training/callbacks/model_checkpoint/best",
		"training/callback_arrays/early_stopping/best_weights/dense/kernel",
	} {
		if !slices.Contains(keys, want) {
			t.Errorf("checkpoint lacks %s; it has %v", want, keys)
		}
	}
	if slices.Contains(keys, "optimizer/batch_normalization/moving_mean/m") {
		t.Error("moving statistics are not trained and have no slots")
	}
	other := ringModel(t)
	if err := other.LoadWeights(path); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(allWeights(other), allWeights(m)) {
		t.Error("LoadWeights of a checkpoint gives other weights")
	}
}

func TestResumeErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.npz")
	train, _ := ringDatasets(t)
	m := ringModel(t)
	if _, err := m.Fit(context.Background(), train, nn.FitConfig{Epochs: 2, Callbacks: ringCallbacks(t, path, 0)[2:], Verbose: nn.Silent}); err != nil {
		t.Fatal(err)
	}
	weights := filepath.Join(dir, "w.npz")
	if err := m.SaveWeights(weights); err != nil {
		t.Fatal(err)
	}
	fit := func(m *nn.Model, cfg nn.FitConfig) error {
		cfg.Verbose = nn.Silent
		_, err := m.Fit(context.Background(), train, cfg)
		return err
	}
	wantError(t, fit(ringModel(t), nn.FitConfig{Epochs: 4, Resume: weights}), "nn: checkpoint "+weights+": no training/format entry: this is a weights file, not a checkpoint (LoadWeights reads it)")
	wantError(t, fit(ringModel(t), nn.FitConfig{Epochs: 4, Resume: filepath.Join(dir, "none.npz")}), "nn: checkpoint: ")
	wantError(t, fit(ringModel(t), nn.FitConfig{Epochs: 4, InitialEpoch: 1, Resume: path}), "nn: Fit: InitialEpoch is 1 but checkpoint "+path+" goes on at epoch 2; leave InitialEpoch at 0 when resuming")
	wantError(t, fit(ringModel(t), nn.FitConfig{Epochs: 1, Resume: path}), "nn: Fit: checkpoint "+path+" goes on at epoch 2, beyond Epochs 1")
	// Resuming with the epoch the checkpoint ends at runs nothing, successfully.
	if err := fit(ringModel(t), nn.FitConfig{Epochs: 2, InitialEpoch: 2, Resume: path}); err != nil {
		t.Error(err)
	}

	withSGD := ringModel(t)
	sgd, _ := optim.NewSGD(optim.SGDConfig{Momentum: 0.9})
	withSGD.Compile(sgd, nn.SparseCategoricalCrossentropy{})
	wantError(t, fit(withSGD, nn.FitConfig{Epochs: 4, Resume: path}), "nn: Fit: resume from "+path+": optim: SGD: state has slot \"m\" of \"dense/kernel\"; this SGD uses [momentum]")

	plain := ringModel(t)
	plain.Compile(plainOptimizer{}, nn.SparseCategoricalCrossentropy{})
	wantError(t, fit(plain, nn.FitConfig{Epochs: 4, Resume: path}), "nn: Fit: cannot resume from "+path+": the optimizer (nn_test.plainOptimizer) cannot restore its state: it is not an nn.StatefulOptimizer")
	mc, _ := callbacks.NewModelCheckpoint(path, callbacks.ModelCheckpointConfig{})
	wantError(t, fit(plain, nn.FitConfig{Epochs: 1, Callbacks: []nn.Callback{mc}}), "nn: checkpoint \""+path+"\": the optimizer (nn_test.plainOptimizer) cannot save its state: it is not an nn.StatefulOptimizer")

	tr := &nn.Training{Model: m}
	wantError(t, tr.SaveCheckpoint(filepath.Join(dir, "c.h5")), `a checkpoint is one .npz file; the name must end in ".npz"`)

	// A damaged number entry.
	z, _ := npy.ReadNPZ(path)
	var keys []string
	var arrays []npy.Array
	for k, a := range z {
		if k == "training/epoch" {
			a.Data = []float32{0.5, 0, 0, 0}
		}
		keys, arrays = append(keys, k), append(arrays, a)
	}
	bad := filepath.Join(dir, "bad.npz")
	if err := npy.WriteNPZ(bad, keys, arrays); err != nil {
		t.Fatal(err)
	}
	wantError(t, fit(ringModel(t), nn.FitConfig{Epochs: 4, Resume: bad}), "nn: checkpoint "+bad+": entry training/epoch: value 0.5 is not a 16-bit piece of a word")
	if _, err := nn.ReadCheckpointInfo(bad); err == nil {
		t.Error("ReadCheckpointInfo reads a damaged checkpoint")
	}
}

type plainOptimizer struct{}

func (plainOptimizer) Apply([]*nn.Variable) error { return nil }
func (plainOptimizer) LearningRate() float64      { return 0.1 }
func (plainOptimizer) SetLearningRate(float64)    {}
func (plainOptimizer) Iterations() int64          { return 0 }

func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error, want %q", want)
	} else if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\nwant it to contain %q", err, want)
	}
}

// TestCheckpointAcrossFreezing is the transfer-learning workflow of KERAS.md §9.7: a
// checkpoint saved while the base is frozen loads by name after unfreezing (LoadWeights for a
// new phase, or Resume, which restores the head's optimizer slots and starts the base's at
// zero); one saved with the base unfrozen does not resume into a frozen model, whose
// optimizer would have slots for variables it does not train.
func TestCheckpointAcrossFreezing(t *testing.T) {
	build := func() (*nn.Model, *nn.Model) {
		base, err := nn.NewSequential([]nn.Layer{
			nn.NewInputLayer("", 2),
			layers.NewDense(8, layers.DenseConfig{Name: "base_dense", Activation: layers.ReLU}),
			layers.NewBatchNormalization(layers.BatchNormalizationConfig{Name: "base_bn"}),
		}, nn.WithName("base"), nn.WithSeed(3))
		if err != nil {
			t.Fatal(err)
		}
		m, err := nn.NewSequential([]nn.Layer{base, layers.NewDense(3, layers.DenseConfig{Name: "head", Activation: layers.Softmax})}, nn.WithSeed(3))
		if err != nil {
			t.Fatal(err)
		}
		return m, base
	}
	compile := func(m *nn.Model, lr float64) {
		opt, _ := optim.NewAdam(optim.AdamConfig{LearningRate: lr})
		if err := m.Compile(opt, nn.SparseCategoricalCrossentropy{}); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	frozenCkpt := filepath.Join(dir, "frozen.npz")
	train, _ := ringDatasets(t)
	m, base := build()
	base.SetTrainable(false)
	compile(m, 0.01)
	mc, _ := callbacks.NewModelCheckpoint(frozenCkpt, callbacks.ModelCheckpointConfig{})
	if _, err := m.Fit(context.Background(), train, nn.FitConfig{Epochs: 1, Callbacks: []nn.Callback{mc}, Verbose: nn.Silent}); err != nil {
		t.Fatal(err)
	}
	saved := allWeights(m)

	// Phase 2: a new model, unfrozen, with a new optimizer.
	m2, base2 := build()
	base2.SetTrainable(true)
	compile(m2, 1e-4)
	if slices.Equal(allWeights(m2), saved) {
		t.Fatal("the fresh model already has the trained weights")
	}
	if err := m2.LoadWeights(frozenCkpt); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(allWeights(m2), saved) {
		t.Error("LoadWeights after unfreezing gives other weights")
	}
	if _, err := m2.Fit(context.Background(), train, nn.FitConfig{Epochs: 3, Resume: frozenCkpt, Verbose: nn.Silent}); err != nil {
		t.Fatalf("resume after unfreezing: %v", err)
	}
	state := m2.Optimizer().(nn.StatefulOptimizer).State()
	var names []string
	for _, s := range state.Slots {
		names = append(names, s.Variable)
	}
	if !slices.Contains(names, "base_dense/kernel") || !slices.Contains(names, "head/kernel") {
		t.Errorf("after resuming unfrozen, slots for %v", names)
	}

	unfrozenCkpt := filepath.Join(dir, "unfrozen.npz")
	mc2, _ := callbacks.NewModelCheckpoint(unfrozenCkpt, callbacks.ModelCheckpointConfig{})
	if _, err := m2.Fit(context.Background(), train, nn.FitConfig{Epochs: 4, InitialEpoch: 3, Callbacks: []nn.Callback{mc2}, Verbose: nn.Silent}); err != nil {
		t.Fatal(err)
	}
	m3, base3 := build()
	base3.SetTrainable(false)
	compile(m3, 0.01)
	_, err := m3.Fit(context.Background(), train, nn.FitConfig{Epochs: 5, Resume: unfrozenCkpt, Verbose: nn.Silent})
	wantError(t, err, `optim: Adam: state has slot "m" of "base_dense/kernel", which is not a trainable variable of the model (to load only the weights, use LoadWeights)`)
	if err := m3.LoadWeights(unfrozenCkpt); err != nil {
		t.Errorf("LoadWeights of the unfrozen checkpoint into the frozen model: %v", err)
	}
}

// TestSaveCheckpointAtomic: a failed checkpoint write leaves the previous file.
func TestSaveCheckpointAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.npz")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	train, _ := ringDatasets(t)
	m := ringModel(t)
	es := &stateNamer{name: "bad name!"}
	mc, _ := callbacks.NewModelCheckpoint(path, callbacks.ModelCheckpointConfig{})
	_, err := m.Fit(context.Background(), train, nn.FitConfig{Epochs: 1, Callbacks: []nn.Callback{es, mc}, Verbose: nn.Silent})
	wantError(t, err, fmt.Sprintf("nn: checkpoint %s: callback state name %q: only letters, digits, '_', '.' and '-' are allowed", path, "bad name!"))
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("the failed write changed the file to %q", b)
	}
}

// stateNamer is a stateful callback with a given state name.
type stateNamer struct {
	nn.CallbackBase
	name string
}

func (s *stateNamer) StateName() string                                 { return s.name }
func (s *stateNamer) State() nn.CallbackState                           { return nn.CallbackState{} }
func (s *stateNamer) SetState(t *nn.Training, _ nn.CallbackState) error { return nil }
