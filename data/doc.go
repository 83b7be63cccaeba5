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
//   - ImageDataGenerator: Keras's ImageDataGenerator (keras_preprocessing 1.1, as in TF 2.3–2.8)
//     with FlowFromDirectory (DirectoryIterator) and Flow (ArrayIterator).
//
// # Images, as Keras
//
// FlowFromDirectory lists, splits, decodes, resizes and augments as Keras does, and the
// tests hold it to Keras's own output (testdata/keras): the file list, class indices, subsets
// and labels are identical; decoded and resized pixels of lossless files (PNG, BMP, PPM/PGM,
// TIFF) are identical. Sequential (baseline) and progressive JPEGs in 4:4:4, 4:2:2, 4:2:0,
// 4:4:0 or grey, the photographs cameras, browsers and most tools write, are decoded by
// jpeg.go with libjpeg's integer inverse DCT and its SIMD arithmetic, and ycbcr.go upsamples
// chroma and converts colour as libjpeg does: their pixels equal PIL's bit for bit (Go's
// image/jpeg and YCbCr.At would differ by up to 113 levels at colour edges; image/jpeg alone
// by 2 to 3 on progressive files, and it fails on progressive files with restart markers).
// Arithmetic-coded, 12-bit and CMYK JPEGs, other samplings (4:1:1, 4:1:0) and progressive
// files whose scans leave the low frequencies incomplete (which libjpeg smooths) go to the
// standard library's image/jpeg, whose inverse DCT differs from libjpeg's: within 3 levels
// of PIL (96.7% of values equal), 4 on Go's progressive.truncated test file. The decoder
// reuses its memory image after image and decodes about twice as fast as image/jpeg
// (BenchmarkDecodeJPEG). The affine step is scipy's
// affine_transform(order=1) computed in the same float64 order, and brightness goes through
// PIL's byte image as in Keras. Only the random draws
// differ: they come from a PCG generator seeded by (seed, epoch, image index), not NumPy's
// global stream. The pipeline per image is: decode → colour mode → PIL resize (nearest: a
// gather of the needed pixels only) → one resampling pass for the affine transform with the
// flips folded in → channel shift, brightness → PreprocessingFunction → Rescale.
//
// Departures from Keras, each a fix for a known pitfall (KERAS.md §9.3–9.5, 9.10, 9.13):
// the validation subset is not augmented unless AugmentValidation; RandomSplit offers a
// seeded random per-class split; ForPredict iterates in file order without augmentation and
// Order exposes the order of any epoch; work runs in parallel goroutines (FlowConfig.Workers)
// with bounded prefetch, and batches do not depend on the number of workers; images are
// refused above FlowConfig.MaxPixels before decoding; an empty class folder is an error
// (AllowEmptyClasses restores Keras's silence); corrupt files are errors naming the file, or
// counted skips with SkipInvalid; webp is accepted besides Keras's extensions (KerasExtensions
// gives Keras's list). Not implemented: featurewise normalisation and ZCA (they need fit),
// interpolation_order other than 1, save_to_dir, flow_from_dataframe.
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
