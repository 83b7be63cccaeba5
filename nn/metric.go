package nn

// Metric accumulates a score over the batches of an epoch (Keras's stateful metrics).
// Like losses it runs on the host over the output viewed as rows of k values.
type Metric interface {
	// Name is the log key ("accuracy"; Fit adds "val_" for validation).
	Name() string
	// Reset clears the state at the start of an epoch or evaluation.
	Reset()
	// Update adds a batch: target has rows×tw values, pred rows×k; weights (len rows, or
	// nil for 1) weigh each row.
	Update(target []float64, tw int, pred []float64, k int, weights []float64)
	// Result is the weighted mean so far.
	Result() float64
}

// meanState is the weighted running mean every metric here keeps.
type meanState struct{ total, count float64 }

func (s *meanState) Reset() { s.total, s.count = 0, 0 }

func (s *meanState) Result() float64 {
	if s.count == 0 {
		return 0
	}
	return s.total / s.count
}

func (s *meanState) add(v float64, weights []float64, r int) {
	w := 1.0
	if weights != nil {
		w = weights[r]
	}
	s.total += w * v
	s.count += w
}

// Accuracy is Keras's "accuracy" metric, resolved per batch as Keras resolves it at
// compile time (KERAS.md §1.2): outputs of width 1 use binary accuracy (threshold 0.5);
// targets of width 1 with wider outputs are class indices (sparse categorical accuracy);
// otherwise the argmax of target and output are compared (categorical accuracy).
type Accuracy struct {
	// Key overrides the log key (default "accuracy"; Keras's "acc" spelling gives "acc").
	Key string
	meanState
}

func (a *Accuracy) Name() string {
	if a.Key != "" {
		return a.Key
	}
	return "accuracy"
}

func (a *Accuracy) Update(target []float64, tw int, pred []float64, k int, weights []float64) {
	rows := len(pred) / k
	for r := 0; r < rows; r++ {
		p := pred[r*k : (r+1)*k]
		var hit bool
		switch {
		case k == 1:
			hit = (p[0] > 0.5) == (target[r] > 0.5)
		case tw == 1:
			hit = argmax(p) == int(target[r])
		default:
			hit = argmax(p) == argmax(target[r*tw:(r+1)*tw])
		}
		a.add(b2f(hit), weights, r)
	}
}

// TopKCategoricalAccuracy is Keras's top_k_categorical_accuracy (K default 5): whether the
// target class is among the K largest outputs. Targets are one-hot rows, or class indices
// when their width is 1 (Keras's sparse_top_k_categorical_accuracy).
type TopKCategoricalAccuracy struct {
	K int
	meanState
}

func (t *TopKCategoricalAccuracy) k() int {
	if t.K <= 0 {
		return 5
	}
	return t.K
}

func (t *TopKCategoricalAccuracy) Name() string { return "top_k_categorical_accuracy" }

func (t *TopKCategoricalAccuracy) Update(target []float64, tw int, pred []float64, k int, weights []float64) {
	rows := len(pred) / k
	for r := 0; r < rows; r++ {
		p := pred[r*k : (r+1)*k]
		c := int(target[r])
		if tw != 1 {
			c = argmax(target[r*tw : (r+1)*tw])
		}
		// The class is in the top K when fewer than K outputs are strictly larger
		// (tf.math.in_top_k counts ties in the class's favour).
		larger := 0
		for _, v := range p {
			if v > p[c] {
				larger++
			}
		}
		t.add(b2f(larger < t.k()), weights, r)
	}
}

func argmax(v []float64) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
