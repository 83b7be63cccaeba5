package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// makeIDX encodes an idx stream of type typ with dims and payload.
func makeIDX(typ IDXType, dims []uint32, payload []byte) []byte {
	b := []byte{0, 0, byte(typ), byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, payload...)
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadIDXRawAndGzip(t *testing.T) {
	payload := []byte{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255}
	raw := makeIDX(IDXUint8, []uint32{2, 2, 3}, payload)
	dir := t.TempDir()
	for _, f := range []struct {
		name string
		b    []byte
	}{
		{"raw-idx3-ubyte", raw},
		{"named-raw-but-gzipped", gz(t, raw)}, // detected by magic, not name
	} {
		x, err := ReadIDX(writeFile(t, dir, f.name, f.b))
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if x.Type != IDXUint8 || len(x.Dims) != 3 || x.Dims[0] != 2 || x.Dims[1] != 2 || x.Dims[2] != 3 {
			t.Fatalf("%s: got type %v dims %v", f.name, x.Type, x.Dims)
		}
		if !bytes.Equal(x.Data, payload) {
			t.Fatalf("%s: data %v, want %v", f.name, x.Data, payload)
		}
		if got := x.Float32(); got[6] != 250 || got[11] != 255 {
			t.Fatalf("%s: Float32 %v", f.name, got)
		}
	}
}

func TestIDXElementTypes(t *testing.T) {
	cases := []struct {
		typ     IDXType
		payload []byte
		want    []float32
	}{
		{IDXInt8, []byte{0xff, 0x7f}, []float32{-1, 127}},
		{IDXInt16, []byte{0xff, 0xfe, 0x01, 0x00}, []float32{-2, 256}},
		{IDXInt32, []byte{0xff, 0xff, 0xff, 0xfd, 0, 1, 0, 0}, []float32{-3, 65536}},
		{IDXFloat32, []byte{0x3f, 0xc0, 0, 0, 0xc0, 0x20, 0, 0}, []float32{1.5, -2.5}},
		{IDXFloat64, []byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xc0, 0x04, 0, 0, 0, 0, 0, 0}, []float32{1.5, -2.5}},
	}
	for _, c := range cases {
		x, err := DecodeIDX(bytes.NewReader(makeIDX(c.typ, []uint32{2}, c.payload)))
		if err != nil {
			t.Fatalf("%v: %v", c.typ, err)
		}
		got := x.Float32()
		if len(got) != 2 || got[0] != c.want[0] || got[1] != c.want[1] {
			t.Errorf("%v: got %v, want %v", c.typ, got, c.want)
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	dir := t.TempDir()
	good := makeIDX(IDXUint8, []uint32{2, 3}, make([]byte, 6))
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "unexpected EOF"},
		{"badmagic", []byte{1, 0, 8, 1, 0, 0, 0, 1, 7}, "bad magic"},
		{"badtype", []byte{0, 0, 7, 1, 0, 0, 0, 1, 7}, "unknown element type 0x07"},
		{"shortdims", []byte{0, 0, 8, 3, 0, 0, 0, 1}, "reading 3 dimensions"},
		{"short", good[:len(good)-1], "file has 17 bytes, header (uint8, dimensions [2 3]) says 18"},
		{"long", append(append([]byte{}, good...), 9), "file has 19 bytes"},
		{"huge", makeIDX(IDXFloat64, []uint32{1 << 31, 1 << 31}, nil), "claim more than"},
		{"gzshort", gz(t, good[:len(good)-2]), "short data"},
		{"gzlong", gz(t, append(append([]byte{}, good...), 1, 2)), "longer than the header"},
		{"gzhugeclaim", gz(t, makeIDX(IDXUint8, []uint32{1 << 30}, []byte{1, 2, 3})), "short data"},
		{"gztruncated", gz(t, good)[:20], "unexpected EOF"},
	}
	for _, c := range cases {
		p := writeFile(t, dir, c.name, c.b)
		_, err := ReadIDX(p)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q should contain %q and the path", c.name, err, c.want)
		}
	}
	if _, err := ReadIDX(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
}

// FuzzIDX checks that no input makes the idx reader panic or allocate without bound, and that
// whatever it accepts is consistent. Seed corpus: testdata/fuzz/FuzzIDX.
func FuzzIDX(f *testing.F) {
	f.Add(makeIDX(IDXUint8, []uint32{2, 2}, []byte{1, 2, 3, 4}))
	f.Add(gz(f, makeIDX(IDXInt16, []uint32{1, 2}, []byte{1, 2, 3, 4})))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, size := range []int64{-1, int64(len(b))} {
			x, err := decodeIDX(bytes.NewReader(b), size)
			if err != nil {
				continue
			}
			if len(x.Data) != x.NumElements()*x.Type.Size() {
				t.Fatalf("accepted %s %v with %d data bytes", x.Type, x.Dims, len(x.Data))
			}
			if len(x.Float32()) != x.NumElements() {
				t.Fatal("Float32 length mismatch")
			}
		}
	})
}
