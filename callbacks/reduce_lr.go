package callbacks

import (
	"errors"
	"fmt"
	"math"

	"github.com/org/gotl/nn"
)

// ReduceLROnPlateauConfig holds ReduceLROnPlateau's arguments; the zero value of each field
// is Keras's default.
type ReduceLROnPlateauConfig struct {
	// Monitor is the log key watched (default "val_loss").
	Monitor string
	// Factor multiplies the learning rate at each reduction, in [0, 1) (default 0.1, nn.Zero
	// for 0).
	Factor float64
	// Patience is the number of epochs without improvement before a reduction (default 10;
	// Keras's patience 0 acts as 1, the wait being counted before the test).
	Patience int
	// Verbose prints Keras's messages.
	Verbose bool
	// Mode says which way Monitor improves (default ModeAuto; see the package doc).
	Mode Mode
	// MinDelta is the absolute margin an improvement needs (default 1e-4, nn.Zero for 0;
	// PyTorch's default margin is relative).
	MinDelta float64
	// Cooldown is the number of epochs after a reduction during which patience is not
	// counted.
	Cooldown int
	// MinLR is the learning rate's floor.
	MinLR float64
}

// ReduceLROnPlateau is Keras's ReduceLROnPlateau. At each epoch end it writes the learning
// rate of the epoch to the logs as "lr" and then, with the monitored value present (K28):
//
//	if cooldown > 0: cooldown −= 1; wait = 0
//	if current improves on best by MinDelta (current < best − δ, or > best + δ): best = current; wait = 0
//	else if cooldown == 0: wait += 1
//	    if wait >= Patience and lr > float32(MinLR): lr = max(lr·Factor, MinLR);
//	        cooldown = Cooldown; wait = 0
//
// The new rate applies from the next epoch; the logs of this one show the old. The
// optimizer holds the rate as a float32 as Keras does, and the message prints the float64
// product, as Keras 2.8 prints it (Verbose):
//
//	\nEpoch 4: ReduceLROnPlateau reducing learning rate to 0.00010000000474974513.
//
// An optimizer whose learning rate follows a schedule is refused at the start of Fit.
type ReduceLROnPlateau struct {
	nn.CallbackBase
	cfg     ReduceLROnPlateauConfig
	factor  float64
	monitor monitor

	wait, cooldown int
}

// NewReduceLROnPlateau returns a ReduceLROnPlateau callback.
func NewReduceLROnPlateau(cfg ReduceLROnPlateauConfig) (*ReduceLROnPlateau, error) {
	m, err := newMonitor("ReduceLROnPlateau", cfg.Monitor, cfg.Mode, nn.Option(cfg.MinDelta, 1e-4))
	m.deltaOnBest = true
	r := &ReduceLROnPlateau{cfg: cfg, factor: nn.Option(cfg.Factor, 0.1), monitor: m}
	if r.cfg.Patience == 0 {
		r.cfg.Patience = 10
	}
	errs := []error{err}
	if !(r.factor >= 0 && r.factor < 1) {
		errs = append(errs, fmt.Errorf("callbacks: ReduceLROnPlateau: Factor must be in [0, 1), got %v", cfg.Factor))
	}
	if cfg.Patience < 0 {
		errs = append(errs, fmt.Errorf("callbacks: ReduceLROnPlateau: Patience must be >= 0, got %d", cfg.Patience))
	}
	if cfg.Cooldown < 0 {
		errs = append(errs, fmt.Errorf("callbacks: ReduceLROnPlateau: Cooldown must be >= 0, got %d", cfg.Cooldown))
	}
	if !(cfg.MinLR >= 0) || math.IsInf(cfg.MinLR, 0) {
		errs = append(errs, fmt.Errorf("callbacks: ReduceLROnPlateau: MinLR must be a finite number >= 0, got %v", cfg.MinLR))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *ReduceLROnPlateau) OnTrainBegin(t *nn.Training) error {
	if err := r.monitor.check(t.LogKeys); err != nil {
		return err
	}
	if err := checkConstantRate("ReduceLROnPlateau", t); err != nil {
		return err
	}
	addKey(t, "lr")
	r.monitor.reset(nil)
	r.wait, r.cooldown = 0, 0
	return nil
}

// checkConstantRate refuses an optimizer whose learning rate follows a schedule (package
// optim's optimizers report it with Scheduled).
func checkConstantRate(class string, t *nn.Training) error {
	opt := t.Model.Optimizer()
	if s, ok := opt.(interface{ Scheduled() bool }); ok && s.Scheduled() {
		return fmt.Errorf("callbacks: %s: the optimizer's learning rate follows a schedule; a callback that sets the rate needs a constant one", class)
	}
	return nil
}

func (r *ReduceLROnPlateau) OnEpochEnd(t *nn.Training, epoch int, logs *nn.Logs) error {
	opt := t.Model.Optimizer()
	logs.Set("lr", opt.LearningRate())
	current, ok := r.monitor.value(logs)
	if !ok {
		return nil
	}
	if r.cooldown > 0 {
		r.cooldown--
		r.wait = 0
	}
	if r.monitor.improves(current, r.monitor.best) {
		r.monitor.best = current
		r.wait = 0
		return nil
	}
	if r.cooldown > 0 {
		return nil
	}
	r.wait++
	if r.wait < r.cfg.Patience {
		return nil
	}
	old := float32(opt.LearningRate())
	if old <= float32(r.cfg.MinLR) {
		return nil
	}
	lr := max(float64(old)*r.factor, r.cfg.MinLR)
	opt.SetLearningRate(lr)
	if r.cfg.Verbose {
		fmt.Fprintf(t.Out, "\nEpoch %d: ReduceLROnPlateau reducing learning rate to %s.\n", epoch+1, pyRepr(lr))
	}
	r.cooldown = r.cfg.Cooldown
	r.wait = 0
	return nil
}

// StateName implements nn.StatefulCallback.
func (r *ReduceLROnPlateau) StateName() string { return "reduce_lr_on_plateau" }

// State implements nn.StatefulCallback.
func (r *ReduceLROnPlateau) State() nn.CallbackState {
	return nn.CallbackState{Numbers: map[string]float64{
		"best":     r.monitor.best,
		"wait":     float64(r.wait),
		"cooldown": float64(r.cooldown),
	}}
}

// SetState implements nn.StatefulCallback.
func (r *ReduceLROnPlateau) SetState(t *nn.Training, s nn.CallbackState) error {
	n, err := stateNumbers("ReduceLROnPlateau", s, "best", "wait", "cooldown")
	if err != nil {
		return err
	}
	r.monitor.best, r.wait, r.cooldown = n[0], int(n[1]), int(n[2])
	return nil
}
