package data

import "image"

// yccUpsampler converts a decoded YCbCr image (jpeg.go, image/jpeg, WebP) to RGB pixel by
// pixel as libjpeg-turbo does for PIL: chroma planes are upsampled with libjpeg's "fancy"
// triangular filter (h2v1, h1v2 and h2v2: 3/4 of the nearer sample and 1/4 of the farther,
// with its rounding biases), other ratios by replication, then converted in 16-bit fixed point
// as libjpeg does. Go's own YCbCr.At upsamples by replication and rounds differently: on JPEG
// photographs that differs from PIL by up to 113 levels at colour edges (1.5 on average).
// With jpeg.go's planes (sequential and progressive files) the result equals PIL's exactly;
// with image/jpeg's (the fallback for the JPEGs jpeg.go leaves, such as 4:1:1 sampling) it is
// within 3 levels, the rest being image/jpeg's IDCT (see jpegTolerance in
// keras_pixels_test.go).
type yccUpsampler struct {
	m      *image.YCbCr
	alpha  []uint8 // NYCbCrA's alpha plane (same layout as Y), or nil
	hf, vf int     // luma pixels per chroma sample, horizontally and vertically
	cw, ch int     // chroma plane size
	fancyH bool    // h2 fancy upsampling (libjpeg: downsampled width > 2)
	fancyV bool    // v2 fancy upsampling

	// Column tables of the last setColumns: for output column k, the luma column x[k], the
	// chroma column j[k] and, with fancyH, the farther chroma column jo[k] and odd[k].
	x, j, jo []int32
	odd      []bool
}

func newYCCUpsampler(m *image.YCbCr, alpha []uint8) *yccUpsampler {
	u := &yccUpsampler{m: m, alpha: alpha, hf: 1, vf: 1}
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		u.hf = 2
	case image.YCbCrSubsampleRatio420:
		u.hf, u.vf = 2, 2
	case image.YCbCrSubsampleRatio440:
		u.vf = 2
	case image.YCbCrSubsampleRatio411:
		u.hf = 4
	case image.YCbCrSubsampleRatio410:
		u.hf, u.vf = 4, 2
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	u.cw, u.ch = (w+u.hf-1)/u.hf, (h+u.vf-1)/u.vf
	switch {
	case u.hf == 2 && u.vf == 1, u.hf == 2 && u.vf == 2:
		u.fancyH = u.cw > 2
		u.fancyV = u.vf == 2 && u.fancyH
	case u.hf == 1 && u.vf == 2:
		u.fancyV = true
	}
	return u
}

// setColumns prepares the column tables for rows of cols (all n columns when cols is nil).
func (u *yccUpsampler) setColumns(cols []int, n int) {
	u.x, u.j, u.jo, u.odd = u.x[:0], u.j[:0], u.jo[:0], u.odd[:0]
	for k := range n {
		x := k
		if cols != nil {
			x = cols[k]
		}
		j := x / u.hf
		jo, odd := j, x%2 == 1
		if u.fancyH {
			if odd {
				jo = min(j+1, u.cw-1)
			} else {
				jo = max(j-1, 0)
			}
		}
		u.x = append(u.x, int32(x))
		u.j = append(u.j, int32(j))
		u.jo = append(u.jo, int32(jo))
		u.odd = append(u.odd, odd)
	}
}

// row writes row y at the columns of the last setColumns to dst in mode. Chroma: vertically
// 3 × the nearer row + 1 × the farther one (the row above for an even luma row), then
// horizontally likewise, with libjpeg's rounding biases.
func (u *yccUpsampler) row(dst []uint8, y int, mode ColorMode) {
	m := u.m
	cs := m.CStride
	i := y / u.vf
	far := i
	if u.fancyV {
		if y%2 == 0 {
			far = max(i-1, 0)
		} else {
			far = min(i+1, u.ch-1)
		}
	}
	yRow := m.Y[y*m.YStride:]
	cb0, cb1 := m.Cb[i*cs:], m.Cb[far*cs:]
	cr0, cr1 := m.Cr[i*cs:], m.Cr[far*cs:]
	var aRow []uint8
	if u.alpha != nil {
		aRow = u.alpha[y*m.YStride:]
	}
	biasV := int32(1) // h1v2
	if y%2 == 1 {
		biasV = 2
	}
	if u.fancyH && u.fancyV && mode == ColorRGB { // 4:2:0 to RGB, by far the commonest
		for k, x := range u.x {
			j, jo := u.j[k], u.jo[k]
			bias := 8 - int32(b2i(u.odd[k]))
			cb := (3*(3*int32(cb0[j])+int32(cb1[j])) + 3*int32(cb0[jo]) + int32(cb1[jo]) + bias) >> 4
			cr := (3*(3*int32(cr0[j])+int32(cr1[j])) + 3*int32(cr0[jo]) + int32(cr1[jo]) + bias) >> 4
			yy := int32(yRow[x])
			d := dst[3*k : 3*k+3 : 3*k+3]
			d[0] = clamp255(yy + yccCrR[cr&255])
			d[1] = clamp255(yy + (yccCbG[cb&255]+yccCrG[cr&255])>>16)
			d[2] = clamp255(yy + yccCbB[cb&255])
		}
		return
	}
	for k, x := range u.x {
		j, jo := u.j[k], u.jo[k]
		var cb, cr int32
		switch {
		case u.fancyH && u.fancyV: // h2v2: 3/4 nearer, 1/4 farther, in both directions
			bias := 8 - int32(b2i(u.odd[k]))
			cb = (3*(3*int32(cb0[j])+int32(cb1[j])) + 3*int32(cb0[jo]) + int32(cb1[jo]) + bias) >> 4
			cr = (3*(3*int32(cr0[j])+int32(cr1[j])) + 3*int32(cr0[jo]) + int32(cr1[jo]) + bias) >> 4
		case u.fancyH: // h2v1
			bias := 1 + int32(b2i(u.odd[k]))
			cb = (3*int32(cb0[j]) + int32(cb0[jo]) + bias) >> 2
			cr = (3*int32(cr0[j]) + int32(cr0[jo]) + bias) >> 2
		case u.fancyV: // h1v2
			cb = (3*int32(cb0[j]) + int32(cb1[j]) + biasV) >> 2
			cr = (3*int32(cr0[j]) + int32(cr1[j]) + biasV) >> 2
		default:
			cb, cr = int32(cb0[j]), int32(cr0[j])
		}
		yy := int32(yRow[x])
		r := clamp255(yy + yccCrR[cr&255])
		g := clamp255(yy + (yccCbG[cb&255]+yccCrG[cr&255])>>16)
		b := clamp255(yy + yccCbB[cb&255])
		switch mode {
		case ColorRGB:
			d := dst[3*k : 3*k+3 : 3*k+3]
			d[0], d[1], d[2] = r, g, b
		case ColorGrayscale:
			dst[k] = luma(r, g, b)
		case ColorRGBA:
			a := uint8(255)
			if aRow != nil {
				a = aRow[x]
			}
			d := dst[4*k : 4*k+4 : 4*k+4]
			d[0], d[1], d[2], d[3] = r, g, b, a
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The JFIF colour conversion in 16-bit fixed point, rounded as libjpeg rounds it:
// R = Y + 1.402 Cr', G = Y - 0.34414 Cb' - 0.71414 Cr', B = Y + 1.772 Cb', with
// Cb' = Cb - 128, Cr' = Cr - 128.
var yccCrR, yccCbB, yccCrG, yccCbG [256]int32

func init() {
	fix := func(x float64) int32 { return int32(x*(1<<16) + 0.5) }
	for i := range 256 {
		x := int32(i - 128)
		yccCrR[i] = (fix(1.40200)*x + 1<<15) >> 16
		yccCbB[i] = (fix(1.77200)*x + 1<<15) >> 16
		yccCrG[i] = -fix(0.71414) * x
		yccCbG[i] = -fix(0.34414)*x + 1<<15
	}
}

func clamp255(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}
