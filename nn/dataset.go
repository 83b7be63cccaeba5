package nn

import (
	"context"

	"gorgonia.org/tensor"
)

// Batch is one batch of a Dataset.
type Batch struct {
	// X holds one tensor per model input, each float32 (B, ...).
	X []*tensor.Dense
	// Y holds the targets, float32 (B, ...): one-hot rows for categorical losses, class
	// indices (B) or (B, 1) for sparse ones. Nil for a dataset without targets (Predict).
	Y *tensor.Dense
	// SampleWeights optionally weighs each sample's loss (Keras sample_weight); nil means 1.
	SampleWeights []float32
}

// Size is the number of samples in the batch.
func (b *Batch) Size() int {
	if len(b.X) == 0 || b.X[0] == nil {
		return 0
	}
	return b.X[0].Shape()[0]
}

// Dataset is Keras's Sequence: a fixed number of batches per epoch, addressed by index.
// Fit asks for batches 0, 1, ... in order; a dataset may prefetch ahead.
// Batch must return batches that stay valid until the next call to Batch.
type Dataset interface {
	// Len is the number of batches in one epoch.
	Len() int
	// Batch returns batch i, 0 <= i < Len().
	Batch(ctx context.Context, i int) (*Batch, error)
}

// EpochSetter is implemented by datasets whose order changes from epoch to epoch (shuffling,
// augmentation). Fit calls SetEpoch(e) before the first batch of epoch e (0-based), so the
// order is a function of the dataset's seed and the epoch alone: a run resumed at epoch e
// sees the same batches as an uninterrupted one.
type EpochSetter interface {
	SetEpoch(epoch int)
}
