package nn

import (
	"io"
	"sort"
)

// Optimizer updates trainable variables from their gradients (package optim has SGD, Adam
// and RMSprop).
type Optimizer interface {
	// Apply performs one update of every variable from its gradient (Variable.Grad).
	// It is called once per training step with the same variables in the same order.
	Apply(vars []*Variable) error
	// LearningRate is the learning rate the next update uses.
	LearningRate() float64
	// SetLearningRate overwrites it (ReduceLROnPlateau, LearningRateScheduler).
	SetLearningRate(lr float64)
	// Iterations is the number of updates done.
	Iterations() int64
}

// Logs is an ordered set of named values: a batch's or epoch's loss and metrics. Keys keep
// the order they were first set in, which is the order the progress bar prints them.
type Logs struct {
	keys   []string
	values map[string]float64
}

// NewLogs returns empty logs.
func NewLogs() *Logs { return &Logs{values: map[string]float64{}} }

// Set sets a value, appending the key if new.
func (l *Logs) Set(key string, v float64) {
	if l.values == nil {
		l.values = map[string]float64{}
	}
	if _, ok := l.values[key]; !ok {
		l.keys = append(l.keys, key)
	}
	l.values[key] = v
}

// Get returns a value and whether it is present.
func (l *Logs) Get(key string) (float64, bool) {
	v, ok := l.values[key]
	return v, ok
}

// Keys lists the keys in insertion order.
func (l *Logs) Keys() []string { return l.keys }

// Clone copies the logs.
func (l *Logs) Clone() *Logs {
	c := NewLogs()
	for _, k := range l.keys {
		c.Set(k, l.values[k])
	}
	return c
}

// Verbosity selects Fit's and Evaluate's output: the zero value is Keras's default, the
// progress bar.
type Verbosity int

const (
	// ProgressBar prints a Keras progress bar, redrawn in place on a terminal and one
	// final line per epoch otherwise (Keras verbose=1).
	ProgressBar Verbosity = iota
	// Silent prints nothing (verbose=0).
	Silent
	// LinePerEpoch prints one line per epoch (verbose=2).
	LinePerEpoch
)

// Training is what callbacks see of a running Fit.
type Training struct {
	Model *Model
	// Epochs is Fit's Epochs: the index of the last epoch plus one.
	Epochs       int
	InitialEpoch int
	// Steps is the number of training batches per epoch.
	Steps   int
	Verbose Verbosity
	// Out receives progress and callback messages (never nil).
	Out io.Writer
	// LogKeys lists the keys the epoch logs will carry (loss, metrics, and their val_
	// versions when there is validation data), known at OnTrainBegin so callbacks can check
	// their monitor.
	LogKeys []string
	// StopTraining, set by a callback, ends Fit after the current batch or epoch.
	StopTraining bool
	// Epoch is the current epoch (0-based).
	Epoch int

	ckpt fitState // checkpoint bookkeeping (checkpoint.go)
}

// Callback hooks into Fit (Keras's callbacks). Embed CallbackBase to implement only some
// hooks. A callback that returns an error stops Fit, which returns that error.
type Callback interface {
	OnTrainBegin(t *Training) error
	OnTrainEnd(t *Training) error
	OnEpochBegin(t *Training, epoch int) error
	// OnEpochEnd receives the epoch's logs, which it may add to (ReduceLROnPlateau adds lr).
	OnEpochEnd(t *Training, epoch int, logs *Logs) error
	OnBatchBegin(t *Training, batch int) error
	OnBatchEnd(t *Training, batch int, logs *Logs) error
}

// CallbackBase implements every Callback hook as a no-op.
type CallbackBase struct{}

func (CallbackBase) OnTrainBegin(*Training) error           { return nil }
func (CallbackBase) OnTrainEnd(*Training) error             { return nil }
func (CallbackBase) OnEpochBegin(*Training, int) error      { return nil }
func (CallbackBase) OnEpochEnd(*Training, int, *Logs) error { return nil }
func (CallbackBase) OnBatchBegin(*Training, int) error      { return nil }
func (CallbackBase) OnBatchEnd(*Training, int, *Logs) error { return nil }

// History records the epoch logs (Keras's History callback, which Fit returns).
type History struct {
	CallbackBase
	// Epoch lists the 0-based epoch indices run.
	Epoch []int
	// History maps each log key to its per-epoch values.
	History map[string][]float64
	// Params records epochs, steps and verbosity.
	Epochs, Steps int
}

func (h *History) OnTrainBegin(t *Training) error {
	if h.History == nil {
		h.History = map[string][]float64{}
	}
	h.Epochs, h.Steps = t.Epochs, t.Steps
	return nil
}

func (h *History) OnEpochEnd(t *Training, epoch int, logs *Logs) error {
	h.Epoch = append(h.Epoch, epoch)
	for _, k := range logs.Keys() {
		v, _ := logs.Get(k)
		h.History[k] = append(h.History[k], v)
	}
	return nil
}

// Keys lists the recorded keys, sorted.
func (h *History) Keys() []string {
	keys := make([]string, 0, len(h.History))
	for k := range h.History {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
