package callbacks

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/org/gotl/nn"
)

// ModelCheckpointConfig holds ModelCheckpoint's arguments; the zero value of each field is
// Keras's default.
type ModelCheckpointConfig struct {
	// Monitor is the log key SaveBestOnly watches (default "val_loss").
	Monitor string
	// Verbose prints Keras's messages.
	Verbose bool
	// SaveBestOnly saves only when Monitor improves on the best value so far (strictly; no
	// MinDelta).
	SaveBestOnly bool
	// SaveWeightsOnly saves the weights alone (nn.Model.SaveWeights: an .npz file, or a
	// directory of .npy files for another name) instead of a checkpoint to resume from.
	SaveWeightsOnly bool
	// Mode says which way Monitor improves (default ModeAuto; see the package doc).
	Mode Mode
	// SaveFreq, when > 0, saves every SaveFreq batches (counted across epochs, as Keras
	// does) instead of at the end of every epoch. The file name may then use {batch}
	// (1-based, within the epoch) and the batch logs' keys.
	SaveFreq int
	// InitialValueThreshold, when set, is the best value to beat at the start instead of
	// ±Inf.
	InitialValueThreshold *float64
}

// ModelCheckpoint is Keras's ModelCheckpoint. It saves at the end of every epoch (or every
// SaveFreq batches) to a file named by a Python format template filled with epoch (1-based)
// and the log values, such as "ckpt-{epoch:02d}-{val_loss:.2f}.npz" → "ckpt-03-0.57.npz".
// By default it writes a checkpoint (weights, optimizer slots and state, position, dropout
// stream and callbacks' state; see nn.FitConfig.Resume), which must be an .npz file and is
// written once every callback has run for the epoch (nn.Training.SaveCheckpoint); with
// SaveWeightsOnly it writes the weights alone, at once. Files are written atomically.
//
// The template's names are checked against the logs when Fit starts, so a misspelt key
// fails at once rather than after the first epoch. Messages (Verbose, Keras 2.8):
//
//	\nEpoch 3: val_loss improved from 0.61234 to 0.57000, saving model to ckpt-03-0.57.npz
//	\nEpoch 4: val_loss did not improve from 0.57000
//	\nEpoch 5: saving model to ckpt-05-0.60.npz
type ModelCheckpoint struct {
	nn.CallbackBase
	cfg      ModelCheckpointConfig
	filepath *template
	monitor  monitor

	batchesSinceLastSave, lastBatchSeen, currentEpoch int
}

// NewModelCheckpoint returns a ModelCheckpoint saving to filepath, a Python format template.
func NewModelCheckpoint(filepath string, cfg ModelCheckpointConfig) (*ModelCheckpoint, error) {
	m, err := newMonitor("ModelCheckpoint", cfg.Monitor, cfg.Mode, 0)
	errs := []error{err}
	tmpl, err := parseTemplate(filepath)
	if err != nil {
		errs = append(errs, fmt.Errorf("callbacks: ModelCheckpoint: filepath %q: %w", filepath, err))
	} else if !cfg.SaveWeightsOnly && !strings.HasSuffix(tmpl.suffix(), ".npz") {
		errs = append(errs, fmt.Errorf("callbacks: ModelCheckpoint: filepath %q: a checkpoint is one .npz file, so the name must end in \".npz\" (or set SaveWeightsOnly)", filepath))
	}
	if cfg.SaveFreq < 0 {
		errs = append(errs, fmt.Errorf("callbacks: ModelCheckpoint: SaveFreq must be >= 0 (0: every epoch), got %d", cfg.SaveFreq))
	}
	if cfg.InitialValueThreshold != nil && math.IsNaN(*cfg.InitialValueThreshold) {
		errs = append(errs, errors.New("callbacks: ModelCheckpoint: InitialValueThreshold is NaN"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	c := &ModelCheckpoint{cfg: cfg, filepath: tmpl, monitor: m}
	// As in Keras, the best value is set here and kept across Fits; OnTrainBegin does not
	// reset it.
	c.monitor.reset(cfg.InitialValueThreshold)
	return c, nil
}

// Best is the best monitored value so far.
func (c *ModelCheckpoint) Best() float64 { return c.monitor.best }

func (c *ModelCheckpoint) OnTrainBegin(t *nn.Training) error {
	// The keys the file name and the monitor may use: the epoch logs' (with the keys of
	// the callbacks before this one), or the batch logs' when saving every SaveFreq batches.
	keys := t.LogKeys
	names := []string{"epoch"}
	if c.cfg.SaveFreq > 0 {
		keys = t.Model.MetricNames()
		names = append(names, "batch")
	}
	for _, name := range c.filepath.fields() {
		if err := checkKey("ModelCheckpoint", "filepath "+quote(c.filepath.text)+" field", name, append(names, keys...)); err != nil {
			return err
		}
	}
	if c.cfg.SaveBestOnly {
		if err := c.monitor.check(keys); err != nil {
			return err
		}
	}
	return nil
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func (c *ModelCheckpoint) OnEpochBegin(t *nn.Training, epoch int) error {
	c.currentEpoch = epoch
	return nil
}

func (c *ModelCheckpoint) OnBatchEnd(t *nn.Training, batch int, logs *nn.Logs) error {
	if c.cfg.SaveFreq == 0 {
		return nil
	}
	// Keras's _should_save_on_batch.
	if batch <= c.lastBatchSeen {
		c.batchesSinceLastSave += batch + 1
	} else {
		c.batchesSinceLastSave += batch - c.lastBatchSeen
	}
	c.lastBatchSeen = batch
	if c.batchesSinceLastSave < c.cfg.SaveFreq {
		return nil
	}
	c.batchesSinceLastSave = 0
	return c.save(t, c.currentEpoch, batch, logs)
}

func (c *ModelCheckpoint) OnEpochEnd(t *nn.Training, epoch int, logs *nn.Logs) error {
	if c.cfg.SaveFreq > 0 {
		return nil
	}
	return c.save(t, epoch, -1, logs)
}

// save is Keras's _save_model; batch is -1 at an epoch's end.
func (c *ModelCheckpoint) save(t *nn.Training, epoch, batch int, logs *nn.Logs) error {
	values := map[string]pyValue{"epoch": {isInt: true, i: epoch + 1}}
	for _, k := range logs.Keys() {
		v, _ := logs.Get(k)
		values[k] = pyValue{f: v}
	}
	if batch >= 0 {
		values["batch"] = pyValue{isInt: true, i: batch + 1}
	}
	path, err := c.filepath.format(values)
	if err != nil {
		return fmt.Errorf("callbacks: ModelCheckpoint: cannot format filepath %q: %w", c.filepath.text, err)
	}
	if c.cfg.SaveBestOnly {
		current, ok := c.monitor.value(logs)
		if !ok {
			return nil // an epoch without validation (ValidationFreq); Keras warns and skips
		}
		if !c.monitor.improves(current, c.monitor.best) {
			if c.cfg.Verbose {
				fmt.Fprintf(t.Out, "\nEpoch %d: %s did not improve from %s\n", epoch+1, c.monitor.key, pyFormat(c.monitor.best, ".5f"))
			}
			return nil
		}
		if c.cfg.Verbose {
			fmt.Fprintf(t.Out, "\nEpoch %d: %s improved from %s to %s, saving model to %s\n", epoch+1, c.monitor.key, pyFormat(c.monitor.best, ".5f"), pyFormat(current, ".5f"), path)
		}
		c.monitor.best = current
	} else if c.cfg.Verbose {
		fmt.Fprintf(t.Out, "\nEpoch %d: saving model to %s\n", epoch+1, path)
	}
	if c.cfg.SaveWeightsOnly {
		if err := t.Model.SaveWeights(path); err != nil {
			return fmt.Errorf("callbacks: ModelCheckpoint: %w", err)
		}
		return nil
	}
	return t.SaveCheckpoint(path)
}

// StateName implements nn.StatefulCallback.
func (c *ModelCheckpoint) StateName() string { return "model_checkpoint" }

// State implements nn.StatefulCallback: the best value and the save counters.
func (c *ModelCheckpoint) State() nn.CallbackState {
	return nn.CallbackState{Numbers: map[string]float64{
		"best":                    c.monitor.best,
		"batches_since_last_save": float64(c.batchesSinceLastSave),
		"last_batch_seen":         float64(c.lastBatchSeen),
	}}
}

// SetState implements nn.StatefulCallback.
func (c *ModelCheckpoint) SetState(t *nn.Training, s nn.CallbackState) error {
	n, err := stateNumbers("ModelCheckpoint", s, "best", "batches_since_last_save", "last_batch_seen")
	if err != nil {
		return err
	}
	c.monitor.best = n[0]
	c.batchesSinceLastSave, c.lastBatchSeen = int(n[1]), int(n[2])
	return nil
}
