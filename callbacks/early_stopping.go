package callbacks

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/org/gotl/nn"
)

// EarlyStoppingConfig holds EarlyStopping's arguments; the zero value of each field is
// Keras's default.
type EarlyStoppingConfig struct {
	// Monitor is the log key watched (default "val_loss").
	Monitor string
	// MinDelta is the least change that counts as an improvement (≥ 0; Keras takes the
	// absolute value of a negative one, gotl refuses it).
	MinDelta float64
	// Patience is the number of epochs without improvement after which training stops.
	Patience int
	// Verbose prints Keras's messages.
	Verbose bool
	// Mode says which way Monitor improves (default ModeAuto; see the package doc).
	Mode Mode
	// Baseline, when set, is a value Monitor must beat: epochs that improve on the best
	// value but not on Baseline still count towards Patience.
	Baseline *float64
	// RestoreBestWeights restores the weights of the best epoch when EarlyStopping stops
	// training. As in Keras it does not when training runs out of epochs (KERAS.md §9.8);
	// set RestoreAtEnd too for that.
	RestoreBestWeights bool
	// RestoreAtEnd, with RestoreBestWeights, also restores the best weights when training
	// ends otherwise (out of epochs, or stopped by another callback), as Keras 3 does.
	RestoreAtEnd bool
}

// EarlyStopping is Keras's EarlyStopping: it stops training once Monitor has not improved
// for Patience epochs. At each epoch end with the monitored value present (K28):
//
//	wait += 1
//	if improves(current, best): best = current; best epoch = epoch; snapshot weights
//	    if Baseline is unset or improves(current, Baseline): wait = 0
//	if wait >= Patience and epoch > 0: stop training (restoring the snapshot)
//
// where improves(c, r) is c − δ > r (ModeMax) or c + δ < r (ModeMin). The weight
// snapshots stay on the model's backend. Messages (Verbose): "Restoring model weights from
// the end of the best epoch: 2." when restoring and "Epoch 5: early stopping" at the end.
type EarlyStopping struct {
	nn.CallbackBase
	cfg     EarlyStoppingConfig
	monitor monitor

	wait, stoppedEpoch, bestEpoch int
	restored                      bool // this callback has restored the snapshot
	snapshot                      []nn.Buffer
	snapshotVars                  []*nn.Variable
}

// NewEarlyStopping returns an EarlyStopping callback.
func NewEarlyStopping(cfg EarlyStoppingConfig) (*EarlyStopping, error) {
	m, err := newMonitor("EarlyStopping", cfg.Monitor, cfg.Mode, cfg.MinDelta)
	errs := []error{err}
	if cfg.Patience < 0 {
		errs = append(errs, fmt.Errorf("callbacks: EarlyStopping: Patience must be >= 0, got %d", cfg.Patience))
	}
	if cfg.Baseline != nil && math.IsNaN(*cfg.Baseline) {
		errs = append(errs, errors.New("callbacks: EarlyStopping: Baseline is NaN"))
	}
	if cfg.RestoreAtEnd && !cfg.RestoreBestWeights {
		errs = append(errs, errors.New("callbacks: EarlyStopping: RestoreAtEnd needs RestoreBestWeights"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &EarlyStopping{cfg: cfg, monitor: m}, nil
}

// StoppedEpoch is the epoch (0-based) at which EarlyStopping stopped training, or 0.
func (e *EarlyStopping) StoppedEpoch() int { return e.stoppedEpoch }

// BestEpoch is the epoch (0-based) of the best monitored value so far.
func (e *EarlyStopping) BestEpoch() int { return e.bestEpoch }

// Best is the best monitored value so far (±Inf before the first).
func (e *EarlyStopping) Best() float64 { return e.monitor.best }

func (e *EarlyStopping) OnTrainBegin(t *nn.Training) error {
	if err := e.monitor.check(t.LogKeys); err != nil {
		return err
	}
	e.wait, e.stoppedEpoch, e.bestEpoch, e.restored = 0, 0, 0, false
	e.monitor.reset(nil)
	e.snapshot, e.snapshotVars = nil, nil
	return nil
}

func (e *EarlyStopping) OnEpochEnd(t *nn.Training, epoch int, logs *nn.Logs) error {
	current, ok := e.monitor.value(logs)
	if !ok {
		return nil
	}
	if e.cfg.RestoreBestWeights && e.snapshot == nil {
		e.takeSnapshot(t.Model)
	}
	e.wait++
	if e.monitor.improves(current, e.monitor.best) {
		e.monitor.best = current
		e.bestEpoch = epoch
		if e.cfg.RestoreBestWeights {
			e.takeSnapshot(t.Model)
		}
		if e.cfg.Baseline == nil || e.monitor.improves(current, *e.cfg.Baseline) {
			e.wait = 0
		}
	}
	if e.wait >= e.cfg.Patience && epoch > 0 {
		e.stoppedEpoch = epoch
		t.StopTraining = true
		if e.cfg.RestoreBestWeights && e.snapshot != nil {
			e.restore(t)
		}
	}
	return nil
}

func (e *EarlyStopping) OnTrainEnd(t *nn.Training) error {
	if e.stoppedEpoch > 0 && e.cfg.Verbose {
		fmt.Fprintf(t.Out, "Epoch %d: early stopping\n", e.stoppedEpoch+1)
	}
	if e.cfg.RestoreAtEnd && !e.restored && e.snapshot != nil {
		e.restore(t)
	}
	return nil
}

// takeSnapshot copies every variable of the model (Keras's get_weights) into buffers on
// its backend.
func (e *EarlyStopping) takeSnapshot(m *nn.Model) {
	if e.snapshot == nil {
		e.snapshotVars = m.Variables()
		e.snapshot = make([]nn.Buffer, len(e.snapshotVars))
		for i, v := range e.snapshotVars {
			e.snapshot[i] = v.Backend().Alloc(v.Len())
		}
	}
	for i, v := range e.snapshotVars {
		v.Backend().Copy(e.snapshot[i], 0, v.Value(), 0, v.Len())
	}
}

func (e *EarlyStopping) restore(t *nn.Training) {
	if e.cfg.Verbose {
		fmt.Fprintf(t.Out, "Restoring model weights from the end of the best epoch: %d.\n", e.bestEpoch+1)
	}
	for i, v := range e.snapshotVars {
		v.Backend().Copy(v.Value(), 0, e.snapshot[i], 0, v.Len())
	}
	e.restored = true
}

// StateName implements nn.StatefulCallback.
func (e *EarlyStopping) StateName() string { return "early_stopping" }

// State implements nn.StatefulCallback: the counters, the best value and the best
// weights (arrays "best_weights/<layer>/<variable>").
func (e *EarlyStopping) State() nn.CallbackState {
	s := nn.CallbackState{Numbers: map[string]float64{
		"wait":          float64(e.wait),
		"stopped_epoch": float64(e.stoppedEpoch),
		"best_epoch":    float64(e.bestEpoch),
		"best":          e.monitor.best,
	}}
	if e.snapshot != nil {
		s.Arrays = map[string]nn.StateArray{}
		for i, v := range e.snapshotVars {
			values := make([]float32, v.Len())
			v.Backend().Download(values, e.snapshot[i])
			s.Arrays["best_weights/"+v.Name()] = nn.StateArray{Shape: slices.Clone(v.Shape()), Values: values}
		}
	}
	return s
}

// SetState implements nn.StatefulCallback.
func (e *EarlyStopping) SetState(t *nn.Training, s nn.CallbackState) error {
	n, err := stateNumbers("EarlyStopping", s, "wait", "stopped_epoch", "best_epoch", "best")
	if err != nil {
		return err
	}
	var snapshot []nn.Buffer
	var vars []*nn.Variable
	if len(s.Arrays) > 0 {
		vars = t.Model.Variables()
		snapshot = make([]nn.Buffer, len(vars))
		for i, v := range vars {
			a, ok := s.Arrays["best_weights/"+v.Name()]
			if !ok || !slices.Equal(a.Shape, v.Shape()) || len(a.Values) != v.Len() {
				return fmt.Errorf("callbacks: EarlyStopping: the state's best weights lack %s (shape %v) or have another shape", v.Name(), v.Shape())
			}
			snapshot[i] = v.Backend().Alloc(v.Len())
			v.Backend().Upload(snapshot[i], a.Values)
		}
		if len(s.Arrays) != len(vars) {
			return fmt.Errorf("callbacks: EarlyStopping: the state's best weights have %d arrays, the model %d variables", len(s.Arrays), len(vars))
		}
	}
	e.wait, e.stoppedEpoch, e.bestEpoch = int(n[0]), int(n[1]), int(n[2])
	e.monitor.best = n[3]
	e.snapshot, e.snapshotVars = snapshot, vars
	return nil
}
