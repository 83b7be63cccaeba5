package callbacks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/org/gotl/callbacks"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/optim"
)

// testdata/keras_traces.json holds what tf.keras 2.8's own callback classes decide and
// print on scripted metric histories; testdata/keras_traces.py made it (see its doc).

// number is a JSON number, or one of the strings "nan", "inf", "-inf".
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "nan":
			*n = number(math.NaN())
		case "inf":
			*n = number(math.Inf(1))
		case "-inf":
			*n = number(math.Inf(-1))
		default:
			return fmt.Errorf("not a number: %q", s)
		}
		return nil
	}
	var f float64
	err := json.Unmarshal(b, &f)
	*n = number(f)
	return err
}

type traceCase struct {
	Name        string
	Callback    string
	Args        map[string]any
	LR          *float64
	Epochs      []map[string]number
	BatchLosses map[string][]number `json:"batch_losses"`
	StopAt      *int                `json:"stop_at"`
	Results     []struct {
		Stop         bool
		LR           float64
		LogsLR       *float64 `json:"logs_lr"`
		WeightsEpoch int      `json:"weights_epoch"`
		Saved        *string
		Output       string
	}
	TrainEndOutput string `json:"train_end_output"`
	Output         string
}

type traces struct {
	Cases []json.RawMessage
	CSV   struct {
		Epochs []map[string]number
		File   string
	}
}

func loadTraces(t *testing.T) ([]traceCase, traces) {
	t.Helper()
	b, err := os.ReadFile("testdata/keras_traces.json")
	if err != nil {
		t.Fatal(err)
	}
	var tr traces
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	var cases []traceCase
	for _, raw := range tr.Cases {
		var c traceCase
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	return cases, tr
}

// model returns a small compiled model whose optimizer has learning rate lr.
func model(t *testing.T, lr float64) *nn.Model {
	t.Helper()
	m, err := nn.NewSequential([]nn.Layer{nn.NewInputLayer("", 3), layers.NewDense(2)})
	if err != nil {
		t.Fatal(err)
	}
	opt, err := optim.NewSGD(optim.SGDConfig{LearningRate: lr})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(opt, nn.MeanSquaredError{}); err != nil {
		t.Fatal(err)
	}
	return m
}

// setWeights fills every variable with v; weightsMark reads it back.
func setWeights(t *testing.T, m *nn.Model, v float32) {
	t.Helper()
	for _, x := range m.Variables() {
		values := make([]float32, x.Len())
		for i := range values {
			values[i] = v
		}
		if err := x.Assign(values); err != nil {
			t.Fatal(err)
		}
	}
}

func weightsMark(m *nn.Model) float32 { return m.Variables()[0].Read()[0] }

func arg[T any](c traceCase, name string, def T) T {
	v, ok := c.Args[name]
	if !ok || v == nil {
		return def
	}
	switch any(def).(type) {
	case int:
		return any(int(v.(float64))).(T)
	}
	return v.(T)
}

func mode(c traceCase) callbacks.Mode {
	return map[string]callbacks.Mode{"auto": callbacks.ModeAuto, "min": callbacks.ModeMin, "max": callbacks.ModeMax}[arg(c, "mode", "auto")]
}

func optionalFloat(c traceCase, name string) *float64 {
	if v, ok := c.Args[name].(float64); ok {
		return &v
	}
	return nil
}

var schedules = map[string]func(int, float64) float64{
	"halve_from_2": func(epoch int, lr float64) float64 {
		if epoch >= 2 {
			return lr * 0.5
		}
		return lr
	},
	"table": func(epoch int, lr float64) float64 { return []float64{0.1, 0.05, 0.01, 1e-05, 0.002}[epoch] },
}

// newCallback builds the gotl callback for a case's Keras arguments.
func newCallback(t *testing.T, c traceCase) nn.Callback {
	t.Helper()
	var cb nn.Callback
	var err error
	switch c.Callback {
	case "EarlyStopping":
		cb, err = callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{
			Monitor:            arg(c, "monitor", ""),
			MinDelta:           arg(c, "min_delta", 0.0),
			Patience:           arg(c, "patience", 0),
			Verbose:            arg(c, "verbose", 0.0) > 0,
			Mode:               mode(c),
			Baseline:           optionalFloat(c, "baseline"),
			RestoreBestWeights: arg(c, "restore_best_weights", false),
		})
	case "ReduceLROnPlateau":
		minDelta := arg(c, "min_delta", 0.0)
		if _, ok := c.Args["min_delta"]; ok && minDelta == 0 {
			minDelta = nn.Zero
		}
		cb, err = callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{
			Monitor:  arg(c, "monitor", ""),
			Factor:   arg(c, "factor", 0.0),
			Patience: arg(c, "patience", 0),
			Verbose:  arg(c, "verbose", 0.0) > 0,
			Mode:     mode(c),
			MinDelta: minDelta,
			Cooldown: arg(c, "cooldown", 0),
			MinLR:    arg(c, "min_lr", 0.0),
		})
	case "ModelCheckpoint":
		cb, err = callbacks.NewModelCheckpoint(arg(c, "filepath", ""), callbacks.ModelCheckpointConfig{
			Monitor:               arg(c, "monitor", ""),
			Verbose:               arg(c, "verbose", 0.0) > 0,
			SaveBestOnly:          arg(c, "save_best_only", false),
			SaveWeightsOnly:       arg(c, "save_weights_only", false),
			Mode:                  mode(c),
			InitialValueThreshold: optionalFloat(c, "initial_value_threshold"),
		})
	case "LearningRateScheduler":
		cb, err = callbacks.NewLearningRateScheduler(schedules[arg(c, "schedule", "")], arg(c, "verbose", 0.0) > 0)
	case "TerminateOnNaN":
		cb = &callbacks.TerminateOnNaN{}
	default:
		t.Fatalf("no callback %q", c.Callback)
	}
	if err != nil {
		t.Fatal(err)
	}
	return cb
}

// TestKerasTraces drives each callback through the epochs of a case as Fit does and
// compares every decision and every message with tf.keras 2.8's.
func TestKerasTraces(t *testing.T) {
	cases, _ := loadTraces(t)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			lr := 0.001
			if c.LR != nil {
				lr = *c.LR
			}
			m := model(t, lr)
			var out bytes.Buffer
			keys := []string{}
			for _, logs := range c.Epochs {
				for k := range logs {
					if !slices.Contains(keys, k) {
						keys = append(keys, k)
					}
				}
			}
			sort.Strings(keys)
			tr := &nn.Training{Model: m, Epochs: len(c.Epochs), Steps: 2, Out: &out, LogKeys: keys}
			cb := newCallback(t, c)
			if err := cb.OnTrainBegin(tr); err != nil {
				t.Fatal(err)
			}
			for epoch, logs := range c.Epochs {
				if epoch >= len(c.Results) {
					t.Fatalf("epoch %d runs; Keras stopped after epoch %d", epoch, len(c.Results)-1)
				}
				want := c.Results[epoch]
				before := out.Len()
				if err := cb.OnEpochBegin(tr, epoch); err != nil {
					t.Fatal(err)
				}
				for batch, loss := range c.BatchLosses[fmt.Sprint(epoch)] {
					l := nn.NewLogs()
					l.Set("loss", float64(loss))
					if err := cb.OnBatchEnd(tr, batch, l); err != nil {
						t.Fatal(err)
					}
					if tr.StopTraining {
						break
					}
				}
				setWeights(t, m, float32(epoch))
				l := nn.NewLogs()
				for _, k := range sortedKeys(logs) {
					l.Set(k, float64(logs[k]))
				}
				if c.StopAt != nil && *c.StopAt == epoch {
					tr.StopTraining = true
				}
				if err := cb.OnEpochEnd(tr, epoch, l); err != nil {
					t.Fatal(err)
				}
				if got := out.String()[before:]; got != want.Output {
					t.Errorf("epoch %d printed %q\nKeras printed    %q", epoch, got, want.Output)
				}
				if tr.StopTraining != want.Stop {
					t.Errorf("epoch %d: stop training %v, Keras %v", epoch, tr.StopTraining, want.Stop)
				}
				if got := m.Optimizer().LearningRate(); got != want.LR {
					t.Errorf("epoch %d: learning rate %.20g, Keras %.20g", epoch, got, want.LR)
				}
				gotLR, ok := l.Get("lr")
				if ok != (want.LogsLR != nil) || ok && gotLR != *want.LogsLR {
					t.Errorf("epoch %d: logs lr %v (present %v), Keras %v", epoch, gotLR, ok, want.LogsLR)
				}
				if got := weightsMark(m); got != float32(want.WeightsEpoch) {
					t.Errorf("epoch %d: weights of epoch %v, Keras %v", epoch, got, want.WeightsEpoch)
				}
				saved := savedFiles(t)
				switch {
				case want.Saved == nil && len(saved) > 0:
					t.Errorf("epoch %d: saved %v, Keras saved nothing", epoch, saved)
				case want.Saved != nil && !slices.Equal(saved, []string{*want.Saved}):
					t.Errorf("epoch %d: saved %v, Keras saved %q", epoch, saved, *want.Saved)
				}
				if tr.StopTraining {
					break
				}
			}
			before := out.Len()
			if err := cb.OnTrainEnd(tr); err != nil {
				t.Fatal(err)
			}
			if got := out.String()[before:]; got != c.TrainEndOutput {
				t.Errorf("train end printed %q\nKeras printed      %q", got, c.TrainEndOutput)
			}
			if out.String() != c.Output {
				t.Errorf("printed in all:\n%s\nKeras printed:\n%s", out.String(), c.Output)
			}
		})
	}
}

func sortedKeys(m map[string]number) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// savedFiles lists and removes the files saved in the working directory.
func savedFiles(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if err := os.RemoveAll(e.Name()); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// TestCSVLoggerKeras compares CSVLogger's file, byte for byte, with the one tf.keras 2.8's
// CSVLogger wrote for the same epochs (the last stopping training without val_loss).
func TestCSVLoggerKeras(t *testing.T) {
	_, tr := loadTraces(t)
	path := filepath.Join(t.TempDir(), "log.csv")
	c, err := callbacks.NewCSVLogger(path, callbacks.CSVLoggerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	training := &nn.Training{Model: model(t, 0.001), Out: &bytes.Buffer{}}
	if err := c.OnTrainBegin(training); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || len(b) != 0 {
		t.Fatalf("after OnTrainBegin the file holds %q (%v), want an empty file", b, err)
	}
	for epoch, logs := range tr.CSV.Epochs {
		l := nn.NewLogs()
		for _, k := range []string{"loss", "accuracy", "val_loss"} {
			if v, ok := logs[k]; ok {
				l.Set(k, float64(v))
			}
		}
		training.StopTraining = epoch == 2
		if err := c.OnEpochEnd(training, epoch, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.OnTrainEnd(training); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != tr.CSV.File {
		t.Errorf("CSV file:\n%q\nKeras wrote:\n%q", got, tr.CSV.File)
	}
}
