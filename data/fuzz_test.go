package data

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeImage feeds arbitrary bytes to the image decoders (JPEG, PNG, BMP,
// TIFF, WebP, Netpbm) and the pixel conversion: no input may panic, allocate beyond the pixel
// limit, or decode to a size other than its header's. Seeds: the images under
// testdata/keras/pixels and testdata/fuzz/FuzzDecodeImage.
func FuzzDecodeImage(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "keras", "pixels", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		const maxPixels = 1 << 16
		img, err := decodeImageBytes(b, maxPixels)
		if err != nil {
			return
		}
		bounds := img.Bounds()
		if int64(bounds.Dx())*int64(bounds.Dy()) > maxPixels {
			t.Fatalf("decoded %v beyond the limit", bounds)
		}
		for _, mode := range []ColorMode{ColorRGB, ColorGrayscale, ColorRGBA} {
			r := newRowReader(img, mode)
			dst := make([]uint8, 5*3*mode.Channels())
			resizeImage(dst, 5, 3, r, InterpolationNearest, nil, nil)
			resizeImage(dst, 5, 3, r, InterpolationBicubic, nil, nil)
		}
	})
}
