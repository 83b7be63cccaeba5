package optim

import (
	"errors"
	"fmt"
	"math"
)

// Schedule gives the learning rate of an update from the number of updates done before it
// (Keras's LearningRateSchedule, called with optimizer.iterations). A schedule that also
// has a Validate() error method is checked when the optimizer is made.
type Schedule interface {
	LearningRate(step int64) float64
}

// ExponentialDecay is Keras's ExponentialDecay:
// InitialLearningRate·DecayRate^(step/DecaySteps), the exponent floored when Staircase.
type ExponentialDecay struct {
	InitialLearningRate float64
	DecaySteps          int64
	DecayRate           float64
	Staircase           bool
}

func (s ExponentialDecay) LearningRate(step int64) float64 {
	return s.InitialLearningRate * math.Pow(s.DecayRate, progress(step, s.DecaySteps, s.Staircase))
}

// progress is step/decaySteps, floored when staircase.
func progress(step, decaySteps int64, staircase bool) float64 {
	p := float64(step) / float64(decaySteps)
	if staircase {
		p = math.Floor(p)
	}
	return p
}

func (s ExponentialDecay) Validate() error {
	return errors.Join(checkRate("ExponentialDecay", "InitialLearningRate", s.InitialLearningRate), checkSteps("ExponentialDecay", s.DecaySteps),
		checkRate("ExponentialDecay", "DecayRate", s.DecayRate))
}

// InverseTimeDecay is Keras's InverseTimeDecay:
// InitialLearningRate/(1 + DecayRate·step/DecaySteps), the quotient floored when Staircase.
// Keras 2's legacy decay=d argument is InverseTimeDecay{lr, 1, d, false}.
type InverseTimeDecay struct {
	InitialLearningRate float64
	DecaySteps          int64
	DecayRate           float64
	Staircase           bool
}

func (s InverseTimeDecay) LearningRate(step int64) float64 {
	return s.InitialLearningRate / (1 + s.DecayRate*progress(step, s.DecaySteps, s.Staircase))
}

func (s InverseTimeDecay) Validate() error {
	return errors.Join(checkRate("InverseTimeDecay", "InitialLearningRate", s.InitialLearningRate), checkSteps("InverseTimeDecay", s.DecaySteps),
		checkRate("InverseTimeDecay", "DecayRate", s.DecayRate))
}

// PiecewiseConstantDecay is Keras's PiecewiseConstantDecay: Values[0] while step <=
// Boundaries[0], Values[i] while Boundaries[i-1] < step <= Boundaries[i], and the last value
// after the last boundary. Boundaries increase strictly; there is one more value than
// boundaries.
type PiecewiseConstantDecay struct {
	Boundaries []int64
	Values     []float64
}

func (s PiecewiseConstantDecay) LearningRate(step int64) float64 {
	for i, b := range s.Boundaries {
		if step <= b {
			return s.Values[i]
		}
	}
	return s.Values[len(s.Values)-1]
}

func (s PiecewiseConstantDecay) Validate() error {
	if len(s.Values) != len(s.Boundaries)+1 {
		return fmt.Errorf("PiecewiseConstantDecay: %d values for %d boundaries; need one more value than boundaries", len(s.Values), len(s.Boundaries))
	}
	for i := 1; i < len(s.Boundaries); i++ {
		if s.Boundaries[i] <= s.Boundaries[i-1] {
			return fmt.Errorf("PiecewiseConstantDecay: Boundaries must increase, got %v", s.Boundaries)
		}
	}
	var errs []error
	for i, v := range s.Values {
		errs = append(errs, checkRate("PiecewiseConstantDecay", fmt.Sprintf("Values[%d]", i), v))
	}
	return errors.Join(errs...)
}

// CosineDecay is Keras 2's CosineDecay (Loshchilov & Hutter's SGDR without restarts):
// InitialLearningRate·((1 − Alpha)·(1 + cos(π·min(step, DecaySteps)/DecaySteps))/2 + Alpha),
// Alpha being the final rate as a fraction of the initial one.
type CosineDecay struct {
	InitialLearningRate float64
	DecaySteps          int64
	Alpha               float64
}

func (s CosineDecay) LearningRate(step int64) float64 {
	done := float64(min(step, s.DecaySteps)) / float64(s.DecaySteps)
	cosine := 0.5 * (1 + math.Cos(math.Pi*done))
	return s.InitialLearningRate * ((1-s.Alpha)*cosine + s.Alpha)
}

func (s CosineDecay) Validate() error {
	err := errors.Join(checkRate("CosineDecay", "InitialLearningRate", s.InitialLearningRate), checkSteps("CosineDecay", s.DecaySteps))
	if !(s.Alpha >= 0 && s.Alpha <= 1) {
		err = errors.Join(err, fmt.Errorf("CosineDecay: Alpha must be in [0, 1], got %v", s.Alpha))
	}
	return err
}

func checkRate(schedule, field string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 0) {
		return fmt.Errorf("%s: %s must be a finite number >= 0, got %v", schedule, field, v)
	}
	return nil
}

func checkSteps(schedule string, steps int64) error {
	if steps <= 0 {
		return fmt.Errorf("%s: DecaySteps must be > 0, got %d", schedule, steps)
	}
	return nil
}
