package npy

import (
	"errors"
	"strconv"
)

var (
	// ErrTruncated is wrapped by a *FormatError for a file or entry that ends before the data
	// its header describes.
	ErrTruncated = errors.New("truncated")

	// ErrUnsupported is wrapped by a *FormatError for a valid NumPy file that uses a feature
	// this package does not read: Fortran order, a structured, object, complex or string dtype,
	// an unknown header version, or an .npz compression method other than stored and deflate.
	ErrUnsupported = errors.New("unsupported")

	// ErrNoEntry is wrapped by the error for a key that an .npz archive does not hold.
	ErrNoEntry = errors.New("no such entry")
)

// FormatError reports an .npy file or .npz archive that cannot be read: malformed, truncated,
// or using an unsupported feature.
type FormatError struct {
	Path   string // the file, or the name given to Read
	Entry  string // the .npz entry, such as "dense/kernel.npy"; empty for an .npy file
	Reason string // what is wrong, with the offending values
	Err    error  // ErrTruncated, ErrUnsupported, the underlying read error, or nil
}

func (e *FormatError) Error() string {
	msg := "npy: " + e.Path + ": "
	if e.Entry != "" {
		msg += "entry " + strconv.Quote(e.Entry) + ": "
	}
	msg += e.Reason
	// The sentinels' words are already in Reason; an underlying error adds information.
	if e.Err != nil && e.Err != ErrTruncated && e.Err != ErrUnsupported {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *FormatError) Unwrap() error { return e.Err }
