package nn

// StatefulCallback is a Callback whose state a checkpoint saves, so that a resumed Fit
// goes on with the same decisions (EarlyStopping's wait, best value and best weights,
// ReduceLROnPlateau's cooldown, ModelCheckpoint's best value).
type StatefulCallback interface {
	Callback
	// StateName names the callback's entries in a checkpoint, e.g. "early_stopping". When
	// several callbacks of a Fit share a name, the second is saved as name_1, the third as
	// name_2, in the order of FitConfig.Callbacks.
	StateName() string
	// State returns the callback's state.
	State() CallbackState
	// SetState restores a state. Fit calls it when resuming, after OnTrainBegin (which
	// resets the callback for a new run).
	SetState(t *Training, s CallbackState) error
}

// CallbackState is a callback's state: named numbers, which a checkpoint keeps bit for
// bit, and named float32 arrays. Names are made of letters, digits, '_', '.', '-' and
// '/' (array names such as "best_weights/dense/kernel").
type CallbackState struct {
	Numbers map[string]float64
	Arrays  map[string]StateArray
}

// StateArray is an array of a callback's state in host memory, in C order.
type StateArray struct {
	Shape  []int
	Values []float32
}
