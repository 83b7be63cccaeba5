package callbacks

import (
	"fmt"
	"math"

	"github.com/org/gotl/nn"
)

// LearningRateScheduler is Keras's LearningRateScheduler: at the start of each epoch it sets
// the optimizer's learning rate to Schedule(epoch, current rate), epoch being 0-based, and at
// its end writes the rate to the logs as "lr". A rate that is negative, NaN or infinite is
// an error. Message (Verbose, Keras 2.8, the rate as Python prints it):
//
//	\nEpoch 1: LearningRateScheduler setting learning rate to 0.01.
//
// An optimizer whose learning rate follows a schedule is refused at the start of Fit.
type LearningRateScheduler struct {
	nn.CallbackBase
	Schedule func(epoch int, lr float64) float64
	Verbose  bool
}

// NewLearningRateScheduler returns a LearningRateScheduler.
func NewLearningRateScheduler(schedule func(epoch int, lr float64) float64, verbose bool) (*LearningRateScheduler, error) {
	if schedule == nil {
		return nil, fmt.Errorf("callbacks: LearningRateScheduler: nil schedule")
	}
	return &LearningRateScheduler{Schedule: schedule, Verbose: verbose}, nil
}

func (s *LearningRateScheduler) OnTrainBegin(t *nn.Training) error {
	if err := checkConstantRate("LearningRateScheduler", t); err != nil {
		return err
	}
	addKey(t, "lr")
	return nil
}

func (s *LearningRateScheduler) OnEpochBegin(t *nn.Training, epoch int) error {
	opt := t.Model.Optimizer()
	lr := s.Schedule(epoch, opt.LearningRate())
	if !(lr >= 0) || math.IsInf(lr, 0) {
		return fmt.Errorf("callbacks: LearningRateScheduler: the schedule gave %v for epoch %d; a learning rate must be a finite number >= 0", lr, epoch)
	}
	opt.SetLearningRate(lr)
	if s.Verbose {
		fmt.Fprintf(t.Out, "\nEpoch %d: LearningRateScheduler setting learning rate to %s.\n", epoch+1, pyRepr(lr))
	}
	return nil
}

func (s *LearningRateScheduler) OnEpochEnd(t *nn.Training, epoch int, logs *nn.Logs) error {
	logs.Set("lr", t.Model.Optimizer().LearningRate())
	return nil
}

// TerminateOnNaN is Keras's TerminateOnNaN: it stops training after a batch whose running
// loss is NaN or infinite, printing "Batch 3: Invalid loss, terminating training" (batch
// 0-based). The epoch then ends as usual (validation, OnEpochEnd).
type TerminateOnNaN struct {
	nn.CallbackBase
}

func (c *TerminateOnNaN) OnBatchEnd(t *nn.Training, batch int, logs *nn.Logs) error {
	loss, ok := logs.Get("loss")
	if ok && (math.IsNaN(loss) || math.IsInf(loss, 0)) {
		fmt.Fprintf(t.Out, "Batch %d: Invalid loss, terminating training\n", batch)
		t.StopTraining = true
	}
	return nil
}
