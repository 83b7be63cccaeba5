package data

import "image"

// yccUpsampler converts a decoded YCbCr image (JPEG, WebP) to RGB pixel by pixel exactly as
// libjpeg-turbo does for PIL: chroma planes are upsampled with libjpeg's "fancy" triangular
// filter (jdsample.c: h2v1, h1v2 and h2v2, with its rounding biases), other ratios by
// replication, then converted with libjpeg's fixed-point tables (jdcolor.c). Go's own
// YCbCr.At upsamples by replication and rounds differently; on photographs that alone differs
// from PIL by up to tens of levels at colour edges.
type yccUpsampler struct {
	m      *image.YCbCr
	alpha  []uint8 // NYCbCrA's alpha plane (same layout as Y), or nil
	hf, vf int     // luma pixels per chroma sample, horizontally and vertically
	cw, ch int     // chroma plane size
	fancyH bool    // h2 fancy upsampling (libjpeg: downsampled width > 2)
	fancyV bool    // v2 fancy upsampling
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

// chroma returns the upsampled value of plane p at luma position (y, x).
func (u *yccUpsampler) chroma(p []uint8, y, x int) int32 {
	stride := u.m.CStride
	i, j := y/u.vf, x/u.hf
	if !u.fancyH && !u.fancyV {
		return int32(p[i*stride+j])
	}
	// Vertical: 3 × nearer row + 1 × farther row (the row above for the upper output row).
	far := i
	if u.fancyV {
		if y%2 == 0 {
			far = max(i-1, 0)
		} else {
			far = min(i+1, u.ch-1)
		}
	}
	colSum := func(j int) int32 {
		if !u.fancyV {
			return int32(p[i*stride+j])
		}
		return 3*int32(p[i*stride+j]) + int32(p[far*stride+j])
	}
	if !u.fancyH { // h1v2
		bias := int32(1)
		if y%2 == 1 {
			bias = 2
		}
		return (colSum(j) + bias) >> 2
	}
	// Horizontal: 3 × nearer column + 1 × farther column.
	var near, other, bias int32
	near = colSum(j)
	if x%2 == 0 {
		other = colSum(max(j-1, 0))
		bias = 1 // h2v1
		if u.fancyV {
			bias = 8
		}
	} else {
		other = colSum(min(j+1, u.cw-1))
		bias = 2
		if u.fancyV {
			bias = 7
		}
	}
	if u.fancyV {
		return (3*near + other + bias) >> 4
	}
	return (3*near + other + bias) >> 2
}

// at returns the RGBA pixel (y, x).
func (u *yccUpsampler) at(y, x int) [4]uint8 {
	m := u.m
	yy := int32(m.Y[y*m.YStride+x])
	cb := u.chroma(m.Cb, y, x)
	cr := u.chroma(m.Cr, y, x)
	a := uint8(255)
	if u.alpha != nil {
		a = u.alpha[y*m.YStride+x]
	}
	return [4]uint8{
		clamp255(yy + yccCrR[cr]),
		clamp255(yy + (yccCbG[cb]+yccCrG[cr])>>16),
		clamp255(yy + yccCbB[cb]),
		a,
	}
}

// libjpeg's jdcolor.c tables (SCALEBITS 16): R = Y + 1.402 Cr', G = Y - 0.34414 Cb' - 0.71414 Cr',
// B = Y + 1.772 Cb', with Cb' = Cb - 128, Cr' = Cr - 128.
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
