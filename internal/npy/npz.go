package npy

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
	"time"

	"github.com/org/gotl/internal/atomicfile"
)

// maxDeflateRatio bounds how much deflate can expand its input: a 258-byte match costs at
// least 2 bits, so one compressed byte yields at most 1032. An entry whose sizes claim more is
// corrupt, whatever its data turns out to be.
const maxDeflateRatio = 1032

// NPZ is an open .npz archive. Its methods may not be called concurrently.
type NPZ struct {
	path    string
	size    int64 // bytes in the archive
	closer  io.Closer
	keys    []string
	entries map[string]*zip.File
}

// OpenNPZ opens the .npz archive at path and reads its directory. The caller must Close it.
func OpenNPZ(path string) (*NPZ, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("npy: %w", err)
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("npy: %s is not a regular file (%v)", path, info.Mode().Type())
	}
	z, err := newNPZ(f, info.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	z.closer = f
	return z, nil
}

// newNPZ reads the directory of the archive r of size bytes; path names it in errors.
func newNPZ(r io.ReaderAt, size int64, path string) (*NPZ, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, &FormatError{Path: path, Reason: "not a valid zip archive (.npz)", Err: err}
	}
	z := &NPZ{path: path, size: size, entries: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory entry from a general zip tool, not an array
		}
		key := strings.TrimSuffix(f.Name, ".npy")
		if other, ok := z.entries[key]; ok {
			return nil, &FormatError{Path: path, Entry: f.Name, Reason: fmt.Sprintf("key %q is also the entry %q", key, other.Name)}
		}
		z.entries[key] = f
		z.keys = append(z.keys, key)
	}
	return z, nil
}

// Keys returns the keys of the arrays in archive order: each entry's name without ".npy".
func (z *NPZ) Keys() []string { return append([]string(nil), z.keys...) }

// Read reads the array stored under key (the entry key+".npy"). A key the archive does not
// hold is an error wrapping ErrNoEntry.
func (z *NPZ) Read(key string) (Array, error) {
	f, ok := z.entries[key]
	if !ok {
		return Array{}, fmt.Errorf("npy: %s: no array %q among its %d: %w", z.path, key, len(z.keys), ErrNoEntry)
	}
	fail := func(reason string, err error) (Array, error) {
		return Array{}, &FormatError{Path: z.path, Entry: f.Name, Reason: reason, Err: err}
	}
	if f.Flags&0x1 != 0 {
		return fail("encrypted entries are not read", ErrUnsupported)
	}
	if f.UncompressedSize64 > math.MaxInt64 || f.CompressedSize64 > math.MaxInt64 {
		return fail(fmt.Sprintf("entry sizes %d (compressed %d) overflow", f.UncompressedSize64, f.CompressedSize64), nil)
	}
	offset, err := f.DataOffset()
	if err != nil {
		return fail("reading the entry's local header", err)
	}
	if compressed := int64(f.CompressedSize64); offset > z.size || compressed > z.size-offset {
		return fail(fmt.Sprintf("truncated: the entry's %d bytes at offset %d run past the end of the %d-byte archive", compressed, offset, z.size), ErrTruncated)
	}
	// Stored data lies within the archive, so its size bounds memory as a file's does. Deflated
	// data is only bounded by what it decompresses to: read it in chunks.
	var prealloc bool
	switch f.Method {
	case zip.Store:
		if f.UncompressedSize64 != f.CompressedSize64 {
			return fail(fmt.Sprintf("stored entry says it holds %d bytes uncompressed and %d compressed", f.UncompressedSize64, f.CompressedSize64), nil)
		}
		prealloc = true
	case zip.Deflate:
		if f.UncompressedSize64/maxDeflateRatio > f.CompressedSize64 {
			return fail(fmt.Sprintf("deflated entry claims %d bytes from %d, beyond deflate's ratio", f.UncompressedSize64, f.CompressedSize64), nil)
		}
	default:
		return fail(fmt.Sprintf("compression method %d (want stored or deflate)", f.Method), ErrUnsupported)
	}
	// The entry is read raw and decompressed here, rather than through zip.File.Open, whose
	// reader drops the last chunk when a stream ends early (so truncation could not say how
	// much was found) and checks the CRC only on reaching EOF, which readArray never asks for.
	raw, err := f.OpenRaw()
	if err != nil {
		return fail("opening the entry", err)
	}
	content := raw
	if f.Method == zip.Deflate {
		fr := flate.NewReader(raw)
		defer fr.Close()
		content = fr
	}
	cr := &crcReader{r: content, crc: crc32.NewIEEE()}
	a, err := readArray(cr, int64(f.UncompressedSize64), prealloc, z.path, f.Name)
	if err != nil {
		return Array{}, err
	}
	// readArray read exactly the bytes the entry claims; the stream must end there.
	var extra [1]byte
	if n, err := io.ReadFull(cr, extra[:]); n > 0 {
		return fail(fmt.Sprintf("the entry's data runs on past the %d bytes it claims", f.UncompressedSize64), nil)
	} else if err != io.EOF {
		return fail("reading the end of the entry", err)
	}
	if got := cr.crc.Sum32(); got != f.CRC32 {
		return fail(fmt.Sprintf("CRC-32 of the data is %#08x, the entry says %#08x", got, f.CRC32), zip.ErrChecksum)
	}
	return a, nil
}

// crcReader computes the CRC-32 of what is read through it.
type crcReader struct {
	r   io.Reader
	crc hash.Hash32
}

func (r *crcReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.crc.Write(p[:n])
	return n, err
}

// Close closes the archive file.
func (z *NPZ) Close() error {
	if z.closer == nil {
		return nil
	}
	err := z.closer.Close()
	z.closer = nil
	return err
}

// ReadNPZ reads every array of the .npz archive at path, keyed as NPZ.Keys.
func ReadNPZ(path string) (map[string]Array, error) {
	z, err := OpenNPZ(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	return z.readAll()
}

func (z *NPZ) readAll() (map[string]Array, error) {
	arrays := make(map[string]Array, len(z.keys))
	for _, key := range z.keys {
		a, err := z.Read(key)
		if err != nil {
			return nil, err
		}
		arrays[key] = a
	}
	return arrays, nil
}

// zipTime is the modification time of every entry WriteNPZ writes: the zip format's epoch, so
// that the same arrays always make the same bytes.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteNPZ writes arrays[i] under keys[i] (the entry keys[i]+".npy") to the .npz archive at
// path, in that order, uncompressed like np.savez, and atomically: a crash or an error leaves
// the old file, if any, in place. A key is a slash-separated path such as "dense/kernel" with no
// empty, "." or ".." element and no backslash; keys must be unique.
func WriteNPZ(path string, keys []string, arrays []Array) error {
	if err := checkNPZ(keys, arrays); err != nil {
		return fmt.Errorf("npy: write %s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for i, key := range keys {
			ew, err := zw.CreateHeader(&zip.FileHeader{Name: key + ".npy", Method: zip.Store, Modified: zipTime})
			if err == nil {
				err = write(ew, arrays[i])
			}
			if err != nil {
				return fmt.Errorf("npy: write %s: entry %q: %w", path, key+".npy", err)
			}
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("npy: write %s: %w", path, err)
		}
		return nil
	})
}

// checkNPZ checks the keys and arrays for WriteNPZ before anything is written.
func checkNPZ(keys []string, arrays []Array) error {
	if len(keys) != len(arrays) {
		return fmt.Errorf("%d keys for %d arrays", len(keys), len(arrays))
	}
	seen := make(map[string]bool, len(keys))
	for i, key := range keys {
		if !fs.ValidPath(key) || key == "." || strings.Contains(key, `\`) {
			return fmt.Errorf("key %q: want a slash-separated path without empty, \".\" or \"..\" elements or backslashes", key)
		}
		if seen[key] {
			return fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		if err := check(arrays[i]); err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
	}
	return nil
}
