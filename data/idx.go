package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// IDXType is the element type of an idx file, the byte after the two zero bytes of its magic.
type IDXType byte

// The element types of the idx format (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT").
// Multi-byte elements are stored big-endian.
const (
	IDXUint8   IDXType = 0x08
	IDXInt8    IDXType = 0x09
	IDXInt16   IDXType = 0x0B
	IDXInt32   IDXType = 0x0C
	IDXFloat32 IDXType = 0x0D
	IDXFloat64 IDXType = 0x0E
)

// Size is the number of bytes of one element, or 0 for an unknown type.
func (t IDXType) Size() int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

func (t IDXType) String() string {
	switch t {
	case IDXUint8:
		return "uint8"
	case IDXInt8:
		return "int8"
	case IDXInt16:
		return "int16"
	case IDXInt32:
		return "int32"
	case IDXFloat32:
		return "float32"
	case IDXFloat64:
		return "float64"
	}
	return fmt.Sprintf("IDXType(0x%02x)", byte(t))
}

// MaxIDXBytes caps the data an idx file may claim (2 GiB), so that a corrupt or hostile header
// cannot make the reader allocate without bound. The largest MNIST-family file is 47 MB.
const MaxIDXBytes = 1 << 31

// IDX is the content of an idx file: its dimensions and its elements in file (row-major) order.
type IDX struct {
	Type IDXType
	Dims []int
	// Data holds the elements as stored: one byte each for IDXUint8 and IDXInt8, big-endian
	// otherwise. len(Data) == NumElements() * Type.Size().
	Data []byte
}

// NumElements is the product of the dimensions (1 for a file with no dimensions).
func (x *IDX) NumElements() int {
	n := 1
	for _, d := range x.Dims {
		n *= d
	}
	return n
}

// Float32 converts the elements to float32, whatever their stored type.
func (x *IDX) Float32() []float32 {
	n := x.NumElements()
	out := make([]float32, n)
	b := x.Data
	switch x.Type {
	case IDXUint8:
		for i := range out {
			out[i] = float32(b[i])
		}
	case IDXInt8:
		for i := range out {
			out[i] = float32(int8(b[i]))
		}
	case IDXInt16:
		for i := range out {
			out[i] = float32(int16(binary.BigEndian.Uint16(b[2*i:])))
		}
	case IDXInt32:
		for i := range out {
			out[i] = float32(int32(binary.BigEndian.Uint32(b[4*i:])))
		}
	case IDXFloat32:
		for i := range out {
			out[i] = math.Float32frombits(binary.BigEndian.Uint32(b[4*i:]))
		}
	case IDXFloat64:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.BigEndian.Uint64(b[8*i:])))
		}
	}
	return out
}

// ReadIDX reads an idx file (the MNIST format), raw or gzip-compressed (detected by its magic
// bytes 1f 8b, not by the file name). The header is checked before anything is allocated: a raw
// file must be exactly as long as its header says; a compressed one must decompress to exactly
// that length, at most MaxIDXBytes. Errors name the file.
func ReadIDX(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: idx: %w", err)
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	x, err := decodeIDX(f, size)
	if err != nil {
		return nil, fmt.Errorf("data: idx %q: %w", path, err)
	}
	return x, nil
}

// DecodeIDX reads an idx stream, raw or gzip-compressed, with the checks of ReadIDX; the data
// are read in chunks, so memory grows only with bytes actually present.
func DecodeIDX(r io.Reader) (*IDX, error) {
	x, err := decodeIDX(r, -1)
	if err != nil {
		return nil, fmt.Errorf("data: idx: %w", err)
	}
	return x, nil
}

// decodeIDX decodes from r; size is the byte length of r when known (a regular file), else -1.
func decodeIDX(r io.Reader, size int64) (*IDX, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil {
		return nil, fmt.Errorf("reading magic: %w", unexpectedEOF(err))
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", unexpectedEOF(err))
		}
		zr.Multistream(false)
		x, err := decodeRawIDX(zr, -1)
		if err != nil {
			return nil, err
		}
		// Reading to the end verifies the gzip checksum.
		if n, err := io.Copy(io.Discard, io.LimitReader(zr, 1)); err != nil {
			return nil, fmt.Errorf("gzip: %w", unexpectedEOF(err))
		} else if n > 0 {
			return nil, errors.New("decompressed data are longer than the header says")
		}
		return x, nil
	}
	return decodeRawIDX(br, size)
}

// decodeRawIDX decodes an uncompressed idx stream whose total length is size (-1 if unknown).
func decodeRawIDX(r io.Reader, size int64) (*IDX, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("reading header: %w", unexpectedEOF(err))
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, fmt.Errorf("bad magic % x: an idx file starts with two zero bytes", head[:])
	}
	typ := IDXType(head[2])
	elem := typ.Size()
	if elem == 0 {
		return nil, fmt.Errorf("unknown element type 0x%02x", head[2])
	}
	ndims := int(head[3])
	dimBytes := make([]byte, 4*ndims)
	if _, err := io.ReadFull(r, dimBytes); err != nil {
		return nil, fmt.Errorf("reading %d dimensions: %w", ndims, unexpectedEOF(err))
	}
	dims := make([]int, ndims)
	total := int64(elem)
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(dimBytes[4*i:]))
		dims[i] = int(d)
		// Overflow-safe: total stays <= MaxIDXBytes, d < 2^32, so the product fits in int64.
		total *= d
		if total > MaxIDXBytes {
			return nil, fmt.Errorf("dimensions %v claim more than %d bytes", dimsUpTo(dimBytes, i), MaxIDXBytes)
		}
	}
	headerLen := int64(4 + 4*ndims)
	if size >= 0 && size != headerLen+total {
		return nil, fmt.Errorf("file has %d bytes, header (%s, dimensions %v) says %d", size, typ, dims, headerLen+total)
	}
	// With the file length known and checked, allocate at once; otherwise start small.
	initial := min(total, 1<<20)
	if size >= 0 {
		initial = total
	}
	data, err := readExactly(r, total, initial)
	if err != nil {
		return nil, fmt.Errorf("reading %d bytes of %s data, dimensions %v: %w", total, typ, dims, err)
	}
	if size >= 0 {
		if n, _ := io.Copy(io.Discard, io.LimitReader(r, 1)); n > 0 {
			return nil, errors.New("file is longer than its header says")
		}
	}
	return &IDX{Type: typ, Dims: dims, Data: data}, nil
}

// readExactly reads n bytes from r into a buffer of initial capacity that doubles as data
// arrive, so that a header's claim alone never causes a large allocation.
func readExactly(r io.Reader, n, initial int64) ([]byte, error) {
	buf := make([]byte, 0, initial)
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*int64(cap(buf))+1))
			copy(grown, buf)
			buf = grown
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			if int64(len(buf)) < n {
				return nil, fmt.Errorf("short data: got %d bytes: %w", len(buf), io.ErrUnexpectedEOF)
			}
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func dimsUpTo(b []byte, i int) []uint32 {
	d := make([]uint32, i+1)
	for j := range d {
		d[j] = binary.BigEndian.Uint32(b[4*j:])
	}
	return d
}

// unexpectedEOF turns a bare io.EOF (nothing read) into io.ErrUnexpectedEOF: inside a file
// whose header promised more, an end is always unexpected.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
