package data

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"strings"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// DefaultMaxPixels is the default limit on width × height of an image file (10^8 pixels, a
// 10000 × 10000 photograph): larger images are refused after reading their header, before
// any pixel memory is allocated. PIL's own limit (DecompressionBombError) is 2 × 89478485.
const DefaultMaxPixels = 100_000_000

// imageFormat is an image file format, recognised by its first bytes (as PIL does), never by
// the file's extension.
type imageFormat struct {
	name         string
	match        func(head []byte) bool
	decode       func(io.Reader) (image.Image, error)
	decodeConfig func(io.Reader) (image.Config, error)
}

var imageFormats = []imageFormat{
	{"jpeg", prefix("\xff\xd8"), jpeg.Decode, jpeg.DecodeConfig},
	{"png", prefix("\x89PNG\r\n\x1a\n"), png.Decode, png.DecodeConfig},
	{"bmp", prefix("BM"), bmp.Decode, bmp.DecodeConfig},
	{"tiff", func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("II*\x00")) || bytes.HasPrefix(h, []byte("MM\x00*"))
	}, tiff.Decode, tiff.DecodeConfig},
	{"webp", func(h []byte) bool { return len(h) >= 12 && string(h[:4]) == "RIFF" && string(h[8:12]) == "WEBP" }, webp.Decode, webp.DecodeConfig},
	{"pnm", func(h []byte) bool { return len(h) >= 2 && h[0] == 'P' && h[1] >= '1' && h[1] <= '6' }, decodePNM, decodePNMConfig},
}

func prefix(p string) func([]byte) bool {
	return func(h []byte) bool { return bytes.HasPrefix(h, []byte(p)) }
}

// errNotImage reports a file whose first bytes match no supported format.
var errNotImage = errors.New("not a supported image (jpeg, png, bmp, tiff, webp, ppm/pgm)")

// imageMemory is the memory one worker reuses from image to image: the file's bytes and the
// JPEG decoder's planes and tables. The zero value is ready to use.
type imageMemory struct {
	file []byte       // the image file being decoded
	jpeg *jpegDecoder // made at the first JPEG: workers that meet none do without its tables
}

// decodeImageFile decodes the image at path, refusing it before decoding when its header
// claims more than maxPixels pixels. Errors name the file. mem is memory the caller reuses
// from image to image (nil: fresh memory); the image returned may alias it, and is valid
// until the next decode with the same mem.
func decodeImageFile(path string, maxPixels int64, mem *imageMemory) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: image %q: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("data: image %q: %w", path, err)
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("data: image %q: empty file", path)
	}
	// Read the whole file once: the header check and the decoder then share it, and
	// decoders read from memory. Files are small next to their decoded pixels, which
	// maxPixels already bounds.
	if mem == nil {
		mem = new(imageMemory)
	}
	if int64(cap(mem.file)) < st.Size() {
		mem.file = make([]byte, st.Size())
	}
	content := mem.file[:st.Size()]
	if _, err := io.ReadFull(f, content); err != nil {
		return nil, fmt.Errorf("data: image %q: %w", path, err)
	}
	img, err := decodeImage(content, maxPixels, mem)
	if err != nil {
		return nil, fmt.Errorf("data: image %q: %w", path, err)
	}
	return img, nil
}

// decodeImageBytes is decodeImageFile on the file's content, with fresh memory.
func decodeImageBytes(buf []byte, maxPixels int64) (image.Image, error) {
	return decodeImage(buf, maxPixels, new(imageMemory))
}

// decodeImage decodes buf. JPEGs go to mem's jpegDecoder first (the image then aliases its
// memory); those it leaves (errJPEGUnsupported) and the other formats go to their standard
// decoders.
func decodeImage(buf []byte, maxPixels int64, mem *imageMemory) (image.Image, error) {
	format, err := sniff(buf)
	if err != nil {
		return nil, err
	}
	if format.name == "jpeg" {
		if mem.jpeg == nil {
			mem.jpeg = new(jpegDecoder)
		}
		// The decoder checks maxPixels itself, before allocating the planes.
		img, err := mem.jpeg.decode(buf, maxPixels)
		if !errors.Is(err, errJPEGUnsupported) {
			return img, err
		}
	}
	cfg, err := format.decodeConfig(bytes.NewReader(buf))
	if err != nil {
		return nil, format.wrap(err)
	}
	if err := checkPixels(cfg.Width, cfg.Height, maxPixels); err != nil {
		return nil, fmt.Errorf("%s: %w", format.name, err)
	}
	img, err := format.decode(bytes.NewReader(buf))
	if err != nil {
		return nil, format.wrap(err)
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("%s: decoded %dx%d, header says %dx%d", format.name, b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	return img, nil
}

// imageFileConfig reads only the header of the image at path.
func imageFileConfig(path string, maxPixels int64) (image.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return image.Config{}, fmt.Errorf("data: image %q: %w", path, err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(16)
	if len(head) == 0 {
		return image.Config{}, fmt.Errorf("data: image %q: empty file", path)
	}
	format, err := sniff(head)
	if err != nil {
		return image.Config{}, fmt.Errorf("data: image %q: %w", path, err)
	}
	cfg, err := format.decodeConfig(br)
	if err != nil {
		return image.Config{}, fmt.Errorf("data: image %q: %w", path, format.wrap(err))
	}
	if err := checkPixels(cfg.Width, cfg.Height, maxPixels); err != nil {
		return image.Config{}, fmt.Errorf("data: image %q: %s: %w", path, format.name, err)
	}
	return cfg, nil
}

// wrap names the format in a decoder's error, unless the decoder did, and reports a bare
// io.EOF as a truncated file.
func (f *imageFormat) wrap(err error) error {
	err = eofIsUnexpected(err)
	if strings.HasPrefix(err.Error(), f.name+":") {
		return err
	}
	return fmt.Errorf("%s: %w", f.name, err)
}

func sniff(head []byte) (*imageFormat, error) {
	for i := range imageFormats {
		if imageFormats[i].match(head) {
			return &imageFormats[i], nil
		}
	}
	return nil, errNotImage
}

func checkPixels(w, h int, maxPixels int64) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("invalid size %dx%d", w, h)
	}
	if int64(w)*int64(h) > maxPixels {
		return fmt.Errorf("%dx%d = %d pixels exceeds the limit of %d (MaxPixels)", w, h, int64(w)*int64(h), maxPixels)
	}
	return nil
}

func eofIsUnexpected(err error) error {
	if errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// ColorMode is the pixel layout an image is converted to after decoding: Keras's color_mode.
type ColorMode int

const (
	// ColorRGB is 3 channels (Keras 'rgb', the default); alpha is dropped, not composited.
	ColorRGB ColorMode = iota
	// ColorGrayscale is 1 channel (Keras 'grayscale'): L = (19595 R + 38470 G + 7471 B + 2^15) >> 16,
	// PIL's ITU-R 601-2 luma in fixed point.
	ColorGrayscale
	// ColorRGBA is 4 channels (Keras 'rgba'); opaque images get alpha 255.
	ColorRGBA
)

// Channels is the number of channels of the mode.
func (m ColorMode) Channels() int {
	switch m {
	case ColorGrayscale:
		return 1
	case ColorRGBA:
		return 4
	}
	return 3
}

func (m ColorMode) String() string {
	switch m {
	case ColorRGB:
		return "rgb"
	case ColorGrayscale:
		return "grayscale"
	case ColorRGBA:
		return "rgba"
	}
	return fmt.Sprintf("ColorMode(%d)", int(m))
}

// rowReader produces rows of an image in a color mode, 8 bits per channel: PIL's
// Image.convert(mode) applied to the image PIL would have decoded.
type rowReader struct {
	w, h  int
	mode  ColorMode
	ch    int
	pixel func(y, x int) [4]uint8 // straight (not premultiplied) RGBA of pixel (y, x); nil with ycc
	ycc   *yccUpsampler           // YCbCr images: libjpeg's upsampling, row by row
	cols  []int                   // the columns of the last setColumns
}

func newRowReader(img image.Image, mode ColorMode) *rowReader {
	b := img.Bounds()
	r := &rowReader{w: b.Dx(), h: b.Dy(), mode: mode, ch: mode.Channels()}
	if b.Min != (image.Point{}) {
		r.pixel = func(y, x int) [4]uint8 { return nrgbaAt(img, b.Min.X+x, b.Min.Y+y) }
		return r
	}
	switch m := img.(type) {
	case *image.Gray:
		r.pixel = func(y, x int) [4]uint8 {
			v := m.Pix[y*m.Stride+x]
			return [4]uint8{v, v, v, 255}
		}
	case *image.Gray16:
		r.pixel = func(y, x int) [4]uint8 {
			v := m.Pix[y*m.Stride+2*x] // the high byte, as PIL reads 16-bit RGB
			return [4]uint8{v, v, v, 255}
		}
	case *image.NRGBA:
		r.pixel = func(y, x int) [4]uint8 {
			p := m.Pix[y*m.Stride+4*x : y*m.Stride+4*x+4]
			return [4]uint8{p[0], p[1], p[2], p[3]}
		}
	case *image.NRGBA64:
		r.pixel = func(y, x int) [4]uint8 {
			p := m.Pix[y*m.Stride+8*x : y*m.Stride+8*x+8]
			return [4]uint8{p[0], p[2], p[4], p[6]}
		}
	case *image.CMYK:
		r.pixel = func(y, x int) [4]uint8 {
			p := m.Pix[y*m.Stride+4*x : y*m.Stride+4*x+4]
			return cmykToRGB(p[0], p[1], p[2], p[3])
		}
	case *image.YCbCr:
		r.ycc = newYCCUpsampler(m, nil)
	case *image.NYCbCrA:
		r.ycc = newYCCUpsampler(&m.YCbCr, m.A)
	default:
		r.pixel = func(y, x int) [4]uint8 { return nrgbaAt(img, x, y) }
	}
	return r
}

func nrgbaAt(img image.Image, x, y int) [4]uint8 {
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	return [4]uint8{c.R, c.G, c.B, c.A}
}

// setColumns selects the columns that row reads: cols, or all when cols is nil.
func (r *rowReader) setColumns(cols []int) {
	r.cols = cols
	if r.ycc != nil {
		n := r.w
		if cols != nil {
			n = len(cols)
		}
		r.ycc.setColumns(cols, n)
	}
}

// row writes the pixels (y, x) for x in the columns of the last setColumns to dst, ch bytes
// per pixel.
func (r *rowReader) row(dst []uint8, y int) {
	if r.ycc != nil {
		r.ycc.row(dst, y, r.mode)
		return
	}
	cols := r.cols
	n := r.w
	if cols != nil {
		n = len(cols)
	}
	for k := range n {
		x := k
		if cols != nil {
			x = cols[k]
		}
		p := r.pixel(y, x)
		switch r.mode {
		case ColorRGB:
			dst[3*k], dst[3*k+1], dst[3*k+2] = p[0], p[1], p[2]
		case ColorGrayscale:
			dst[k] = luma(p[0], p[1], p[2])
		case ColorRGBA:
			copy(dst[4*k:4*k+4], p[:])
		}
	}
}

// luma is PIL's RGB to L conversion (Convert.c, L24).
func luma(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

// cmykToRGB is PIL's CMYK to RGB conversion (Convert.c, cmyk2rgb).
func cmykToRGB(c, m, y, k uint8) [4]uint8 {
	nk := 255 - int(k)
	f := func(v uint8) uint8 {
		t := int(v)*nk + 128
		return uint8(clampInt(nk-((t>>8)+t)>>8, 0, 255))
	}
	return [4]uint8{f(c), f(m), f(y), 255}
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
