package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/org/gotl/internal/atomicfile"
)

// Write writes a as an .npy file to w: little-endian float32, C order, with the header np.save
// would write for it, so that the bytes are those of np.save(f, x.astype('<f4')).
// It checks that the shape has no negative dimension and matches len(a.Data).
func Write(w io.Writer, a Array) error {
	if err := write(w, a); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

// WriteFile writes a to the .npy file at path, atomically: a crash or an error leaves the old
// file, if any, in place (see internal/atomicfile).
func WriteFile(path string, a Array) error {
	if err := check(a); err != nil {
		return fmt.Errorf("npy: write %s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		if err := write(w, a); err != nil {
			return fmt.Errorf("npy: write %s: %w", path, err)
		}
		return nil
	})
}

// check reports an Array that would make a file no reader could read back.
func check(a Array) error {
	if len(a.Shape) > maxDims {
		return fmt.Errorf("shape has %d dimensions, more than %d", len(a.Shape), maxDims)
	}
	count, _, err := sizeOf(a.Shape, 4)
	if err != nil {
		return err
	}
	if count != len(a.Data) {
		return fmt.Errorf("shape %s holds %d elements, but Data has %d", shapeString(a.Shape), count, len(a.Data))
	}
	return nil
}

func write(w io.Writer, a Array) error {
	if err := check(a); err != nil {
		return err
	}
	if _, err := w.Write(formatHeader(a.Shape)); err != nil {
		return err
	}
	buf := make([]byte, 0, min(chunkSize, 4*len(a.Data)))
	for data := a.Data; len(data) > 0; {
		n := min(len(data), cap(buf)/4)
		buf = buf[:0]
		for _, v := range data[:n] {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}
