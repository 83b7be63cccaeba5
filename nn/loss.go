package nn

import (
	"fmt"
	"math"
)

// Loss is a training objective, evaluated on the host in float64 over the model output
// viewed as rows of k values (the last axis), so a (N, K) output has N rows and a
// (N, H, W, K) output N·H·W.
type Loss interface {
	// Name is the Keras name ("categorical_crossentropy").
	Name() string
	// Eval writes the loss of each row to losses (len rows) and, when grad is not nil,
	// ∂loss_r/∂pred into grad (rows×k). target holds rows×tw values, where tw is k, or 1
	// for losses that take class indices.
	Eval(target []float64, tw int, pred []float64, k int, losses, grad []float64) error
	// TargetWidth is the number of target values per row for outputs of width k.
	TargetWidth(k int) int
}

// LogitsLoss is implemented by losses that Keras computes from the logits when the output
// layer ends in a softmax (or sigmoid): tf.keras ≥ 2.6 attaches the logits to the
// activation's output and the cross-entropy uses them (KERAS.md §3), which avoids the
// clipping of the probability path.
type LogitsLoss interface {
	Loss
	// Activation is the output activation the loss can fuse with: "softmax" or "sigmoid".
	Activation() string
	// EvalLogits is Eval given the logits; grad is ∂loss_r/∂logits.
	EvalLogits(target []float64, tw int, logits []float64, k int, losses, grad []float64) error
}

// epsilon is Keras's backend.epsilon().
const epsilon = 1e-7

// CategoricalCrossentropy is Keras's categorical_crossentropy: targets are one-hot (or
// probability) rows. FromLogits says the model output is logits. LabelSmoothing in [0, 1]
// replaces y by y·(1−s) + s/k.
type CategoricalCrossentropy struct {
	FromLogits     bool
	LabelSmoothing float64
}

func (CategoricalCrossentropy) Name() string          { return "categorical_crossentropy" }
func (CategoricalCrossentropy) TargetWidth(k int) int { return k }
func (l CategoricalCrossentropy) Activation() string  { return "softmax" }

func (l CategoricalCrossentropy) Eval(target []float64, tw int, pred []float64, k int, losses, grad []float64) error {
	if l.FromLogits {
		return l.EvalLogits(target, tw, pred, k, losses, grad)
	}
	return crossEntropyProbabilities(target, pred, k, l.LabelSmoothing, losses, grad, nil)
}

func (l CategoricalCrossentropy) EvalLogits(target []float64, tw int, logits []float64, k int, losses, grad []float64) error {
	return crossEntropyLogits(target, logits, k, l.LabelSmoothing, losses, grad, nil)
}

// SparseCategoricalCrossentropy is Keras's sparse_categorical_crossentropy: targets are
// class indices, one per row.
type SparseCategoricalCrossentropy struct {
	FromLogits bool
}

func (SparseCategoricalCrossentropy) Name() string        { return "sparse_categorical_crossentropy" }
func (SparseCategoricalCrossentropy) TargetWidth(int) int { return 1 }
func (SparseCategoricalCrossentropy) Activation() string  { return "softmax" }

func (l SparseCategoricalCrossentropy) Eval(target []float64, tw int, pred []float64, k int, losses, grad []float64) error {
	if l.FromLogits {
		return l.EvalLogits(target, tw, pred, k, losses, grad)
	}
	labels, err := classIndices(target, k)
	if err != nil {
		return err
	}
	return crossEntropyProbabilities(nil, pred, k, 0, losses, grad, labels)
}

func (l SparseCategoricalCrossentropy) EvalLogits(target []float64, tw int, logits []float64, k int, losses, grad []float64) error {
	labels, err := classIndices(target, k)
	if err != nil {
		return err
	}
	return crossEntropyLogits(nil, logits, k, 0, losses, grad, labels)
}

func classIndices(target []float64, k int) ([]int, error) {
	labels := make([]int, len(target))
	for i, t := range target {
		c := int(t)
		if float64(c) != t || c < 0 || c >= k {
			return nil, fmt.Errorf("nn: sparse label %v at row %d is not a class index in [0, %d)", t, i, k)
		}
		labels[i] = c
	}
	return labels, nil
}

// crossEntropyLogits: ℓ = Σ_i y_i·(logsumexp(z) − z_i); ∂ℓ/∂z_j = softmax(z)_j·Σy − y_j.
// Targets are either dense rows (target) or class indices (labels).
func crossEntropyLogits(target, logits []float64, k int, smoothing float64, losses, grad []float64, labels []int) error {
	rows := len(logits) / k
	for r := 0; r < rows; r++ {
		z := logits[r*k : (r+1)*k]
		mx := math.Inf(-1)
		for _, v := range z {
			mx = math.Max(mx, v)
		}
		sum := 0.0
		for _, v := range z {
			sum += math.Exp(v - mx)
		}
		lse := mx + math.Log(sum)
		var loss, ysum float64
		for j := 0; j < k; j++ {
			y := targetValue(target, labels, r, j, k, smoothing)
			loss += y * (lse - z[j])
			ysum += y
		}
		losses[r] = loss
		if grad != nil {
			g := grad[r*k : (r+1)*k]
			for j := 0; j < k; j++ {
				g[j] = math.Exp(z[j]-lse)*ysum - targetValue(target, labels, r, j, k, smoothing)
			}
		}
	}
	return nil
}

// crossEntropyProbabilities is Keras's probability path: q = p/Σp, c = clip(q, ε, 1−ε),
// ℓ = −Σ y·log c; the clip passes no gradient outside [ε, 1−ε].
func crossEntropyProbabilities(target, pred []float64, k int, smoothing float64, losses, grad []float64, labels []int) error {
	rows := len(pred) / k
	g := make([]float64, k)
	for r := 0; r < rows; r++ {
		p := pred[r*k : (r+1)*k]
		s := 0.0
		for _, v := range p {
			s += v
		}
		loss, dot := 0.0, 0.0
		for j := 0; j < k; j++ {
			q := p[j] / s
			c := math.Min(math.Max(q, epsilon), 1-epsilon)
			y := targetValue(target, labels, r, j, k, smoothing)
			loss -= y * math.Log(c)
			g[j] = 0
			if q >= epsilon && q <= 1-epsilon {
				g[j] = -y / c
			}
			dot += g[j] * q
		}
		losses[r] = loss
		if grad != nil {
			for j := 0; j < k; j++ {
				grad[r*k+j] = (g[j] - dot) / s
			}
		}
	}
	return nil
}

func targetValue(target []float64, labels []int, r, j, k int, smoothing float64) float64 {
	var y float64
	if labels != nil {
		if labels[r] == j {
			y = 1
		}
	} else {
		y = target[r*k+j]
	}
	if smoothing != 0 {
		y = y*(1-smoothing) + smoothing/float64(k)
	}
	return y
}

// BinaryCrossentropy is Keras's binary_crossentropy, the mean over the last axis of
// −(y·log(p+ε) + (1−y)·log(1−p+ε)) with p clipped to [ε, 1−ε]; from logits (or fused with
// a sigmoid output) it is the stable max(z,0) − z·y + log(1+exp(−|z|)).
type BinaryCrossentropy struct {
	FromLogits     bool
	LabelSmoothing float64
}

func (BinaryCrossentropy) Name() string          { return "binary_crossentropy" }
func (BinaryCrossentropy) TargetWidth(k int) int { return k }
func (BinaryCrossentropy) Activation() string    { return "sigmoid" }

func (l BinaryCrossentropy) smooth(y float64) float64 {
	return y*(1-l.LabelSmoothing) + 0.5*l.LabelSmoothing
}

func (l BinaryCrossentropy) Eval(target []float64, tw int, pred []float64, k int, losses, grad []float64) error {
	if l.FromLogits {
		return l.EvalLogits(target, tw, pred, k, losses, grad)
	}
	rows := len(pred) / k
	for r := 0; r < rows; r++ {
		loss := 0.0
		for j := 0; j < k; j++ {
			i := r*k + j
			y := l.smooth(target[i])
			p := math.Min(math.Max(pred[i], epsilon), 1-epsilon)
			loss -= y*math.Log(p+epsilon) + (1-y)*math.Log(1-p+epsilon)
			if grad != nil {
				g := 0.0
				if pred[i] >= epsilon && pred[i] <= 1-epsilon {
					g = -y/(p+epsilon) + (1-y)/(1-p+epsilon)
				}
				grad[i] = g / float64(k)
			}
		}
		losses[r] = loss / float64(k)
	}
	return nil
}

func (l BinaryCrossentropy) EvalLogits(target []float64, tw int, logits []float64, k int, losses, grad []float64) error {
	rows := len(logits) / k
	for r := 0; r < rows; r++ {
		loss := 0.0
		for j := 0; j < k; j++ {
			i := r*k + j
			z, y := logits[i], l.smooth(target[i])
			loss += math.Max(z, 0) - z*y + math.Log1p(math.Exp(-math.Abs(z)))
			if grad != nil {
				grad[i] = (1/(1+math.Exp(-z)) - y) / float64(k)
			}
		}
		losses[r] = loss / float64(k)
	}
	return nil
}

// MeanSquaredError is Keras's mean_squared_error: the mean over the last axis of (y−p)².
type MeanSquaredError struct{}

func (MeanSquaredError) Name() string          { return "mean_squared_error" }
func (MeanSquaredError) TargetWidth(k int) int { return k }

func (MeanSquaredError) Eval(target []float64, tw int, pred []float64, k int, losses, grad []float64) error {
	rows := len(pred) / k
	for r := 0; r < rows; r++ {
		loss := 0.0
		for j := 0; j < k; j++ {
			i := r*k + j
			d := pred[i] - target[i]
			loss += d * d
			if grad != nil {
				grad[i] = 2 * d / float64(k)
			}
		}
		losses[r] = loss / float64(k)
	}
	return nil
}
