// Package npy reads and writes NumPy's .npy and .npz files, the formats of gotl's weight files
// and checkpoints (DESIGN.md §2) and of the arrays a user hands to the command line.
//
// # Data layout
//
// An Array is a C-order (row-major) float32 buffer and its shape, the way Keras holds a variable:
// a Dense kernel is (in, out), a Conv2D kernel (kh, kw, in, out). Write always writes
// little-endian float32 ('<f4') with a version 1.0 header, byte for
// byte what numpy 1.24 np.save writes for the same array. Read accepts header versions 1.0, 2.0
// and 3.0 and these element types, converted to float32 with the file's type kept in
// Array.DType: float16, float32, float64, int8 to int64, uint8 to uint64 and bool, little- or
// big-endian. Converting float64 rounds to nearest; integers beyond ±2^24 lose low bits.
// Fortran-order arrays, structured and object dtypes and pickles are refused with
// ErrUnsupported.
//
// An .npz file is a zip archive with one .npy entry per array, stored (np.savez) or deflated
// (np.savez_compressed). The entry "dense/kernel.npy" is the key "dense/kernel". WriteNPZ
// writes stored entries in the order given, so that a checkpoint lists its variables in model
// order.
//
// # Untrusted input
//
// Every reader treats its input as hostile: the header (magic, version, length, dictionary,
// dtype, shape) is validated; dimensions must be non-negative and their product, times the
// element size, must not overflow; and the data size the header claims is compared with the
// bytes the file or archive entry holds before anything is allocated for it. A header that
// claims 10^12 elements in a small file is an error, not an out-of-memory crash; a truncated
// file is an error that gives the bytes expected and found. A deflated .npz entry is read in
// chunks, so memory grows with the data actually decompressed, never with what the entry's
// headers claim. A malformed input gives a *FormatError that names the file and the .npz entry
// and unwraps to ErrTruncated, ErrUnsupported or the underlying read error where one applies;
// a file that cannot be opened gives the *fs.PathError wrapped with %w; a key an archive lacks
// gives an error wrapping ErrNoEntry. FuzzReadNPY and FuzzReadNPZ hold the parsers to this.
//
// # Why not codeberg.org/sbinet/npyio for reading and writing
//
// The team's npyio v0.14.0 was checked against these rules and fails them on the read path, so
// this package parses the (small) format itself and uses npyio only in tests, as an independent
// implementation that must agree with this one. On hostile input npyio.NewReader and
// (*npyio.Reader).Read:
//   - panic on a header without a newline and on a header whose keys are not in sorted order
//     (slice bounds out of range);
//   - allocate the header length before checking it against anything (a version 2.0 header of
//     2^31 bytes is a 2 GiB allocation from a 12-byte file), and allocate the claimed element
//     count of a []float32 before reading a byte of data (1e9 elements from a 100-byte file);
//   - accept negative dimensions, an element count that overflows, truncated data (reporting
//     io.EOF with a partly filled slice), and trailing bytes;
//   - silently return Fortran-order data as if it were C order, and refuse version 3.0 headers.
//
// On the write path npyio writes a multi-dimensional shape only from nested Go slices or a
// gonum matrix (a flat []float32 becomes shape (n,)), always writes version 2.0 headers (which
// numpy before 1.9 cannot read) that leave the data unaligned, and its npz writer creates the
// file in place, not atomically; writing here goes through internal/atomicfile instead.
package npy
