package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// seq returns n float32 values f(i).
func seq(n int, f func(i int) float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// sameBits reports whether a and b hold the same float32 bit patterns (so -0 differs from 0
// and NaN equals itself).
func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

func checkArray(t *testing.T, got, want Array) {
	t.Helper()
	if !slices.Equal(got.Shape, want.Shape) || got.Shape == nil {
		t.Errorf("Shape = %#v, want %v", got.Shape, want.Shape)
	}
	if got.DType != want.DType {
		t.Errorf("DType = %v, want %v", got.DType, want.DType)
	}
	if !sameBits(got.Data, want.Data) {
		t.Errorf("Data = %v, want %v", got.Data, want.Data)
	}
}

// numpyFixtures are the files testdata/make_fixtures.py writes, with what they must read as.
var numpyFixtures = []struct {
	file string
	want Array
}{
	{"f4_2x3.npy", Array{[]int{2, 3}, seq(6, func(i int) float32 { return float32(i) - 1.5 }), Float32}},
	{"f4_kernel.npy", Array{[]int{3, 3, 2, 4}, seq(72, func(i int) float32 { return float32(i) / 7 }), Float32}},
	{"f4_scalar.npy", Array{[]int{}, []float32{3.25}, Float32}},
	{"f4_empty.npy", Array{[]int{0, 4}, []float32{}, Float32}},
	{"f8_v2.npy", Array{[]int{2, 5}, seq(10, func(i int) float32 { return float32(float64(i) / 3) }), Float64}},
	{"f4_v3.npy", Array{[]int{4}, seq(4, func(i int) float32 { return float32(i) / 7 }), Float32}},
	{"be_f4.npy", Array{[]int{3, 2}, seq(6, func(i int) float32 { return float32(i) / 7 }), Float32}},
	{"be_i8.npy", Array{[]int{4}, []float32{0, 1, -2, 1 << 40}, Int64}},
	{"i8_labels.npy", Array{[]int{5}, []float32{0, 1, 2, 9, -3}, Int64}},
	{"i4.npy", Array{[]int{2, 2}, []float32{-7, 0, 1 << 24, 5}, Int32}},
	{"u1_image.npy", Array{[]int{2, 2, 3}, seq(12, func(i int) float32 { return float32(21 * i) }), Uint8}},
	{"bool.npy", Array{[]int{3}, []float32{1, 0, 1}, Bool}},
	{"f2.npy", Array{[]int{6}, []float32{1.5, float32(math.Copysign(0, -1)), 65504, float32(math.Inf(1)), 1.0 / (1 << 24), -1.0 / (1 << 14)}, Float16}},
}

func TestReadNumpyFixtures(t *testing.T) {
	for _, tt := range numpyFixtures {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			checkArray(t, got, tt.want)
		})
	}
}

// TestWriteMatchesNumpy checks that Write produces np.save's bytes for float32 arrays.
func TestWriteMatchesNumpy(t *testing.T) {
	for _, tt := range numpyFixtures {
		if !strings.HasPrefix(tt.file, "f4_") || tt.file == "f4_v3.npy" {
			continue
		}
		t.Run(tt.file, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := Write(&got, tt.want); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("Write wrote\n%q\nnp.save wrote\n%q", got.Bytes(), want)
			}
		})
	}
}

// TestHeaderAlignment checks numpy's rule that data starts at a multiple of 64 bytes, over
// shapes whose headers straddle the boundaries.
func TestHeaderAlignment(t *testing.T) {
	for ndim := range maxDims + 1 {
		for _, d := range []int{0, 1, 12345, math.MaxInt32} {
			shape := make([]int, ndim)
			for i := range shape {
				shape[i] = d
			}
			h := formatHeader(shape)
			if len(h)%headerAlign != 0 || h[len(h)-1] != '\n' {
				t.Fatalf("header for shape %v is %d bytes or does not end in a newline", shape, len(h))
			}
			if got := int(binary.LittleEndian.Uint16(h[8:])); got != len(h)-10 {
				t.Fatalf("header for shape %v says %d bytes, has %d", shape, got, len(h)-10)
			}
			_, _, got, err := parseDict(h[10:])
			if err != nil {
				t.Fatalf("parsing the header for %v: %v", shape, err)
			}
			if !slices.Equal(got, shape) {
				t.Fatalf("header for %v reads back as %v", shape, got)
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, math.MaxFloat32, math.SmallestNonzeroFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0x7fc00001), math.Float32frombits(0xffbfffff)}
	big := seq(3*chunkSize/4+5, func(i int) float32 { return float32(math.Sin(float64(i))) }) // several chunks and a remainder
	arrays := map[string]Array{
		"scalar":  {Shape: []int{}, Data: []float32{-2.5}},
		"empty":   {Shape: []int{3, 0, 2}, Data: []float32{}},
		"special": {Shape: []int{2, 5}, Data: special},
		"kernel":  {Shape: []int{3, 3, 16, 32}, Data: seq(3*3*16*32, func(i int) float32 { return float32(i) * 0.001 })},
		"big":     {Shape: []int{len(big)}, Data: big},
	}
	dir := t.TempDir()
	for name, a := range arrays {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, a); err != nil {
				t.Fatal(err)
			}
			got, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), name)
			if err != nil {
				t.Fatal(err)
			}
			checkArray(t, got, a)

			// Through a stream of unknown length.
			got, err = Read(io.MultiReader(&buf), -1, name)
			if err != nil {
				t.Fatal(err)
			}
			checkArray(t, got, a)

			path := filepath.Join(dir, name+".npy")
			if err := WriteFile(path, a); err != nil {
				t.Fatal(err)
			}
			got, err = ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkArray(t, got, a)
		})
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.npy")
	old := Array{Shape: []int{1}, Data: []float32{42}}
	if err := WriteFile(path, old); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		a    Array
		want string
	}{
		{"count mismatch", Array{Shape: []int{2, 3}, Data: make([]float32, 5)}, "shape (2, 3) holds 6 elements, but Data has 5"},
		{"negative dimension", Array{Shape: []int{2, -3}, Data: make([]float32, 6)}, "shape (2, -3): dimension 1 is negative"},
		{"overflow", Array{Shape: []int{math.MaxInt / 2, 3}}, "shape " + shapeString([]int{math.MaxInt / 2, 3}) + ": the element count overflows"},
		{"too many dimensions", Array{Shape: make([]int, maxDims+1)}, "shape has 65 dimensions, more than 64"},
		{"nil shape is a scalar", Array{Data: []float32{1, 2}}, "shape () holds 1 elements, but Data has 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tt.a)
			if err == nil || err.Error() != "npy: "+tt.want {
				t.Errorf("Write = %v, want %q", err, "npy: "+tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing", buf.Len())
			}
			err = WriteFile(path, tt.a)
			if want := "npy: write " + path + ": " + tt.want; err == nil || err.Error() != want {
				t.Errorf("WriteFile = %v, want %q", err, want)
			}
			got, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkArray(t, got, old)
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("failed writes left files behind: %v", entries)
	}
}

// errWriter fails after n bytes.
type errWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *errWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWritePassesOnWriterErrors(t *testing.T) {
	a := Array{Shape: []int{chunkSize}, Data: make([]float32, chunkSize)}
	for _, n := range []int{0, 100, 128 + chunkSize/2} {
		if err := Write(&errWriter{n}, a); !errors.Is(err, errDiskFull) {
			t.Errorf("Write to a writer failing after %d bytes = %v, want errDiskFull", n, err)
		}
	}
}

// npyFile builds an .npy file from its parts: the version, the dict (padded with spaces and a
// newline to a multiple of 64 bytes, as numpy pads) and the data.
func npyFile(major byte, dict string, data []byte) []byte {
	lengthSize := 2
	if major > 1 {
		lengthSize = 4
	}
	n := len(dict) + 1
	n += headerAlign - (8+lengthSize+n)%headerAlign
	b := append([]byte(magic), major, 0)
	if lengthSize == 2 {
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(n))
	}
	b = append(b, dict...)
	b = append(b, bytes.Repeat([]byte{' '}, n-len(dict)-1)...)
	b = append(b, '\n')
	return append(b, data...)
}

// f4Dict returns a dict for a '<f4' C-order array of the given shape text.
func f4Dict(shape string) string {
	return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }"
}

func TestReadVariants(t *testing.T) {
	data := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, math.Float32bits(1)), math.Float32bits(2))
	want := Array{Shape: []int{2}, Data: []float32{1, 2}}
	for _, dict := range []string{
		`{"descr": "<f4", "fortran_order": False, "shape": (2,)}`,            // double quotes, no trailing comma
		`{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}`,            // any key order
		"{'descr':'<f4','fortran_order':False,'shape':(2L,),}",               // Python 2's long suffix, no spaces
		"{ 'descr' : '<f4' ,\t'fortran_order' : False , 'shape' : ( 2 , ) }", // spaces everywhere
	} {
		got, err := Read(bytes.NewReader(npyFile(1, dict, data)), int64(len(npyFile(1, dict, data))), "variant")
		if err != nil {
			t.Errorf("%s: %v", dict, err)
			continue
		}
		checkArray(t, got, want)
	}
	// A header without the newline numpy writes, and without padding.
	raw := append([]byte(magic), 1, 0, byte(len(f4Dict("(2,)"))), 0)
	raw = append(append(raw, f4Dict("(2,)")...), data...)
	got, err := Read(bytes.NewReader(raw), int64(len(raw)), "unpadded")
	if err != nil {
		t.Fatal(err)
	}
	checkArray(t, got, want)
}

func TestReadErrors(t *testing.T) {
	f4 := func(shape string, n int) []byte { return npyFile(1, f4Dict(shape), make([]byte, n)) }
	dict := func(d string) []byte { return npyFile(1, d, nil) }
	huge := append([]byte(magic), 2, 0, 0xff, 0xff, 0xff, 0x7f)
	tests := []struct {
		name string
		file []byte
		is   error  // a sentinel the error must wrap, or nil
		want string // the error's text after "npy: NAME: "
	}{
		{"empty", nil, ErrTruncated, "truncated: an .npy file starts with at least 10 bytes, found 0"},
		{"bad magic", []byte("\x93NUMPZ\x01\x00\x00\x00"), nil, `not an .npy file: starts with "\x93NUMPZ", want "\x93NUMPY"`},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x00\x00"), nil, `not an .npy file: starts with "PK\x03\x04\x14\x00", want "\x93NUMPY" (this is a zip archive, as an .npz file is)`},
		{"version 4", append([]byte(magic), 4, 0, 0, 0), ErrUnsupported, "format version 4.0 (want 1.0, 2.0 or 3.0)"},
		{"version 1.1", append([]byte(magic), 1, 1, 0, 0), ErrUnsupported, "format version 1.1 (want 1.0, 2.0 or 3.0)"},
		{"no header length", append([]byte(magic), 2, 0, 1), ErrTruncated, "truncated: a version 2.0 header needs 12 bytes before the dict, found 9"},
		{"header past the end", huge, ErrTruncated, "truncated: the header says it takes 2147483659 bytes, the file has 12"},
		{"header cut", f4("(2,)", 8)[:40], ErrTruncated, "truncated: the header says it takes 128 bytes, the file has 40"},
		{"not a dict", dict("['descr', '<f4']"), nil, `header "['descr', '<f4']": want '{' at offset 0, found '['`},
		{"missing key", dict("{'descr': '<f4', 'shape': (2,)}"), nil, `header "{'descr': '<f4', 'shape': (2,)}": key "fortran_order" is missing`},
		{"extra key", dict("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}"), nil, `unexpected key "x" (want 'descr', 'fortran_order' and 'shape')`},
		{"duplicate key", dict("{'descr': '<f4', 'descr': '<f4'}"), nil, `key "descr" appears twice`},
		{"fortran_order not a bool", dict("{'descr': '<f4', 'fortran_order': 0, 'shape': ()}"), nil, `fortran_order is "", want True or False`},
		{"shape not a tuple", dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3)}"), nil, "shape (3) is not a tuple (a 1-D shape is written (3,))"},
		{"shape without commas", dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3 4)}"), nil, "want ',' or ')' in shape at offset 53, found '4'"},
		{"shape not integers", dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3.5,)}"), nil, "want ',' or ')' in shape at offset 52, found '.'"},
		{"unterminated string", dict("{'descr': '<f4"), nil, `unterminated string at offset 10, found '\''`},
		{"string junk", dict("{'descr': '<f4, 'fortran_order': False}"), nil, `want ',' or '}' at offset 17, found 'f'`},
		{"text after the dict", dict(f4Dict("(2,)") + " x"), nil, "unexpected text after the dict at offset 58, found 'x'"},
		{"dimension out of range", f4("(99999999999999999999,)", 0), nil, "dimension 99999999999999999999 is out of range"},
		{"negative dimension", f4("(2, -3)", 0), nil, "shape (2, -3): dimension 1 is negative"},
		{"count overflow", f4("(4294967296, 4294967296)", 0), nil, "shape (4294967296, 4294967296): the element count overflows"},
		{"byte size overflow", f4("(4611686018427387904,)", 0), nil, "shape (4611686018427387904,): the size in bytes overflows"},
		{"too many dimensions", f4("("+strings.Repeat("1, ", maxDims+1)+")", 0), nil, "shape has more than 64 dimensions"},
		{"huge claimed shape", f4("(1000000, 1000000)", 8), ErrTruncated, "truncated: shape (1000000, 1000000) of float32 needs 4000000000000 bytes of data, the file has 8 after its 128-byte header"},
		{"truncated data", f4("(2, 3)", 10), ErrTruncated, "truncated: shape (2, 3) of float32 needs 24 bytes of data, the file has 10 after its 128-byte header"},
		{"trailing data", f4("(2,)", 9), nil, "1 unexpected bytes after the data of shape (2,) of float32"},
		{"complex dtype", dict("{'descr': '<c8', 'fortran_order': False, 'shape': ()}"), ErrUnsupported, `dtype "<c8": only float16/32/64, (u)int8/16/32/64 and bool arrays are read`},
		{"string dtype", dict("{'descr': '<U12', 'fortran_order': False, 'shape': ()}"), ErrUnsupported, `dtype "<U12"`},
		{"object dtype", dict("{'descr': '|O', 'fortran_order': False, 'shape': ()}"), ErrUnsupported, `dtype "|O"`},
		{"structured dtype", dict("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}"), ErrUnsupported, "structured dtypes are not read"},
		{"fortran order", dict("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3)}"), ErrUnsupported, "shape (2, 3) is stored in Fortran order; only C order is read (save np.ascontiguousarray(a) instead)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Read(bytes.NewReader(tt.file), int64(len(tt.file)), "in.npy")
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			checkFormatError(t, err, "in.npy", "", tt.is, tt.want)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
				t.Errorf("reading a %d-byte file allocated %d bytes", len(tt.file), grew)
			}
		})
	}

	// With the length unknown, a header claiming 2 GiB must still not be allocated.
	_, err := Read(io.MultiReader(bytes.NewReader(huge)), -1, "stdin")
	checkFormatError(t, err, "stdin", "", nil, "header of 2147483647 bytes exceeds the limit of 65536")
	// and truncation is found while reading.
	_, err = Read(io.MultiReader(bytes.NewReader(npyFile(1, f4Dict("(1000000, 1000000)"), make([]byte, 8)))), -1, "stdin")
	checkFormatError(t, err, "stdin", "", ErrTruncated, "truncated: shape (1000000, 1000000) of float32 needs 4000000000000 bytes of data, found 8")
	_, err = Read(io.MultiReader(bytes.NewReader(npyFile(1, f4Dict("(1,)"), make([]byte, 5)))), -1, "stdin")
	checkFormatError(t, err, "stdin", "", nil, "unexpected bytes after the data of shape (1,) of float32")
}

// checkFormatError checks that err is a *FormatError for path and entry with the given text
// after its prefix, wrapping is if that is not nil.
func checkFormatError(t *testing.T, err error, path, entry string, is error, want string) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v, want a *FormatError", err)
	}
	if fe.Path != path || fe.Entry != entry {
		t.Errorf("error names %q entry %q, want %q entry %q", fe.Path, fe.Entry, path, entry)
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("error %v does not wrap %v", err, is)
	}
	prefix := "npy: " + path + ": "
	if entry != "" {
		prefix += fmt.Sprintf("entry %q: ", entry)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, want) {
		t.Errorf("error text\n%s\nwant %s...%s", msg, prefix, want)
	}
}

func TestReadFileErrors(t *testing.T) {
	for _, tt := range []struct {
		file string
		is   error
		want string
	}{
		{"fortran.npy", ErrUnsupported, "Fortran order"},
		{"complex.npy", ErrUnsupported, `dtype "<c8"`},
		{"structured.npy", ErrUnsupported, "structured dtypes are not read"},
		{"savez.npz", nil, "this is a zip archive"},
	} {
		path := filepath.Join("testdata", tt.file)
		_, err := ReadFile(path)
		checkFormatError(t, err, path, "", tt.is, tt.want)
	}

	dir := t.TempDir()
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("ReadFile of a directory = %v", err)
	}
	missing := filepath.Join(dir, "missing.npy")
	if _, err := ReadFile(missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("ReadFile of a missing file = %v, want an error naming it and wrapping os.ErrNotExist", err)
	}
}

// errReader returns its data, then err.
type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadPassesOnReaderErrors(t *testing.T) {
	file := npyFile(1, f4Dict("(100,)"), make([]byte, 400))
	for _, n := range []int{5, 20, 200} {
		_, err := Read(&errReader{file[:n], errDiskFull}, int64(len(file)), "flaky")
		if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "npy: flaky: ") {
			t.Errorf("reader failing after %d bytes: %v, want an error naming the input and wrapping the reader's", n, err)
		}
	}
}

func TestFloat16(t *testing.T) {
	// Every half-precision value converts to the float32 of the same value: check against a
	// float64 computation of sign × 2^(exp-15) × (1 + frac/1024), or the subnormal form.
	for h := range 1 << 16 {
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		exp, frac := (h>>10)&0x1f, h&0x3ff
		var want float64
		switch {
		case exp == 0x1f && frac == 0:
			want = math.Inf(int(sign))
		case exp == 0x1f:
			if got := float16to32(uint16(h)); !math.IsNaN(float64(got)) {
				t.Fatalf("%#04x: got %v, want NaN", h, got)
			}
			continue
		case exp == 0:
			want = sign * math.Ldexp(float64(frac), -24)
		default:
			want = sign * math.Ldexp(1+float64(frac)/1024, exp-15)
		}
		if got := float16to32(uint16(h)); math.Float32bits(got) != math.Float32bits(float32(want)) {
			t.Fatalf("%#04x: got %v, want %v", h, got, want)
		}
	}
}

func TestDType(t *testing.T) {
	for d, info := range dtypeInfo {
		for _, order := range []byte{'<', '>', '|', '='} {
			descr := fmt.Sprintf("%c%c%d", order, info.kind, info.size)
			got, ok := parseDescr(descr)
			if !ok || got.dtype != DType(d) {
				t.Errorf("parseDescr(%q) = %v, %v; want %v", descr, got.dtype, ok, DType(d))
			}
		}
		if DType(d).String() != info.name || DType(d).Size() != info.size {
			t.Errorf("DType(%d) is %v of %d bytes, want %s of %d", d, DType(d), DType(d).Size(), info.name, info.size)
		}
	}
	for _, descr := range []string{"", "<f", "<f16", "<f3", "<c8", "<U1", "|O", "<M8", "f4", "!f4", "<i3", "<b2"} {
		if _, ok := parseDescr(descr); ok {
			t.Errorf("parseDescr(%q) accepted", descr)
		}
	}
	if got := DType(200).String(); got != "DType(200)" {
		t.Errorf("String of an unknown DType = %q", got)
	}
}
