// Package data feeds models: it reads datasets from disk, holds them in memory and cuts them
// into batches for nn.Model's Fit, Evaluate and Predict. Every iterator implements nn.Dataset
// (Keras's Sequence: Len batches addressed by index) and nn.EpochSetter.
//
// # Contents
//
//   - ReadIDX / DecodeIDX: the idx format of MNIST and its relatives, raw or gzip-compressed.
//   - LoadFashionMNIST: keras.datasets.fashion_mnist.load_data from the files of Debian's
//     dataset-fashion-mnist package (DefaultFashionMNISTDir).
//   - NewArrayDataset: model.fit(x, y, batch_size, shuffle) over in-memory tensors; Split
//     (x[from:to] without copying) and OneHot (to_categorical) prepare them.
//
// # Layout
//
// Tensors are gorgonia.org/tensor *tensor.Dense, float32, row-major, built on their backing
// slice without copying. Images are NHWC (N, H, W, C), Keras's channels_last. Labels are class
// indices float32 (N), or one-hot rows (N, K) after OneHot. Loaders return pixel values as
// stored (0..255 for 8-bit images): scaling is the caller's choice, as in Keras.
//
// # Batches
//
// A batch returned by Batch lives in buffers that the dataset reuses: it stays valid until the
// next call to Batch, as nn.Dataset requires. The last batch of an epoch is partial (N mod B
// samples) unless DropRemainder is set, as in Keras. Shuffling and every other random choice is
// a pure function of the dataset's seed and the epoch set with SetEpoch (a PCG generator from
// math/rand/v2), so an epoch can be replayed or a run resumed; the streams cannot match NumPy's,
// but their semantics match Keras's.
//
// # Errors
//
// Constructors validate their configuration and return errors that name the field, the value
// and the rule. Files are untrusted input: headers are checked against the file's length before
// anything is allocated, sizes are capped, and every error names the file (wrapping the
// underlying error with %w, so errors.Is(err, os.ErrNotExist) works). Nothing in the package
// panics on bad data or exits.
package data
