package nn

// OptimizerState is what a checkpoint keeps of an optimizer so that training resumes
// exactly: the number of updates done, the learning rate and the slots (Keras's optimizer
// weights: Adam's m and v, SGD's momentum, ...).
type OptimizerState struct {
	// Iterations is the number of updates done.
	Iterations int64
	// LearningRate is the learning rate the next update uses. An optimizer whose learning
	// rate follows a schedule recomputes it from Iterations and ignores this on restore.
	LearningRate float64
	// Slots lists the per-variable arrays.
	Slots []Slot
}

// Slot is one optimizer array of one variable, in host memory.
type Slot struct {
	// Variable is the variable's full name, "<layer>/<variable>".
	Variable string
	// Name is Keras's slot name: "m", "v", "vhat" (Adam), "momentum" (SGD, RMSprop),
	// "rms", "mg" (RMSprop).
	Name string
	// Shape is the variable's shape; Values holds Len values in C order.
	Shape  []int
	Values []float32
}

// StatefulOptimizer is an Optimizer whose state a checkpoint saves and restores (every
// optimizer of package optim is one). Fit's Resume needs it.
type StatefulOptimizer interface {
	Optimizer
	// State copies the optimizer's state to host memory.
	State() OptimizerState
	// SetState restores a state. vars are the variables the optimizer is going to update
	// (the model's trainable variables): a slot of another variable, a slot name the
	// optimizer does not use as configured, or a slot of the wrong shape is an error, and
	// then nothing changes. Variables without slots in s start from zeros, as new ones do.
	SetState(s OptimizerState, vars []*Variable) error
}
