package callbacks_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/gotl/callbacks"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/optim"
)

func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error, want %q", want)
	} else if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\nwant it to contain %q", err, want)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func training(t *testing.T, keys ...string) (*nn.Training, *bytes.Buffer) {
	var out bytes.Buffer
	return &nn.Training{Model: model(t, 0.001), Epochs: 10, Steps: 2, Out: &out, LogKeys: keys}, &out
}

func epochLogs(kv ...any) *nn.Logs {
	l := nn.NewLogs()
	for i := 0; i < len(kv); i += 2 {
		l.Set(kv[i].(string), kv[i+1].(float64))
	}
	return l
}

func TestConfigErrors(t *testing.T) {
	_, err := callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Patience: -1})
	wantError(t, err, "callbacks: EarlyStopping: Patience must be >= 0, got -1")
	_, err = callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{MinDelta: -0.1})
	wantError(t, err, "callbacks: EarlyStopping: MinDelta must be a finite number >= 0, got -0.1")
	_, err = callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Mode: 7})
	wantError(t, err, "callbacks: EarlyStopping: Mode must be ModeAuto, ModeMin or ModeMax, got Mode(7)")
	_, err = callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{RestoreAtEnd: true})
	wantError(t, err, "callbacks: EarlyStopping: RestoreAtEnd needs RestoreBestWeights")
	nan := math.NaN()
	_, err = callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Baseline: &nan})
	wantError(t, err, "callbacks: EarlyStopping: Baseline is NaN")
	_, err = callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{Factor: 1})
	wantError(t, err, "callbacks: ReduceLROnPlateau: Factor must be in [0, 1), got 1")
	_, err = callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{Cooldown: -1, MinLR: -1, Patience: -2})
	wantError(t, err, "callbacks: ReduceLROnPlateau: Patience must be >= 0, got -2\ncallbacks: ReduceLROnPlateau: Cooldown must be >= 0, got -1\ncallbacks: ReduceLROnPlateau: MinLR must be a finite number >= 0, got -1")
	_, err = callbacks.NewModelCheckpoint("ckpt-{epoch}.h5", callbacks.ModelCheckpointConfig{})
	wantError(t, err, `callbacks: ModelCheckpoint: filepath "ckpt-{epoch}.h5": a checkpoint is one .npz file, so the name must end in ".npz" (or set SaveWeightsOnly)`)
	_, err = callbacks.NewModelCheckpoint("ckpt-{epoch", callbacks.ModelCheckpointConfig{})
	wantError(t, err, `callbacks: ModelCheckpoint: filepath "ckpt-{epoch": '{' at offset 5 is not closed`)
	_, err = callbacks.NewModelCheckpoint("w.npz", callbacks.ModelCheckpointConfig{SaveFreq: -1})
	wantError(t, err, "callbacks: ModelCheckpoint: SaveFreq must be >= 0 (0: every epoch), got -1")
	_, err = callbacks.NewLearningRateScheduler(nil, false)
	wantError(t, err, "callbacks: LearningRateScheduler: nil schedule")
	_, err = callbacks.NewCSVLogger("", callbacks.CSVLoggerConfig{})
	wantError(t, err, "callbacks: CSVLogger: empty filename")
	_, err = callbacks.NewCSVLogger("x.csv", callbacks.CSVLoggerConfig{Separator: '"'})
	wantError(t, err, `callbacks: CSVLogger: Separator '"' cannot separate CSV fields`)
}

// TestMonitorMissing: a monitor the logs will not have is an error at the start of Fit that
// lists the keys there are (Keras only warns and never acts).
func TestMonitorMissing(t *testing.T) {
	tr, _ := training(t, "loss", "accuracy", "val_loss", "val_accuracy")
	es := must(callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Monitor: "val_acc"}))
	wantError(t, es.OnTrainBegin(tr), `callbacks: EarlyStopping: Monitor "val_acc" is not among the logs' keys: loss, accuracy, val_loss, val_accuracy`)

	noVal, _ := training(t, "loss", "accuracy")
	rl := must(callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{}))
	wantError(t, rl.OnTrainBegin(noVal), `callbacks: ReduceLROnPlateau: Monitor "val_loss" is not among the logs' keys: loss, accuracy (Fit has no Validation data, so no val_ keys)`)

	mc := must(callbacks.NewModelCheckpoint("w.npz", callbacks.ModelCheckpointConfig{SaveBestOnly: true, Monitor: "val_accuracy"}))
	wantError(t, mc.OnTrainBegin(noVal), `callbacks: ModelCheckpoint: Monitor "val_accuracy" is not among the logs' keys`)
	// Without SaveBestOnly the monitor is not used, so not checked.
	mc = must(callbacks.NewModelCheckpoint("w.npz", callbacks.ModelCheckpointConfig{}))
	if err := mc.OnTrainBegin(noVal); err != nil {
		t.Error(err)
	}
	// With SaveFreq the monitor and the file name use the batch logs: no val_ keys there.
	mc = must(callbacks.NewModelCheckpoint("w-{batch}-{val_loss}.npz", callbacks.ModelCheckpointConfig{SaveFreq: 5}))
	wantError(t, mc.OnTrainBegin(tr), `callbacks: ModelCheckpoint: filepath "w-{batch}-{val_loss}.npz" field "val_loss" is not among the logs' keys: epoch, batch, loss`)
	mc = must(callbacks.NewModelCheckpoint("w-{epoch:02d}-{val_los:.2f}.npz", callbacks.ModelCheckpointConfig{}))
	wantError(t, mc.OnTrainBegin(tr), `callbacks: ModelCheckpoint: filepath "w-{epoch:02d}-{val_los:.2f}.npz" field "val_los" is not among the logs' keys: epoch, loss, accuracy, val_loss, val_accuracy`)
}

// TestLRKey: ReduceLROnPlateau and LearningRateScheduler add "lr" to the keys when training
// begins, so a callback after them may use it, and one before them may not.
func TestLRKey(t *testing.T) {
	tr, _ := training(t, "loss", "val_loss")
	mc := must(callbacks.NewModelCheckpoint("w-{lr}.npz", callbacks.ModelCheckpointConfig{}))
	wantError(t, mc.OnTrainBegin(tr), `field "lr" is not among the logs' keys: epoch, loss, val_loss`)
	rl := must(callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{}))
	if err := rl.OnTrainBegin(tr); err != nil {
		t.Fatal(err)
	}
	if err := mc.OnTrainBegin(tr); err != nil {
		t.Errorf("after ReduceLROnPlateau: %v", err)
	}
	ls := must(callbacks.NewLearningRateScheduler(func(int, float64) float64 { return 0.1 }, false))
	if err := ls.OnTrainBegin(tr); err != nil || strings.Count(strings.Join(tr.LogKeys, ","), "lr") != 1 {
		t.Errorf("keys %v, %v", tr.LogKeys, err)
	}
}

func TestScheduledOptimizerRefused(t *testing.T) {
	tr, _ := training(t, "loss", "val_loss")
	opt := must(optim.NewAdam(optim.AdamConfig{Schedule: optim.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 10}}))
	if err := tr.Model.Compile(opt, nn.MeanSquaredError{}); err != nil {
		t.Fatal(err)
	}
	rl := must(callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{}))
	wantError(t, rl.OnTrainBegin(tr), "callbacks: ReduceLROnPlateau: the optimizer's learning rate follows a schedule; a callback that sets the rate needs a constant one")
	ls := must(callbacks.NewLearningRateScheduler(func(int, float64) float64 { return 0.1 }, false))
	wantError(t, ls.OnTrainBegin(tr), "callbacks: LearningRateScheduler: the optimizer's learning rate follows a schedule")
}

func TestLearningRateSchedulerBadRate(t *testing.T) {
	tr, _ := training(t, "loss")
	ls := must(callbacks.NewLearningRateScheduler(func(e int, lr float64) float64 { return lr - 1 }, false))
	wantError(t, ls.OnEpochBegin(tr, 2), "callbacks: LearningRateScheduler: the schedule gave -0.9989999999525025 for epoch 2; a learning rate must be a finite number >= 0")
}

// TestRestoreAtEnd: Keras restores the best weights only when EarlyStopping stops training;
// RestoreAtEnd also restores them when the epochs run out.
func TestRestoreAtEnd(t *testing.T) {
	for _, atEnd := range []bool{false, true} {
		tr, out := training(t, "loss", "val_loss")
		es := must(callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Patience: 5, RestoreBestWeights: true, RestoreAtEnd: atEnd, Verbose: true}))
		if err := es.OnTrainBegin(tr); err != nil {
			t.Fatal(err)
		}
		for epoch, v := range []float64{1.0, 0.8, 0.9} {
			setWeights(t, tr.Model, float32(epoch))
			if err := es.OnEpochEnd(tr, epoch, epochLogs("loss", 1.0, "val_loss", v)); err != nil {
				t.Fatal(err)
			}
		}
		if err := es.OnTrainEnd(tr); err != nil {
			t.Fatal(err)
		}
		wantMark, wantOut := float32(2), ""
		if atEnd {
			wantMark, wantOut = 1, "Restoring model weights from the end of the best epoch: 2.\n"
		}
		if got := weightsMark(tr.Model); got != wantMark || out.String() != wantOut {
			t.Errorf("RestoreAtEnd %v: weights of epoch %v, printed %q; want %v, %q", atEnd, got, out.String(), wantMark, wantOut)
		}
	}
}

// TestSaveFreq follows Keras's batch counting across epochs: with 3 batches an epoch and
// SaveFreq 2, saves come after batches 2 and 4 (0-based 1, then 0 of the next epoch), ...
func TestSaveFreq(t *testing.T) {
	t.Chdir(t.TempDir())
	tr, out := training(t, "loss", "val_loss")
	mc := must(callbacks.NewModelCheckpoint("w-{epoch}-{batch}-{loss:.1f}.npz", callbacks.ModelCheckpointConfig{SaveFreq: 2, SaveWeightsOnly: true, Verbose: true}))
	if err := mc.OnTrainBegin(tr); err != nil {
		t.Fatal(err)
	}
	for epoch := range 2 {
		mc.OnEpochBegin(tr, epoch)
		for batch := range 3 {
			if err := mc.OnBatchEnd(tr, batch, epochLogs("loss", float64(batch))); err != nil {
				t.Fatal(err)
			}
		}
		if err := mc.OnEpochEnd(tr, epoch, epochLogs("loss", 1.0, "val_loss", 1.0)); err != nil {
			t.Fatal(err)
		}
	}
	names, _ := filepath.Glob("w-*.npz")
	if got := strings.Join(names, " "); got != "w-1-2-1.0.npz w-2-1-0.0.npz w-2-3-2.0.npz" {
		t.Errorf("saved %s", got)
	}
	if !strings.HasPrefix(out.String(), "\nEpoch 1: saving model to w-1-2-1.0.npz\n") {
		t.Errorf("printed %q", out.String())
	}
}

// TestStateRoundTrip: a callback's state moved to a fresh callback mid-run gives the same
// decisions as an uninterrupted run (EarlyStopping with its best weights, ReduceLROnPlateau
// and ModelCheckpoint).
func TestStateRoundTrip(t *testing.T) {
	values := []float64{1.0, 0.7, 0.8, 0.75, 0.65, 0.9, 0.95, 0.6, 0.65, 0.66, 0.7}
	makeAll := func() []nn.StatefulCallback {
		return []nn.StatefulCallback{
			must(callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Patience: 3, RestoreBestWeights: true, Verbose: true})),
			must(callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{Patience: 1, Cooldown: 1, Verbose: true})),
			must(callbacks.NewModelCheckpoint("best.npz", callbacks.ModelCheckpointConfig{SaveBestOnly: true, SaveWeightsOnly: true, Verbose: true})),
		}
	}
	run := func(cbs []nn.StatefulCallback, tr *nn.Training, from, to int) {
		for epoch := from; epoch < to && !tr.StopTraining; epoch++ {
			setWeights(t, tr.Model, float32(epoch))
			logs := epochLogs("loss", 1.0, "val_loss", values[epoch])
			for _, cb := range cbs {
				if err := cb.OnEpochEnd(tr, epoch, logs); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, cb := range cbs {
			cb.OnTrainEnd(tr)
		}
	}
	begin := func(cbs []nn.StatefulCallback) (*nn.Training, *bytes.Buffer) {
		tr, out := training(t, "loss", "val_loss")
		for _, cb := range cbs {
			if err := cb.OnTrainBegin(tr); err != nil {
				t.Fatal(err)
			}
		}
		return tr, out
	}
	t.Chdir(t.TempDir())
	whole := makeAll()
	trWhole, outWhole := begin(whole)
	run(whole, trWhole, 0, len(values))

	first := makeAll()
	trFirst, outFirst := begin(first)
	run(first, trFirst, 0, 4)
	second := makeAll()
	trSecond, outSecond := begin(second)
	trSecond.Model.Optimizer().SetLearningRate(trFirst.Model.Optimizer().LearningRate())
	for i, cb := range second {
		if err := cb.SetState(trSecond, first[i].State()); err != nil {
			t.Fatal(err)
		}
	}
	run(second, trSecond, 4, len(values))

	if got, want := outFirst.String()+outSecond.String(), outWhole.String(); got != want {
		t.Errorf("resumed printed:\n%s\nuninterrupted printed:\n%s", got, want)
	}
	if got, want := weightsMark(trSecond.Model), weightsMark(trWhole.Model); got != want {
		t.Errorf("resumed ends with the weights of epoch %v, uninterrupted of %v", got, want)
	}
	if !strings.Contains(outWhole.String(), "Restoring model weights from the end of the best epoch: 8.") {
		t.Errorf("the scenario should restore: %s", outWhole.String())
	}
	for i := range whole {
		if got, want := second[i].State().Numbers, whole[i].State().Numbers; !equalNumbers(got, want) {
			t.Errorf("%s: resumed state %v, uninterrupted %v", whole[i].StateName(), got, want)
		}
	}
	// A state whose best weights do not fit the model is an error.
	bad := first[0].State()
	for k, a := range bad.Arrays {
		a.Shape = []int{1}
		bad.Arrays[k] = a
		break
	}
	wantError(t, second[0].SetState(trSecond, bad), "callbacks: EarlyStopping: the state's best weights lack")
	wantError(t, second[1].SetState(trSecond, nn.CallbackState{}), `callbacks: ReduceLROnPlateau: state without "best"`)
	if _, err := os.Stat("best.npz"); err != nil {
		t.Error(err)
	}
}

func equalNumbers(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !(v == w || math.IsNaN(v) && math.IsNaN(w)) {
			return false
		}
	}
	return true
}

// TestCSVLoggerAppend: Append keeps the file's lines and writes no second header.
func TestCSVLoggerAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.csv")
	for i, appendMode := range []bool{false, true} {
		c := must(callbacks.NewCSVLogger(path, callbacks.CSVLoggerConfig{Append: appendMode, Separator: ';'}))
		tr, _ := training(t)
		if err := c.OnTrainBegin(tr); err != nil {
			t.Fatal(err)
		}
		if err := c.OnEpochEnd(tr, i, epochLogs("loss", 0.5, "lr", 0.001)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(path)
	if want := "epoch;loss;lr\r\n0;0.5;0.001\r\n1;0.5;0.001\r\n"; string(got) != want {
		t.Errorf("file %q, want %q", got, want)
	}
}
