package npy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"testing/iotest"
)

// The fuzz targets hold the readers to the promises of doc.go on any input: no panic, only
// *FormatError values naming the input, results consistent with their shape, and memory
// bounded by the input's size rather than by what its headers claim. Their seed corpora are
// the numpy fixtures in testdata plus testdata/fuzz/FuzzReadNPY and testdata/fuzz/FuzzReadNPZ.

// allocated returns the bytes allocated so far by the process.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// addFixtures adds the testdata files with the extension ext to the seed corpus.
func addFixtures(f *testing.F, ext string) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*"+ext))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no %s fixtures: %v", ext, err)
	}
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkResult checks what a reader returned for the input named name.
func checkResult(t *testing.T, name string, a Array, err error) {
	t.Helper()
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Path != name {
			t.Fatalf("error %v is not a *FormatError naming %s", err, name)
		}
		return
	}
	count, _, serr := sizeOf(a.Shape, a.DType.Size())
	if serr != nil || count != len(a.Data) || a.Shape == nil || len(a.Shape) > maxDims {
		t.Fatalf("result has shape %v and %d elements (%v)", a.Shape, len(a.Data), serr)
	}
}

func FuzzReadNPY(f *testing.F) {
	addFixtures(f, ".npy")
	f.Fuzz(func(t *testing.T, b []byte) {
		before := allocated()
		a, err := Read(bytes.NewReader(b), int64(len(b)), "fuzz.npy")
		grew := allocated() - before
		// Data is at most 4 bytes per input byte (uint8 to float32); the header and the
		// chunk buffer are each at most the input; the rest is small.
		if limit := 6*uint64(len(b)) + 64<<10; grew > limit {
			t.Fatalf("reading %d bytes allocated %d (limit %d)", len(b), grew, limit)
		}
		checkResult(t, "fuzz.npy", a, err)
		if err == nil && len(a.Data)*a.DType.Size() > len(b) {
			t.Fatalf("%d elements of %v from %d bytes", len(a.Data), a.DType, len(b))
		}

		// Streamed with its length unknown, a byte at a time, the input reads the same.
		s, serr := Read(iotest.OneByteReader(bytes.NewReader(b)), -1, "fuzz.npy")
		checkResult(t, "fuzz.npy", s, serr)
		if (err == nil) != (serr == nil) || err == nil && (!sameBits(a.Data, s.Data) || a.DType != s.DType) {
			t.Fatalf("read with its size: %v; streamed: %v", err, serr)
		}

		// What reads as float32 writes back to the same values.
		if err == nil {
			var buf bytes.Buffer
			if err := Write(&buf, a); err != nil {
				t.Fatal(err)
			}
			back, err := Read(&buf, int64(buf.Len()), "rewritten")
			if err != nil || !sameBits(back.Data, a.Data) {
				t.Fatalf("writing back and reading again: %v", err)
			}
		}
	})
}

func FuzzReadNPZ(f *testing.F) {
	addFixtures(f, ".npz")
	ok := npyFile(1, f4Dict("(2,)"), make([]byte, 8))
	f.Add(buildZip(f, rawEntry{name: "dense/kernel.npy", method: 8, npy: ok}, rawEntry{name: "dense/bias.npy", npy: ok}))
	f.Fuzz(func(t *testing.T, b []byte) {
		before := allocated()
		z, err := newNPZ(bytes.NewReader(b), int64(len(b)), "fuzz.npz")
		if err != nil {
			checkResult(t, "fuzz.npz", Array{}, err)
			return
		}
		total := 0
		for _, key := range z.Keys() {
			a, err := z.Read(key)
			checkResult(t, "fuzz.npz", a, err)
			total += len(a.Data)
		}
		grew := allocated() - before
		// Deflate expands at most 1032 times, and float32 data is at most 4 bytes per
		// decompressed byte; each entry also costs a decompressor and a chunk buffer, about
		// 1600 bytes per input byte at the smallest entry size.
		if limit := (4*maxDeflateRatio+2000)*uint64(len(b)) + 1<<20; grew > limit {
			t.Fatalf("reading %d bytes allocated %d (limit %d), for %d elements", len(b), grew, limit, total)
		}
		if missing := "no such key/x"; !slices.Contains(z.Keys(), missing) {
			if _, err := z.Read(missing); !errors.Is(err, ErrNoEntry) {
				t.Fatalf("reading a missing key: %v", err)
			}
		}
	})
}
