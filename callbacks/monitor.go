package callbacks

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/org/gotl/nn"
)

// Mode says which way the monitored value improves.
type Mode int

const (
	// ModeAuto is ModeMax when the monitored key ends in "acc", "accuracy" or "auc", and
	// ModeMin otherwise (for every callback; see the package doc).
	ModeAuto Mode = iota
	// ModeMin: lower is better (losses, errors).
	ModeMin
	// ModeMax: higher is better (accuracies).
	ModeMax
)

func (m Mode) String() string {
	switch m {
	case ModeAuto:
		return "ModeAuto"
	case ModeMin:
		return "ModeMin"
	case ModeMax:
		return "ModeMax"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// monitor is the monitor/mode/best logic EarlyStopping, ModelCheckpoint and
// ReduceLROnPlateau share.
type monitor struct {
	class    string // the callback, for errors
	key      string
	max      bool
	minDelta float64 // ≥ 0
	// deltaOnBest selects ReduceLROnPlateau's arithmetic, op(current, best ± δ), over
	// EarlyStopping's, op(current ∓ δ, best).
	deltaOnBest bool
	best        float64
}

func newMonitor(class, key string, mode Mode, minDelta float64) (monitor, error) {
	m := monitor{class: class, key: key, minDelta: minDelta}
	if m.key == "" {
		m.key = "val_loss"
	}
	switch mode {
	case ModeAuto:
		m.max = strings.HasSuffix(m.key, "acc") || strings.HasSuffix(m.key, "accuracy") || strings.HasSuffix(m.key, "auc")
	case ModeMin:
	case ModeMax:
		m.max = true
	default:
		return m, fmt.Errorf("callbacks: %s: Mode must be ModeAuto, ModeMin or ModeMax, got %v", class, mode)
	}
	if !(minDelta >= 0) || math.IsInf(minDelta, 0) {
		return m, fmt.Errorf("callbacks: %s: MinDelta must be a finite number >= 0, got %v", class, minDelta)
	}
	m.reset(nil)
	return m, nil
}

// reset sets best to initial, or to the worst value there is.
func (m *monitor) reset(initial *float64) {
	switch {
	case initial != nil:
		m.best = *initial
	case m.max:
		m.best = math.Inf(-1)
	default:
		m.best = math.Inf(1)
	}
}

// check returns an error when the monitored key is not among keys (the logs the callback
// will see), listing them.
func (m *monitor) check(keys []string) error {
	return checkKey(m.class, "Monitor", m.key, keys)
}

func checkKey(class, what, key string, keys []string) error {
	if slices.Contains(keys, key) {
		return nil
	}
	hint := ""
	if strings.HasPrefix(key, "val_") && !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, "val_") }) {
		hint = " (Fit has no Validation data, so no val_ keys)"
	}
	return fmt.Errorf("callbacks: %s: %s %q is not among the logs' keys: %s%s", class, what, key, strings.Join(keys, ", "), hint)
}

// value returns the monitored value of logs, if present.
func (m *monitor) value(logs *nn.Logs) (float64, bool) {
	return logs.Get(m.key)
}

// improves reports whether current improves on reference by more than minDelta.
func (m *monitor) improves(current, reference float64) bool {
	switch {
	case m.deltaOnBest && m.max:
		return current > reference+m.minDelta
	case m.deltaOnBest:
		return current < reference-m.minDelta
	case m.max:
		return current-m.minDelta > reference
	default:
		return current+m.minDelta < reference
	}
}

// stateNumbers returns the named numbers of a state, checking that every name is there.
func stateNumbers(class string, s nn.CallbackState, names ...string) ([]float64, error) {
	values := make([]float64, len(names))
	for i, name := range names {
		v, ok := s.Numbers[name]
		if !ok {
			return nil, fmt.Errorf("callbacks: %s: state without %q", class, name)
		}
		values[i] = v
	}
	return values, nil
}

// addKey adds a key a callback writes to the epoch logs (ReduceLROnPlateau's and
// LearningRateScheduler's "lr") to Training.LogKeys at OnTrainBegin, so that the callbacks
// after it in the list may use it.
func addKey(t *nn.Training, key string) {
	if !slices.Contains(t.LogKeys, key) {
		t.LogKeys = append(t.LogKeys, key)
	}
}
