package optim

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// Clipping holds the gradient clipping every optimizer offers (Keras's clipvalue, clipnorm
// and global_clipnorm); 0 turns each off. See the package doc for the order they apply in.
type Clipping struct {
	// ClipValue clamps every gradient value to [−ClipValue, ClipValue].
	ClipValue float64
	// ClipNorm rescales each variable's gradient to an L2 norm of at most ClipNorm.
	ClipNorm float64
	// GlobalClipNorm rescales all gradients together to a joint L2 norm of at most
	// GlobalClipNorm.
	GlobalClipNorm float64
}

// core is what the optimizers share: the learning rate or its schedule, the update count,
// gradient clipping and the slots.
type core struct {
	class      string
	lr         float32
	schedule   Schedule
	iterations int64
	clip       Clipping
	slotNames  []string                         // the slots this configuration uses, in order
	slots      map[*nn.Variable][]device.Buffer // indexed like slotNames
	order      []*nn.Variable                   // variables in the order their slots were made
	scratch    map[*nn.Variable]device.Buffer   // norm-clipped gradients
	grads      []device.Buffer
}

// newCore checks the options every optimizer shares. learningRate is the config's value
// (0: def).
func newCore(class string, learningRate, def float64, schedule Schedule, clip Clipping, slotNames []string) (core, error) {
	c := core{class: class, clip: clip, slotNames: slotNames, slots: map[*nn.Variable][]device.Buffer{}, scratch: map[*nn.Variable]device.Buffer{}}
	var errs []error
	if schedule != nil {
		if learningRate != 0 {
			errs = append(errs, c.errorf("set LearningRate or Schedule, not both (LearningRate %v and a %T)", learningRate, schedule))
		}
		if v, ok := schedule.(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				errs = append(errs, c.errorf("Schedule: %v", err))
			}
		}
		c.schedule = schedule
	} else {
		lr := nn.Option(learningRate, def)
		if !(lr >= 0) || math.IsInf(lr, 0) {
			errs = append(errs, c.errorf("LearningRate must be a finite number >= 0, got %v", learningRate))
		}
		c.lr = float32(lr)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"ClipValue", clip.ClipValue}, {"ClipNorm", clip.ClipNorm}, {"GlobalClipNorm", clip.GlobalClipNorm}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			errs = append(errs, c.errorf("%s must be a finite number >= 0 (0: off), got %v", f.name, f.v))
		}
	}
	if clip.ClipNorm > 0 && clip.GlobalClipNorm > 0 {
		errs = append(errs, c.errorf("set ClipNorm or GlobalClipNorm, not both (got %v and %v), as Keras requires", clip.ClipNorm, clip.GlobalClipNorm))
	}
	return c, errors.Join(errs...)
}

func (c *core) errorf(format string, args ...any) error {
	return fmt.Errorf("optim: %s: %s", c.class, fmt.Sprintf(format, args...))
}

// inUnit checks that v is in [0, 1).
func (c *core) inUnit(field string, v, given float64) error {
	if !(v >= 0 && v < 1) {
		return c.errorf("%s must be in [0, 1), got %v", field, given)
	}
	return nil
}

// LearningRate is the learning rate the next update uses (implements nn.Optimizer).
func (c *core) LearningRate() float64 {
	if c.schedule != nil {
		return float64(float32(c.schedule.LearningRate(c.iterations)))
	}
	return float64(c.lr)
}

// SetLearningRate sets a constant learning rate, rounded to float32; it replaces a
// schedule (implements nn.Optimizer).
func (c *core) SetLearningRate(lr float64) {
	c.schedule = nil
	c.lr = float32(lr)
}

// Iterations is the number of updates done (implements nn.Optimizer).
func (c *core) Iterations() int64 { return c.iterations }

// Scheduled reports whether the learning rate follows a schedule.
func (c *core) Scheduled() bool { return c.schedule != nil }

// slotsOf returns v's slots, made at zero on first use.
func (c *core) slotsOf(v *nn.Variable) []device.Buffer {
	s, ok := c.slots[v]
	if !ok {
		s = make([]device.Buffer, len(c.slotNames))
		for i := range s {
			s[i] = v.Backend().Alloc(v.Len())
		}
		c.slots[v] = s
		c.order = append(c.order, v)
	}
	return s
}

// slot returns v's slot named name, or nil when the configuration does not use it.
func (c *core) slot(v *nn.Variable, name string) device.Buffer {
	if i := slices.Index(c.slotNames, name); i >= 0 {
		return c.slotsOf(v)[i]
	}
	return nil
}

// gradients returns the gradient each variable's update takes: Variable.Grad, clipped as
// configured.
func (c *core) gradients(vars []*nn.Variable) []device.Buffer {
	c.grads = c.grads[:0]
	for _, v := range vars {
		g := v.Grad()
		if c.clip.ClipValue > 0 {
			v.Backend().Clamp(v.Len(), g, -c.clip.ClipValue, c.clip.ClipValue)
		}
		c.grads = append(c.grads, g)
	}
	switch {
	case c.clip.ClipNorm > 0:
		for i, v := range vars {
			norm := math.Sqrt(v.Backend().SumSquares(v.Len(), c.grads[i]))
			c.grads[i] = c.rescale(v, c.grads[i], c.clip.ClipNorm, norm)
		}
	case c.clip.GlobalClipNorm > 0:
		sum := 0.0
		for i, v := range vars {
			sum += v.Backend().SumSquares(v.Len(), c.grads[i])
		}
		norm := math.Sqrt(sum)
		if math.IsInf(norm, 0) {
			norm = math.NaN() // tf.clip_by_global_norm turns every gradient to NaN
		}
		for i, v := range vars {
			c.grads[i] = c.rescale(v, c.grads[i], c.clip.GlobalClipNorm, norm)
		}
	}
	return c.grads
}

// rescale returns g·limit/norm in the variable's scratch buffer when norm exceeds limit (or
// is NaN), else g.
func (c *core) rescale(v *nn.Variable, g device.Buffer, limit, norm float64) device.Buffer {
	if norm <= limit {
		return g
	}
	s := c.scratch[v]
	if s == nil {
		s = v.Backend().Alloc(v.Len())
		c.scratch[v] = s
	}
	v.Backend().Axpby(v.Len(), limit/norm, g, 0, s)
	return s
}

// State copies the optimizer's state to host memory (implements nn.StatefulOptimizer).
func (c *core) State() nn.OptimizerState {
	s := nn.OptimizerState{Iterations: c.iterations, LearningRate: c.LearningRate()}
	for _, v := range c.order {
		for i, name := range c.slotNames {
			values := make([]float32, v.Len())
			v.Backend().Download(values, c.slots[v][i])
			s.Slots = append(s.Slots, nn.Slot{Variable: v.Name(), Name: name, Shape: slices.Clone(v.Shape()), Values: values})
		}
	}
	return s
}

// SetState restores a state (implements nn.StatefulOptimizer).
func (c *core) SetState(s nn.OptimizerState, vars []*nn.Variable) error {
	byName := make(map[string]*nn.Variable, len(vars))
	for _, v := range vars {
		byName[v.Name()] = v
	}
	var errs []error
	if s.Iterations < 0 {
		errs = append(errs, c.errorf("state: negative iteration count %d", s.Iterations))
	}
	seen := map[[2]string]bool{}
	for _, slot := range s.Slots {
		v, ok := byName[slot.Variable]
		switch {
		case !ok:
			errs = append(errs, c.errorf("state has slot %q of %q, which is not a trainable variable of the model (to load only the weights, use LoadWeights)", slot.Name, slot.Variable))
		case !slices.Contains(c.slotNames, slot.Name):
			errs = append(errs, c.errorf("state has slot %q of %q; this %s uses %v (a state of another optimizer or configuration?)", slot.Name, slot.Variable, c.class, c.slotNames))
		case !slices.Equal(slot.Shape, v.Shape()) || len(slot.Values) != v.Len():
			errs = append(errs, c.errorf("state has slot %q of %q with shape %v (%d values), the variable's shape is %v", slot.Name, slot.Variable, slot.Shape, len(slot.Values), v.Shape()))
		case seen[[2]string{slot.Variable, slot.Name}]:
			errs = append(errs, c.errorf("state has slot %q of %q twice", slot.Name, slot.Variable))
		}
		seen[[2]string{slot.Variable, slot.Name}] = true
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	c.slots = map[*nn.Variable][]device.Buffer{}
	c.order = nil
	for _, slot := range s.Slots {
		v := byName[slot.Variable]
		v.Backend().Upload(c.slot(v, slot.Name), slot.Values)
	}
	c.iterations = s.Iterations
	if c.schedule == nil {
		c.lr = float32(s.LearningRate)
	}
	return nil
}
