package data

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	stdjpeg "image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// jpegFixture is one entry of testdata/jpeg/cases.json (made by make_fixtures.py there).
type jpegFixture struct {
	File      string   `json:"file"`
	Mode      string   `json:"mode"` // PIL's mode: RGB or L
	Width     int      `json:"width"`
	Height    int      `json:"height"`
	Cjpeg     []string `json:"cjpeg"`
	PIL       string   `json:"pil"`        // PIL's pixels as PNG, or
	PILSHA256 string   `json:"pil_sha256"` // their SHA-256
}

func loadJPEGFixtures(t testing.TB) []jpegFixture {
	b, err := os.ReadFile(filepath.Join("testdata", "jpeg", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Cases []jpegFixture }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Cases
}

// jpegPixels converts a decoded image to 8-bit pixels in mode at its own size, as loadImage
// does: (h, w, channels).
func jpegPixels(img image.Image, mode ColorMode) []uint8 {
	r := newRowReader(img, mode)
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	out := make([]uint8, w*h*mode.Channels())
	resizeImage(out, h, w, r, InterpolationNearest, nil, nil)
	return out
}

func maxAbsDiff(a, b []uint8) (int, int) {
	worst, at := 0, 0
	for i := range a {
		if d := int(a[i]) - int(b[i]); d > worst || -d > worst {
			worst, at = max(d, -d), i
		}
	}
	return worst, at
}

// TestDecodeJPEGMatchesPIL decodes the fixtures of testdata/jpeg (every sampling, odd sizes,
// restart intervals, qualities 1 to 100, optimized tables, progressive files with cjpeg's
// default and custom scan scripts, and corrupt files the fuzzer found, which PIL decodes
// anyway) with gotl's decoder and compares with PIL's pixels exactly.
func TestDecodeJPEGMatchesPIL(t *testing.T) {
	var jd jpegDecoder // shared, as a pipeline worker shares it
	progressive := 0
	for _, c := range loadJPEGFixtures(t) {
		buf, err := os.ReadFile(filepath.Join("testdata", "jpeg", c.File))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jd.decode(buf, DefaultMaxPixels); err != nil {
			t.Errorf("%s: gotl's decoder: %v", c.File, err)
			continue
		}
		if isCorrupt := strings.HasPrefix(c.File, "corrupt-"); jd.corrupt != isCorrupt {
			t.Errorf("%s: flagged as corrupt: %v", c.File, jd.corrupt)
		}
		if jd.progressive {
			progressive++
		}
		img, err := decodeImage(buf, DefaultMaxPixels, &imageMemory{jpeg: &jd})
		if err != nil {
			t.Errorf("%s: %v", c.File, err)
			continue
		}
		if b := img.Bounds(); b != image.Rect(0, 0, c.Width, c.Height) {
			t.Errorf("%s: bounds %v, want %dx%d", c.File, b, c.Width, c.Height)
			continue
		}
		mode := ColorRGB
		if c.Mode == "L" {
			mode = ColorGrayscale
		}
		got := jpegPixels(img, mode)
		if c.PILSHA256 != "" {
			sum := sha256.Sum256(got)
			if hex.EncodeToString(sum[:]) != c.PILSHA256 {
				t.Errorf("%s: pixels differ from PIL's (SHA-256)", c.File)
			}
			continue
		}
		f, err := os.Open(filepath.Join("testdata", "jpeg", c.PIL))
		if err != nil {
			t.Fatal(err)
		}
		pil, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := jpegPixels(pil, mode)
		if d, at := maxAbsDiff(got, want); d != 0 {
			t.Errorf("%s: max |gotl − PIL| = %d at %d (got %d, want %d)", c.File, d, at, got[at], want[at])
		}
	}
	if progressive < 14 {
		t.Errorf("only %d progressive fixtures", progressive)
	}
}

// stdPlanes returns the planes of an image/jpeg or gotl decode, cropped to the image: Y (or
// grey), and Cb, Cr at the chroma size.
func stdPlanes(t *testing.T, img image.Image) [][]uint8 {
	crop := func(p []uint8, stride, w, h int) []uint8 {
		out := make([]uint8, 0, w*h)
		for y := range h {
			out = append(out, p[y*stride:y*stride+w]...)
		}
		return out
	}
	switch m := img.(type) {
	case *image.Gray:
		return [][]uint8{crop(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy())}
	case *image.YCbCr:
		w, h := m.Rect.Dx(), m.Rect.Dy()
		cw, ch := w, h
		switch m.SubsampleRatio {
		case image.YCbCrSubsampleRatio422:
			cw = (w + 1) / 2
		case image.YCbCrSubsampleRatio420:
			cw, ch = (w+1)/2, (h+1)/2
		case image.YCbCrSubsampleRatio440:
			ch = (h + 1) / 2
		}
		return [][]uint8{crop(m.Y, m.YStride, w, h), crop(m.Cb, m.CStride, cw, ch), crop(m.Cr, m.CStride, cw, ch)}
	}
	t.Fatalf("unexpected image type %T", img)
	return nil
}

// TestDecodeJPEGMatchesStdlib compares the planes with image/jpeg's (whose IDCT rounds
// differently) on random images from image/jpeg's encoder and on the fixtures (among them
// progressive files of random images, cjpeg's default and custom scan scripts): same type,
// sampling and size, samples within 1 level (measured: 1.4% of the samples differ, by 1).
func TestDecodeJPEGMatchesStdlib(t *testing.T) {
	type input struct {
		name string
		buf  []byte
	}
	var inputs []input
	rng := rand.New(rand.NewPCG(7, 7))
	for _, size := range [][2]int{{1, 1}, {7, 9}, {17, 33}, {64, 48}, {100, 75}} {
		for _, gray := range []bool{false, true} {
			for _, q := range []int{10, 75, 100} {
				var buf bytes.Buffer
				if err := stdjpeg.Encode(&buf, photoImage(rng, size[0], size[1], gray), &stdjpeg.Options{Quality: q}); err != nil {
					t.Fatal(err)
				}
				inputs = append(inputs, input{fmt.Sprintf("%dx%d gray=%v q%d", size[0], size[1], gray, q), buf.Bytes()})
			}
		}
	}
	for _, c := range loadJPEGFixtures(t) {
		if strings.HasPrefix(c.File, "corrupt-") {
			continue // decoded as libjpeg does, unlike image/jpeg
		}
		buf, err := os.ReadFile(filepath.Join("testdata", "jpeg", c.File))
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{c.File, buf})
	}
	var jd jpegDecoder
	counts := map[int]int{}
	for _, in := range inputs {
		got, err := jd.decode(in.buf, DefaultMaxPixels)
		if err != nil {
			t.Errorf("%s: %v", in.name, err)
			continue
		}
		want, err := stdjpeg.Decode(bytes.NewReader(in.buf))
		if err != nil && strings.HasPrefix(in.name, "prog-") && strings.Contains(in.name, "-rst") {
			// image/jpeg (Go 1.26) fails on cjpeg's progressive files with restart
			// intervals ("missing 0xff00 sequence"); PIL and gotl decode them.
			t.Logf("%s: image/jpeg: %v", in.name, err)
			continue
		}
		if err != nil {
			t.Fatalf("%s: image/jpeg: %v", in.name, err)
		}
		if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) || got.Bounds() != want.Bounds() {
			t.Errorf("%s: got %T %v, image/jpeg %T %v", in.name, got, got.Bounds(), want, want.Bounds())
			continue
		}
		if g, ok := got.(*image.YCbCr); ok && g.SubsampleRatio != want.(*image.YCbCr).SubsampleRatio {
			t.Errorf("%s: subsampling %v, image/jpeg %v", in.name, g.SubsampleRatio, want.(*image.YCbCr).SubsampleRatio)
		}
		gp, wp := stdPlanes(t, got), stdPlanes(t, want)
		for i := range gp {
			for k := range gp[i] {
				d := int(gp[i][k]) - int(wp[i][k])
				counts[max(d, -d)]++
			}
			if d, at := maxAbsDiff(gp[i], wp[i]); d > 1 {
				t.Errorf("%s: plane %d differs from image/jpeg's by %d at %d", in.name, i, d, at)
			}
		}
	}
	t.Logf("|gotl − image/jpeg| over %d inputs' samples: %v", len(inputs), counts)
}

// photoImage is a photo-like test image: smooth gradients, a sharp edge and noise.
func photoImage(rng *rand.Rand, w, h int, gray bool) image.Image {
	var f [3][3]float64
	for k := range f {
		f[k] = [3]float64{0.02 + 0.2*rng.Float64(), 0.02 + 0.2*rng.Float64(), 6 * rng.Float64()}
	}
	value := func(k, x, y int) uint8 {
		v := 128 + 100*math.Sin(float64(x)*f[k][0]+float64(y)*f[k][1]+f[k][2]) + 8*rng.NormFloat64()
		if y >= h/3 && x >= w/2 {
			v = 255 - v
		}
		return uint8(max(0, min(255, v)))
	}
	if gray {
		m := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				m.Pix[y*m.Stride+x] = value(0, x, y)
			}
		}
		return m
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			p := m.Pix[y*m.Stride+4*x:]
			p[0], p[1], p[2], p[3] = value(0, x, y), value(1, x, y), value(2, x, y), 255
		}
	}
	return m
}

// idctReference is the 2-D inverse DCT of T.81 A.3.3 in float64, level-shifted, rounded and
// clamped: s(y, x) = 1/4 Σu Σv C(u) C(v) F(u, v) cos((2x+1)vπ/16) cos((2y+1)uπ/16) + 128.
func idctReference(blk *[64]int32, dst []uint8) {
	cu := func(u int) float64 {
		if u == 0 {
			return 1 / math.Sqrt2
		}
		return 1
	}
	for y := range 8 {
		for x := range 8 {
			s := 0.0
			for u := range 8 {
				for v := range 8 {
					s += cu(u) * cu(v) * float64(blk[8*u+v]) * math.Cos(float64(2*x+1)*float64(v)*math.Pi/16) * math.Cos(float64(2*y+1)*float64(u)*math.Pi/16)
				}
			}
			dst[8*y+x] = uint8(max(0, min(255, math.Round(s/4+128))))
		}
	}
}

// idctIslowFull is idctIslow without its zero-AC shortcuts: every column (unless rows 1 to 7
// are all zero, the one branch of libjpeg-turbo's SIMD code) and every row through the
// butterfly.
func idctIslowFull(blk *[64]int32, dst []uint8) {
	var ws [64]int32
	dcOnly := true
	for _, v := range blk[8:] {
		dcOnly = dcOnly && v == 0
	}
	for c := range 8 {
		if dcOnly {
			for r := range 8 {
				ws[8*r+c] = int32(wrap16(int(blk[c]) << idctPass1Bits))
			}
			continue
		}
		in := blk[c:]
		e0, e1, e2, e3, o0, o1, o2, o3 := idct1D(int(in[0]), int(in[8]), int(in[16]), int(in[24]), int(in[32]), int(in[40]), int(in[48]), int(in[56]))
		const n = idctConstBits - idctPass1Bits
		for r, v := range [8]int{e0 + o3, e1 + o2, e2 + o1, e3 + o0, e3 - o0, e2 - o1, e1 - o2, e0 - o3} {
			ws[8*r+c] = int32(saturate16(descale(v, n)))
		}
	}
	for r := range 8 {
		w := ws[8*r:]
		e0, e1, e2, e3, o0, o1, o2, o3 := idct1D(int(w[0]), int(w[1]), int(w[2]), int(w[3]), int(w[4]), int(w[5]), int(w[6]), int(w[7]))
		for c, v := range [8]int{e0 + o3, e1 + o2, e2 + o1, e3 + o0, e3 - o0, e2 - o1, e1 - o2, e0 - o3} {
			dst[8*r+c] = idctSample(descale(v, idctConstBits+idctPass1Bits+3))
		}
	}
}

// randomBlock returns dequantized coefficients like a photograph's: a DC term and a few AC
// terms that shrink with frequency, some blocks DC-only, some columns or rows empty.
func randomBlock(rng *rand.Rand) *[64]int32 {
	var b [64]int32
	b[0] = int32(rng.IntN(2040) - 1020)
	nonzero := rng.IntN(4) * rng.IntN(20)
	for range nonzero {
		u, v := rng.IntN(8), rng.IntN(8)
		if rng.IntN(3) == 0 {
			v = 0 // a column with AC terms, others empty
		}
		scale := 600 / (1 + u + v)
		b[8*u+v] = int32(rng.IntN(2*scale+1) - scale)
	}
	return &b
}

// TestIDCTIslow checks libjpeg's islow IDCT three ways: its shortcuts against the full
// butterfly (exactly, also on out-of-range values that corrupt data gives), the DC-only
// block against the full butterfly, and the whole against the float64 definition (within 1
// level, the rounding of fixed point).
func TestIDCTIslow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var got, full, ref [64]uint8
	worst := 0
	for i := range 20000 {
		b := randomBlock(rng)
		if i%100 == 0 { // corrupt-data magnitudes: any 16-bit value (see dequantize)
			for k := range b {
				if rng.IntN(4) == 0 {
					b[k] = int32(rng.IntN(1<<16) - 1<<15)
				}
			}
		}
		saved := *b
		idctIslow(b, got[:], 8)
		if *b != saved {
			t.Fatal("idctIslow changed its input")
		}
		idctIslowFull(b, full[:])
		if got != full {
			t.Fatalf("block %v: shortcut %v, full butterfly %v", *b, got, full)
		}
		if i%10 == 1 {
			idctReference(b, ref[:])
			for k := range ref {
				worst = max(worst, int(got[k])-int(ref[k]), int(ref[k])-int(got[k]))
			}
		}
	}
	if worst > 1 {
		t.Errorf("islow IDCT differs from the float64 IDCT by %d levels", worst)
	}
	for dc := int32(-1 << 15); dc < 1<<15; dc += 7 {
		b := [64]int32{0: dc}
		idctDC(dc, got[:], 8)
		idctIslowFull(&b, full[:])
		if got != full {
			t.Fatalf("DC %d: idctDC %v, full butterfly %v", dc, got[0], full[0])
		}
	}
}

// TestIDCTConstants checks the fixed-point multipliers against their definitions.
func TestIDCTConstants(t *testing.T) {
	c := func(k int) float64 { return math.Cos(float64(k) * math.Pi / 16) }
	r := math.Sqrt2
	for _, x := range []struct {
		got  int
		want float64
	}{
		{fix0298631336, r * (-c(1) + c(3) + c(5) - c(7))}, {fix0390180644, r * (c(3) - c(5))},
		{fix0541196100, r * c(6)}, {fix0765366865, r * (c(2) - c(6))}, {fix0899976223, r * (c(3) - c(7))},
		{fix1175875602, r * c(3)}, {fix1501321110, r * (c(1) + c(3) - c(5) - c(7))},
		{fix1847759065, r * (c(2) + c(6))}, {fix1961570560, r * (c(3) + c(5))},
		{fix2053119869, r * (c(1) + c(3) - c(5) + c(7))}, {fix2562915447, r * (c(1) + c(3))},
		{fix3072711026, r * (c(1) + c(3) + c(5) - c(7))},
	} {
		if want := int(math.Round(x.want * (1 << idctConstBits))); x.got != want {
			t.Errorf("constant %d, want round(%g · 2^13) = %d", x.got, x.want, want)
		}
	}
}

// huffmanCode is one code of a canonical table: its length and bits.
type huffmanCode struct{ length, bits int }

// canonicalCodes assigns the codes of T.81 C.2 to counts[l-1] symbols of each length l.
func canonicalCodes(counts *[16]uint8) []huffmanCode {
	var codes []huffmanCode
	code := 0
	for l := 1; l <= 16; l++ {
		for range counts[l-1] {
			codes = append(codes, huffmanCode{l, code})
			code++
		}
		code <<= 1
	}
	return codes
}

// TestHuffmanDecode checks the lookahead decoder against a bit-by-bit decode on random
// tables (codes of 1 to 16 bits) and symbol streams with 0xFF bytes stuffed, and the
// combined code-and-value table of AC tables against the code list.
func TestHuffmanDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fastEntries := 0
	for trial := range 200 {
		// A random complete-enough canonical table: draw lengths with Kraft sum < 1.
		var counts [16]uint8
		space := 1 << 16 // free code space in units of 2^-16
		n := 1 + rng.IntN(255)
		for range n {
			l := 1 + rng.IntN(16)
			if trial%2 == 0 {
				l = 9 + rng.IntN(8) // mostly longer than the lookahead
			}
			if w := 1 << (16 - l); w < space {
				counts[l-1]++
				space -= w
			}
		}
		codes := canonicalCodes(&counts)
		values := make([]uint8, len(codes))
		for i := range values {
			values[i] = uint8(rng.IntN(256))
		}
		var h jpegHuffman
		if err := h.build(&counts, values, false); err != nil {
			t.Fatalf("counts %v: %v", counts, err)
		}
		fastEntries += checkFastAC(t, &counts, values, codes)
		// Encode a stream of random codes, byte-stuffed.
		var want []uint8
		var acc uint64
		var nbits int
		var stream []byte
		for range 500 {
			i := rng.IntN(len(codes))
			want = append(want, values[i])
			acc = acc<<codes[i].length | uint64(codes[i].bits)
			nbits += codes[i].length
			for nbits >= 8 {
				b := byte(acc >> (nbits - 8))
				stream = append(stream, b)
				if b == 0xFF {
					stream = append(stream, 0)
				}
				nbits -= 8
			}
		}
		if nbits > 0 { // padded with ones, as T.81 F.1.2.3 says
			stream = append(stream, byte(acc<<(8-nbits))|byte(0xFF>>nbits))
			if stream[len(stream)-1] == 0xFF {
				stream = append(stream, 0)
			}
		}
		// Reference: the bits one by one (unstuffed), matched against the code list.
		var bits []int
		for i := 0; i < len(stream); i++ {
			for k := 7; k >= 0; k-- {
				bits = append(bits, int(stream[i]>>k)&1)
			}
			if stream[i] == 0xFF {
				i++
			}
		}
		pos := 0
		br := jpegBitReader{buf: stream}
		for j, w := range want {
			code, l, ref := 0, 0, -1
			for ref < 0 && l < 16 {
				code = code<<1 | bits[pos+l]
				l++
				for i, c := range codes {
					if c.length == l && c.bits == code {
						ref = int(values[i])
						break
					}
				}
			}
			pos += l
			if ref != int(w) {
				t.Fatalf("reference decoder broken at symbol %d", j)
			}
			if br.n < 32 {
				br.refill()
			}
			got, ok := br.decode(&h)
			if !ok || got != w {
				t.Fatalf("trial %d, symbol %d: got %d (ok %v), want %d", trial, j, got, ok, w)
			}
		}
	}
	if fastEntries == 0 {
		t.Error("no fastAC entry was checked")
	}
}

// checkFastAC checks each entry of an AC table's fastAC against the code list: the code that
// the 9 bits start with, its (run, size) symbol and the size bits after it, extended.
func checkFastAC(t *testing.T, counts *[16]uint8, values []uint8, codes []huffmanCode) (used int) {
	var h jpegHuffman
	if err := h.build(counts, values, true); err != nil {
		t.Fatal(err)
	}
	for b, f := range h.fastAC {
		want := int32(0)
		for i, c := range codes {
			if c.length > jpegLookahead || b>>(jpegLookahead-c.length) != c.bits {
				continue
			}
			run, size := int32(values[i]>>4), int(values[i]&15)
			if size > 0 && c.length+size <= jpegLookahead {
				bits := int32(b>>(jpegLookahead-c.length-size)) & (1<<size - 1)
				v := bits // T.81 F.2.2.1: below 2^(size-1), subtract 2^size - 1
				if bits < 1<<(size-1) {
					v = bits - (1<<size - 1)
				}
				want = v<<8 | run<<4 | int32(c.length+size)
			}
		}
		if f != want {
			t.Fatalf("fastAC[%09b] = %x, want %x", b, f, want)
		}
		if f != 0 {
			used++
		}
	}
	return used
}

// TestHuffmanTableErrors: a table whose codes overflow their length is refused.
func TestHuffmanTableErrors(t *testing.T) {
	var h jpegHuffman
	counts := [16]uint8{0: 3} // three 1-bit codes
	if err := h.build(&counts, []uint8{1, 2, 3}, false); err == nil || err.Error() != "jpeg: bad Huffman table" {
		t.Errorf("got %v", err)
	}
}

func readJPEGFixture(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "jpeg", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeJPEGErrors: broken files are errors starting "jpeg: " that say what is wrong;
// valid files the decoder leaves to image/jpeg still decode.
func TestDecodeJPEGErrors(t *testing.T) {
	good := readJPEGFixture(t, "s420-rst1.jpg")
	sos := bytes.Index(good, []byte{0xFF, 0xDA})
	withSegment := func(marker byte, payload string) []byte {
		seg := append([]byte{0xFF, marker, 0, byte(len(payload) + 2)}, payload...)
		return append(append(append([]byte{}, good[:2]...), seg...), good[2:]...)
	}
	corruptScan := append([]byte{}, good...)
	for i := sos + 14; i < len(corruptScan)-2; i++ {
		if corruptScan[i] != 0xFF && corruptScan[i-1] != 0xFF {
			corruptScan[i] = 0xFF - 1 // long runs of ones: no code of the tables
		}
	}
	cases := []struct {
		name string
		buf  []byte
		want string
	}{
		{"truncated in the scan", good[:len(good)-200], "jpeg: truncated"},
		{"truncated in a segment", good[:sos-5], "jpeg: truncated"},
		{"no SOI", good[2:], "jpeg: missing SOI marker"},
		{"EOI first", []byte{0xFF, 0xD8, 0xFF, 0xD9}, "jpeg: no image before EOI marker"},
		{"bad code", corruptScan, "jpeg: bad Huffman code"},
		{"huge", hugeJPEG(60000, 60000), "jpeg: 60000x60000 = 3600000000 pixels exceeds the limit of 100000000 (MaxPixels)"},
		{"bad DRI", withSegment(0xDD, "x"), "jpeg: bad DRI segment"},
		{"bad DQT", withSegment(0xDB, "\x45"), "jpeg: bad DQT table 5 precision 4"},
	}
	for _, c := range cases {
		var jd jpegDecoder
		_, err := jd.decode(c.buf, DefaultMaxPixels)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
		if c.name == "huge" && cap(jd.pix) != 0 {
			t.Errorf("huge: %d bytes allocated before the pixel limit was checked", cap(jd.pix))
		}
		if c.name == "no SOI" {
			continue // not recognised as a JPEG at all
		}
		if _, err := decodeImageBytes(c.buf, DefaultMaxPixels); err == nil || !strings.HasPrefix(err.Error(), "jpeg: ") {
			t.Errorf("%s: decodeImageBytes: %v", c.name, err)
		}
	}
	// Valid, but left to image/jpeg.
	for name, buf := range map[string][]byte{
		"progressive DC only": progressiveScans(t, 1, true),
		"Adobe":               withSegment(0xEE, "Adobe\x00\x64\x00\x00\x00\x00\x01"),
	} {
		var jd jpegDecoder
		if _, err := jd.decode(buf, DefaultMaxPixels); !errors.Is(err, errJPEGUnsupported) {
			t.Errorf("%s: got %v, want errJPEGUnsupported", name, err)
		}
		if _, err := decodeImageBytes(buf, DefaultMaxPixels); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// progressiveScans returns progressive.jpg (cjpeg's default script: 10 scans) cut after its
// first n scans, followed by an EOI marker if eoi.
func progressiveScans(t testing.TB, n int, eoi bool) []byte {
	buf := readJPEGFixture(t, "progressive.jpg")
	at, pos := 0, 0
	for range n + 1 {
		i := bytes.Index(buf[pos:], []byte{0xFF, 0xDA})
		if i < 0 {
			return buf // fewer scans: the whole file
		}
		at, pos = pos+i, pos+i+2
	}
	out := append([]byte{}, buf[:at]...)
	if eoi {
		out = append(out, 0xFF, 0xD9)
	}
	return out
}

// TestDecodeJPEGProgressiveErrors: progressive files cut short, or with scans that break the
// rules of T.81 G.1.1.1, are errors (PIL too refuses a truncated file, even one that only
// lacks its EOI marker).
func TestDecodeJPEGProgressiveErrors(t *testing.T) {
	good := readJPEGFixture(t, "progressive.jpg")
	sos := bytes.Index(good, []byte{0xFF, 0xDA})
	// The first scan is cjpeg's interleaved DC scan: 3 components, then Ss, Se, Ah/Al.
	scanParams := sos + 4 + 1 + 2*3
	withScanParams := func(ss, se, ahal byte) []byte {
		b := append([]byte{}, good...)
		b[scanParams], b[scanParams+1], b[scanParams+2] = ss, se, ahal
		return b
	}
	cases := []struct {
		name string
		buf  []byte
		want string
	}{
		{"no EOI", good[:len(good)-2], "jpeg: truncated"},
		{"truncated in a scan", good[:len(good)-40], "jpeg: truncated"},
		{"truncated between scans", progressiveScans(t, 4, false), "jpeg: truncated"},
		{"DC scan with AC", withScanParams(0, 5, 0x01), "jpeg: bad progressive scan: 3 components, Ss 0, Se 5, Ah 0, Al 1"},
		{"interleaved AC scan", withScanParams(1, 5, 0x01), "jpeg: bad progressive scan: 3 components, Ss 1, Se 5, Ah 0, Al 1"},
		{"Al past 13", withScanParams(0, 0, 0x0E), "jpeg: bad progressive scan: 3 components, Ss 0, Se 0, Ah 0, Al 14"},
		{"refinement by 2 bits", withScanParams(0, 0, 0x31), "jpeg: bad progressive scan: 3 components, Ss 0, Se 0, Ah 3, Al 1"},
	}
	for _, c := range cases {
		var jd jpegDecoder
		_, err := jd.decode(c.buf, DefaultMaxPixels)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	// A flood of empty scans (each decoded from zeros over the whole image) is refused.
	sos2 := bytes.Index(good[sos+2:], []byte{0xFF, 0xDA}) + sos + 2
	flood := append([]byte{}, good[:sos2]...)
	for range jpegMaxScans {
		flood = append(flood, good[sos:sos+2+12]...) // the first scan's SOS segment, no data
	}
	var jd jpegDecoder
	if _, err := jd.decode(append(flood, 0xFF, 0xD9), DefaultMaxPixels); err == nil || err.Error() != "jpeg: more than 1000 progressive scans" {
		t.Errorf("%d scans: got %v", jpegMaxScans+1, err)
	}
	// Every cut of the file is an error, never a panic.
	for n := 2; n < len(good); n += 7 {
		if _, err := jd.decode(good[:n], DefaultMaxPixels); err == nil || !strings.HasPrefix(err.Error(), "jpeg: ") {
			t.Fatalf("cut at %d: %v", n, err)
		}
	}
}

// hugeJPEG is a JPEG header claiming w × h pixels, without tables or data.
func hugeJPEG(w, h int) []byte {
	return []byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0}
}

// TestDecodeJPEGTruncatedFile: a truncated JPEG in a directory, sequential or progressive, is
// an error naming the file.
func TestDecodeJPEGTruncatedFile(t *testing.T) {
	for _, name := range []string{"s420-640x481.jpg", "prog-s444-64x48.jpg"} {
		good := readJPEGFixture(t, name)
		p := filepath.Join(t.TempDir(), "cut.jpg")
		if err := os.WriteFile(p, good[:len(good)/2], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := decodeImageFile(p, DefaultMaxPixels, &imageMemory{})
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "jpeg: truncated") {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

// TestDecodeJPEGAllocations: once its planes (and coefficients) have grown, the decoder
// allocates nothing, sequential or progressive.
func TestDecodeJPEGAllocations(t *testing.T) {
	for _, name := range []string{"s420-640x481.jpg", "prog-s420-scans.jpg"} {
		buf := readJPEGFixture(t, name)
		var jd jpegDecoder
		if _, err := jd.decode(buf, DefaultMaxPixels); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(5, func() {
			if _, err := jd.decode(buf, DefaultMaxPixels); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per decode", name, n)
		}
	}
}

// TestDecodeJPEGDropsHugeMemory: a decoder keeps its memory from file to file only within
// jpegKeepPixels and jpegKeepCoefficients, so one huge image does not stay in every worker.
func TestDecodeJPEGDropsHugeMemory(t *testing.T) {
	buf := readJPEGFixture(t, "prog-s420-scans.jpg")
	var jd jpegDecoder
	jd.pix = make([]uint8, 0, jpegKeepPixels+1) // as if a huge image had been decoded
	jd.coef = make([]int16, 0, jpegKeepCoefficients+1)
	if _, err := jd.decode(buf, DefaultMaxPixels); err != nil {
		t.Fatal(err)
	}
	if cap(jd.pix) > jpegKeepPixels || cap(jd.coef) > jpegKeepCoefficients {
		t.Errorf("kept %d plane bytes and %d coefficients", cap(jd.pix), cap(jd.coef))
	}
	small := cap(jd.pix)
	if _, err := jd.decode(buf, DefaultMaxPixels); err != nil {
		t.Fatal(err)
	}
	if cap(jd.pix) != small {
		t.Errorf("memory within the bounds not reused: %d, then %d plane bytes", small, cap(jd.pix))
	}
}

// FuzzDecodeJPEG feeds arbitrary bytes to gotl's JPEG decoder: no input may panic or hang,
// and where image/jpeg decodes the same input too and gotl met no corrupt data (where
// libjpeg would warn), the two agree on size and type. Seeds: the JPEGs under testdata (sequential
// and progressive) and a progressive file cut after three scans.
func FuzzDecodeJPEG(f *testing.F) {
	for _, pattern := range []string{"testdata/keras/pixels/*.jpg", "testdata/jpeg/*.jpg"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(progressiveScans(f, 3, true)) // scans that leave coefficients incomplete
	var jd jpegDecoder
	f.Fuzz(func(t *testing.T, b []byte) {
		const maxPixels = 1 << 16
		got, err := jd.decode(b, maxPixels)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "jpeg: ") {
				t.Fatalf("error %q lacks the jpeg: prefix", err)
			}
			return
		}
		bounds := got.Bounds()
		if int64(bounds.Dx())*int64(bounds.Dy()) > maxPixels {
			t.Fatalf("decoded %v beyond the limit", bounds)
		}
		want, err := stdjpeg.Decode(bytes.NewReader(b))
		if err != nil || jd.corrupt {
			return // corrupt data: gotl decodes as libjpeg does, image/jpeg otherwise
		}
		if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) || bounds != want.Bounds() {
			t.Fatalf("got %T %v, image/jpeg %T %v", got, bounds, want, want.Bounds())
		}
		// Pixels are not compared: on mutated entropy data that both decoders accept, values can
		// leave the range valid files keep (|coefficient × quantizer| ≤ about 2048, DC within
		// 16 bits), where this decoder follows libjpeg-turbo's 16-bit SIMD arithmetic (what PIL
		// gives) and image/jpeg computes in 32 bits: a seed mutated in three bytes already
		// differs by 100 levels. Pixels are held to PIL's by TestDecodeJPEGMatchesPIL and to
		// image/jpeg's on valid files by TestDecodeJPEGMatchesStdlib.
	})
}

// BenchmarkDecodeJPEG decodes a 640×480 4:2:0 quality-90 photo-like JPEG with gotl's decoder
// and with image/jpeg.
func BenchmarkDecodeJPEG(b *testing.B) {
	var buf bytes.Buffer
	if err := stdjpeg.Encode(&buf, photoImage(rand.New(rand.NewPCG(5, 5)), 640, 480, false), &stdjpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.Run("gotl", func(b *testing.B) {
		var jd jpegDecoder
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := jd.decode(data, DefaultMaxPixels); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	})
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := stdjpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	})
}
