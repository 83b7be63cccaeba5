package npy

import (
	"fmt"
	"io"
	"os"
	"slices"
)

// Array is an n-dimensional float32 array in C order: the element at index (i0, i1, ..., ik)
// is Data[((i0*Shape[1]+i1)*Shape[2]+...)*Shape[k]+ik]. An empty Shape is a scalar holding one
// element.
type Array struct {
	Shape []int
	Data  []float32 // len(Data) is the product of Shape
	DType DType     // the element type in the file Data was read from; Write ignores it
}

// chunkSize is the size of the buffer that data passes through on its way between the file
// and Data: large enough that the per-call overhead vanishes, small enough to be negligible
// next to any array worth streaming, and a multiple of every element size.
const chunkSize = 64 << 10

// ReadFile reads the .npy file at path.
func ReadFile(path string) (Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return Array{}, fmt.Errorf("npy: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Array{}, fmt.Errorf("npy: %w", err)
	}
	if !info.Mode().IsRegular() {
		return Array{}, fmt.Errorf("npy: %s is not a regular file (%v)", path, info.Mode().Type())
	}
	return readArray(f, info.Size(), true, path, "")
}

// Read reads one .npy array from r, which holds size bytes (the whole file: header, data and
// nothing after), or an unknown number if size is negative. name is what errors call the input.
//
// With a known size, Read checks the header's claim against size and then allocates the whole
// array at once: size must come from a source Read can trust for this, such as the file
// system. With size < 0, memory grows with the data actually read, and after the data Read
// reads one more byte to make sure the input ends there.
func Read(r io.Reader, size int64, name string) (Array, error) {
	return readArray(r, size, size >= 0, name, "")
}

// readArray reads an .npy array from r, which holds size bytes, or an unknown number if size is
// negative. If prealloc, the size was checked by a trustworthy source and Data is allocated at
// once; otherwise it grows chunk by chunk as data arrives. path and entry name the input in
// errors.
func readArray(r io.Reader, size int64, prealloc bool, path, entry string) (Array, error) {
	fail := func(err error) (Array, error) {
		if fe, ok := err.(*FormatError); ok {
			fe.Path, fe.Entry = path, entry
		}
		return Array{}, err
	}
	what := "file"
	if entry != "" {
		what = "entry"
	}
	h, err := readHeader(r, size, what)
	if err != nil {
		return fail(err)
	}
	if size >= 0 {
		if have := size - h.headerLen; h.dataLen > have {
			return fail(&FormatError{Reason: fmt.Sprintf("truncated: shape %s of %s needs %d bytes of data, the %s has %d after its %d-byte header",
				shapeString(h.shape), h.elem.dtype, h.dataLen, what, have, h.headerLen), Err: ErrTruncated})
		} else if h.dataLen < have {
			return fail(&FormatError{Reason: fmt.Sprintf("%d unexpected bytes after the data of shape %s of %s",
				have-h.dataLen, shapeString(h.shape), h.elem.dtype)})
		}
	} else {
		prealloc = false
	}

	data, err := readData(r, h, prealloc)
	if err != nil {
		return fail(err)
	}
	if size < 0 {
		var extra [1]byte
		if n, _ := io.ReadFull(r, extra[:]); n > 0 {
			return fail(&FormatError{Reason: fmt.Sprintf("unexpected bytes after the data of shape %s of %s", shapeString(h.shape), h.elem.dtype)})
		}
	}
	return Array{Shape: h.shape, Data: data, DType: h.elem.dtype}, nil
}

// readData reads the h.dataLen bytes of data that follow the header and converts them.
func readData(r io.Reader, h header, prealloc bool) ([]float32, error) {
	elemSize := int64(h.elem.dtype.Size())
	buf := make([]byte, min(chunkSize, h.dataLen))
	var data []float32
	if prealloc {
		data = make([]float32, 0, h.count)
	} else {
		data = make([]float32, 0, min(int64(h.count), chunkSize/elemSize))
	}
	for done := int64(0); done < h.dataLen; {
		chunk := buf[:min(int64(len(buf)), h.dataLen-done)]
		n, err := io.ReadFull(r, chunk)
		if err != nil {
			if isEOF(err) {
				return nil, &FormatError{Reason: fmt.Sprintf("truncated: shape %s of %s needs %d bytes of data, found %d",
					shapeString(h.shape), h.elem.dtype, h.dataLen, done+int64(n)), Err: ErrTruncated}
			}
			return nil, &FormatError{Reason: fmt.Sprintf("reading data at byte %d of %d", done+int64(n), h.dataLen), Err: err}
		}
		k := len(data)
		data = slices.Grow(data, n/int(elemSize))[:k+n/int(elemSize)]
		h.elem.decode(data[k:], chunk)
		done += int64(n)
	}
	return data, nil
}
