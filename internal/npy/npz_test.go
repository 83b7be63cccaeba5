package npy

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixtureWeights are the arrays make_fixtures.py stores in savez.npz, in order.
var fixtureWeights = []struct {
	key string
	a   Array
}{
	{"dense/kernel", Array{[]int{3, 2}, seq(6, func(i int) float32 { return float32(i) / 7 }), Float32}},
	{"dense/bias", Array{[]int{2}, []float32{0.5, -0.25}, Float32}},
	{"conv/kernel", Array{[]int{1, 1, 2, 3}, seq(6, func(i int) float32 { return float32(i) / 3 }), Float32}},
}

func TestReadNumpyArchives(t *testing.T) {
	labels := Array{[]int{3}, []float32{3, 1, 4}, Int64}
	for _, file := range []string{"savez.npz", "savez_compressed.npz"} {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("testdata", file)
			z, err := OpenNPZ(path)
			if err != nil {
				t.Fatal(err)
			}
			defer z.Close()
			wantKeys := []string{"dense/kernel", "dense/bias", "conv/kernel"}
			if file == "savez_compressed.npz" {
				wantKeys = append(wantKeys, "labels")
			}
			if got := z.Keys(); !slices.Equal(got, wantKeys) {
				t.Fatalf("Keys = %q, want %q", got, wantKeys)
			}
			for _, w := range fixtureWeights {
				got, err := z.Read(w.key)
				if err != nil {
					t.Fatal(err)
				}
				checkArray(t, got, w.a)
			}
			if file == "savez_compressed.npz" {
				got, err := z.Read("labels")
				if err != nil {
					t.Fatal(err)
				}
				checkArray(t, got, labels)
			}

			_, err = z.Read("dense/gamma")
			want := "npy: " + path + `: no array "dense/gamma" among its ` + map[bool]string{false: "3", true: "4"}[file == "savez_compressed.npz"] + ": no such entry"
			if !errors.Is(err, ErrNoEntry) || err.Error() != want {
				t.Errorf("Read of a missing key = %v, want %q", err, want)
			}

			all, err := ReadNPZ(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != len(wantKeys) {
				t.Errorf("ReadNPZ read %d arrays, want %d", len(all), len(wantKeys))
			}
			checkArray(t, all["dense/bias"], fixtureWeights[1].a)
		})
	}
}

func TestNPZRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.npz")
	keys := []string{"z_last/kernel", "a_first/bias", "optimizer/z_last/kernel/m", "iterations", "empty"}
	arrays := []Array{
		{Shape: []int{3, 3, 2, 4}, Data: seq(72, func(i int) float32 { return float32(i) - 36 })},
		{Shape: []int{4}, Data: []float32{float32(math.NaN()), float32(math.Inf(-1)), 0, -0.5}},
		{Shape: []int{3, 3, 2, 4}, Data: seq(72, func(i int) float32 { return 1 / float32(i+1) })},
		{Shape: []int{}, Data: []float32{1234}},
		{Shape: []int{0}, Data: []float32{}},
	}
	if err := WriteNPZ(path, keys, arrays); err != nil {
		t.Fatal(err)
	}
	z, err := OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := z.Keys(); !slices.Equal(got, keys) {
		t.Errorf("Keys = %q, want the order written, %q", got, keys)
	}
	for i, key := range keys {
		got, err := z.Read(key)
		if err != nil {
			t.Fatal(err)
		}
		checkArray(t, got, arrays[i])
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}

	// The same arrays make the same bytes.
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteNPZ(path, keys, arrays); err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("writing the same arrays twice made different files")
	}
}

func TestWriteNPZErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.npz")
	good := Array{Shape: []int{1}, Data: []float32{1}}
	if err := WriteNPZ(path, []string{"old"}, []Array{good}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		keys   []string
		arrays []Array
		want   string
	}{
		{"count mismatch", []string{"a", "b"}, []Array{good}, "2 keys for 1 arrays"},
		{"duplicate key", []string{"a/b", "a/b"}, []Array{good, good}, `key "a/b" appears twice`},
		{"bad array", []string{"dense/kernel"}, []Array{{Shape: []int{2}, Data: []float32{1}}}, `key "dense/kernel": shape (2,) holds 2 elements, but Data has 1`},
	}
	for _, key := range []string{"", ".", "/abs", "trailing/", "a//b", "../up", "a/./b", `back\slash`} {
		tests = append(tests, struct {
			name   string
			keys   []string
			arrays []Array
			want   string
		}{"key " + key, []string{key}, []Array{good}, "want a slash-separated path"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteNPZ(path, tt.keys, tt.arrays)
			if err == nil || !strings.HasPrefix(err.Error(), "npy: write "+path+": ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("WriteNPZ = %v, want an error naming %s and saying %q", err, path, tt.want)
			}
			all, err := ReadNPZ(path)
			if err != nil || len(all) != 1 {
				t.Fatalf("after a failed write the old archive reads as %v, %v", all, err)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("failed writes left files behind: %v", entries)
	}
}

// rawEntry is one entry of a hand-made zip archive, with sizes that may lie.
type rawEntry struct {
	name   string
	method uint16
	flags  uint16
	npy    []byte // the uncompressed content
	// Sizes the headers claim, if not zero; the data written is always the real one.
	uncompressed, compressed uint64
	halve                    bool // write only the first half of the compressed data
}

// buildZip writes entries with zip.Writer.CreateRaw, compressing deflated ones itself, so that
// a test can make the headers say anything.
func buildZip(t testing.TB, entries ...rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		data := e.npy
		if e.method == zip.Deflate {
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, flate.BestCompression)
			fw.Write(e.npy)
			fw.Close()
			data = c.Bytes()
		}
		if e.halve {
			data = data[:len(data)/2]
		}
		h := &zip.FileHeader{
			Name: e.name, Method: e.method, Flags: e.flags, CRC32: crc32.ChecksumIEEE(e.npy),
			UncompressedSize64: cmpOr(e.uncompressed, uint64(len(e.npy))),
			CompressedSize64:   cmpOr(e.compressed, uint64(len(data))),
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func cmpOr(a, b uint64) uint64 {
	if a != 0 {
		return a
	}
	return b
}

// readNPZBytes reads every array of an archive held in memory, as ReadNPZ reads a file.
func readNPZBytes(b []byte, name string) (map[string]Array, error) {
	z, err := newNPZ(bytes.NewReader(b), int64(len(b)), name)
	if err != nil {
		return nil, err
	}
	return z.readAll()
}

func TestReadNPZErrors(t *testing.T) {
	ok := npyFile(1, f4Dict("(2,)"), make([]byte, 8))
	large := npyFile(1, f4Dict("(4096,)"), make([]byte, 4*4096))
	cut := npyFile(1, f4Dict("(2, 3)"), make([]byte, 10))
	noisy := npyFile(1, f4Dict("(4096,)"), nil)
	for i := range 4 * 4096 {
		noisy = append(noisy, byte(i*i*7919>>5))
	}
	savez, err := os.ReadFile(filepath.Join("testdata", "savez.npz"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		zip   []byte
		entry string
		is    error
		want  string
	}{
		{"not a zip", []byte("\x93NUMPY this is an .npy file"), "", nil, "not a valid zip archive (.npz): zip: not a valid zip file"},
		{"cut archive", savez[:len(savez)/2], "", nil, "not a valid zip archive (.npz)"},
		{"key twice", buildZip(t, rawEntry{name: "a", npy: ok}, rawEntry{name: "a.npy", npy: ok}), "a.npy", nil, `key "a" is also the entry "a"`},
		{"stored sizes disagree", buildZip(t, rawEntry{name: "a.npy", npy: ok, uncompressed: 1 << 40}), "a.npy", nil, "stored entry says it holds 1099511627776 bytes uncompressed and 136 compressed"},
		{"stored claim past the end", buildZip(t, rawEntry{name: "a.npy", npy: ok, uncompressed: 1 << 40, compressed: 1 << 40}), "a.npy", ErrTruncated, "truncated: the entry's 1099511627776 bytes at offset 35 run past the end"},
		{"deflate claim beyond ratio", buildZip(t, rawEntry{name: "a.npy", method: zip.Deflate, npy: ok, uncompressed: 1 << 30}), "a.npy", nil, "deflated entry claims 1073741824 bytes from 77, beyond deflate's ratio"},
		{"deflate stream shorter than claimed", buildZip(t, rawEntry{name: "a.npy", method: zip.Deflate, npy: large[:1000], uncompressed: uint64(len(large))}), "a.npy", ErrTruncated, "truncated: shape (4096,) of float32 needs 16384 bytes of data, found 872"},
		{"deflate stream longer than claimed", buildZip(t, rawEntry{name: "a.npy", method: zip.Deflate, npy: append(bytes.Clone(ok), 1, 2, 3), uncompressed: uint64(len(ok))}), "a.npy", nil, "the entry's data runs on past the 136 bytes it claims"},
		{"deflate stream cut", buildZip(t, rawEntry{name: "a.npy", method: zip.Deflate, npy: noisy, halve: true}), "a.npy", ErrTruncated, "truncated: shape (4096,) of float32 needs 16384 bytes of data, found "},
		{"unsupported method", buildZip(t, rawEntry{name: "a.npy", method: 12, npy: ok}), "a.npy", ErrUnsupported, "compression method 12 (want stored or deflate)"},
		{"encrypted", buildZip(t, rawEntry{name: "a.npy", flags: 1, npy: ok}), "a.npy", ErrUnsupported, "encrypted entries are not read"},
		{"truncated npy, stored", buildZip(t, rawEntry{name: "a/b.npy", npy: cut}), "a/b.npy", ErrTruncated, "truncated: shape (2, 3) of float32 needs 24 bytes of data, the entry has 10 after its 128-byte header"},
		{"truncated npy, deflated", buildZip(t, rawEntry{name: "a/b.npy", method: zip.Deflate, npy: cut}), "a/b.npy", ErrTruncated, "truncated: shape (2, 3) of float32 needs 24 bytes of data, the entry has 10"},
		{"corrupt checksum", corruptCRC(buildZip(t, rawEntry{name: "a.npy", npy: ok})), "a.npy", zip.ErrChecksum, "CRC-32 of the data is 0xacb6b085, the entry says 0xacb6b07a: zip: checksum error"},
		{"not npy inside", buildZip(t, rawEntry{name: "a.npy", npy: []byte("PK\x03\x04 nested zip")}), "a.npy", nil, "not an .npy file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readNPZBytes(tt.zip, "in.npz")
			checkFormatError(t, err, "in.npz", tt.entry, tt.is, tt.want)
		})
	}
}

// corruptCRC changes the checksum in every header of an archive with one entry named "a.npy".
func corruptCRC(b []byte) []byte {
	b = bytes.Clone(b)
	for _, sig := range []string{"PK\x03\x04", "PK\x01\x02"} {
		i := bytes.Index(b, []byte(sig))
		offset := 14 // CRC-32 in the local header
		if sig == "PK\x01\x02" {
			offset = 16 // and in the central directory
		}
		b[i+offset] ^= 0xff
	}
	return b
}

func TestNPZSkipsDirectories(t *testing.T) {
	ok := npyFile(1, f4Dict("(2,)"), make([]byte, 8))
	all, err := readNPZBytes(buildZip(t, rawEntry{name: "dense/"}, rawEntry{name: "dense/kernel.npy", npy: ok}), "dirs.npz")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || len(all["dense/kernel"].Data) != 2 {
		t.Errorf("read %v, want the one array", all)
	}
}

func TestOpenNPZErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenNPZ(dir); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("OpenNPZ of a directory = %v", err)
	}
	missing := filepath.Join(dir, "missing.npz")
	if _, err := OpenNPZ(missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("OpenNPZ of a missing file = %v", err)
	}
	if _, err := ReadNPZ(filepath.Join("testdata", "f4_2x3.npy")); err == nil || !strings.Contains(err.Error(), "not a valid zip archive") {
		t.Errorf("ReadNPZ of an .npy file = %v", err)
	}
}
