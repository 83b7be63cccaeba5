package data

import (
	"fmt"
	"math"
)

// Interpolation is the resampling filter used to resize an image to the target size: Keras's
// interpolation argument, implemented as PIL's Image.resize computes it on 8-bit images.
type Interpolation int

const (
	// InterpolationNearest is PIL's NEAREST (Keras's default): each output pixel copies the
	// input pixel under its centre.
	InterpolationNearest Interpolation = iota
	// InterpolationBilinear is PIL's BILINEAR: a triangle filter, widened when shrinking (so it
	// averages, unlike OpenCV's or TensorFlow's bilinear).
	InterpolationBilinear
	// InterpolationBicubic is PIL's BICUBIC (a = -0.5), widened when shrinking.
	InterpolationBicubic
	// InterpolationLanczos is PIL's LANCZOS (3 lobes).
	InterpolationLanczos
	// InterpolationBox is PIL's BOX (area average when shrinking).
	InterpolationBox
	// InterpolationHamming is PIL's HAMMING.
	InterpolationHamming
)

func (i Interpolation) String() string {
	switch i {
	case InterpolationNearest:
		return "nearest"
	case InterpolationBilinear:
		return "bilinear"
	case InterpolationBicubic:
		return "bicubic"
	case InterpolationLanczos:
		return "lanczos"
	case InterpolationBox:
		return "box"
	case InterpolationHamming:
		return "hamming"
	}
	return fmt.Sprintf("Interpolation(%d)", int(i))
}

// resampleFilter is one of PIL's separable filters (Resample.c): its kernel and half-width.
type resampleFilter struct {
	kernel  func(x float64) float64
	support float64
}

func (i Interpolation) filter() resampleFilter {
	switch i {
	case InterpolationBilinear:
		return resampleFilter{func(x float64) float64 {
			x = math.Abs(x)
			if x < 1 {
				return 1 - x
			}
			return 0
		}, 1}
	case InterpolationBicubic:
		return resampleFilter{func(x float64) float64 {
			const a = -0.5
			x = math.Abs(x)
			if x < 1 {
				return ((a+2)*x-(a+3))*x*x + 1
			}
			if x < 2 {
				return (((x-5)*x+8)*x - 4) * a
			}
			return 0
		}, 2}
	case InterpolationLanczos:
		return resampleFilter{func(x float64) float64 {
			if -3 <= x && x < 3 {
				return sinc(x) * sinc(x/3)
			}
			return 0
		}, 3}
	case InterpolationBox:
		return resampleFilter{func(x float64) float64 {
			if x > -0.5 && x <= 0.5 {
				return 1
			}
			return 0
		}, 0.5}
	case InterpolationHamming:
		return resampleFilter{func(x float64) float64 {
			x = math.Abs(x)
			if x == 0 {
				return 1
			}
			if x >= 1 {
				return 0
			}
			x *= math.Pi
			return math.Sin(x) / x * (0.54 + 0.46*math.Cos(x))
		}, 1}
	}
	return resampleFilter{}
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x *= math.Pi
	return math.Sin(x) / x
}

// nearestIndex is PIL's ImagingScaleAffine index table: output position k reads input
// position int(scale/2 + k·scale), accumulated by repeated addition as PIL does (the sums
// differ from a product in the last bits, and so can the truncated index). The last position
// is about in − scale/2, so the index never leaves [0, in); the clamp only guards that.
func nearestIndex(in, out int) []int {
	scale := float64(in) / float64(out)
	idx := make([]int, out)
	pos := scale * 0.5
	for k := range idx {
		idx[k] = min(int(pos), in-1)
		pos += scale
	}
	return idx
}

// resampleCoeffs is PIL's precompute_coeffs followed by normalize_coeffs_8bpc: for each output
// position k, the first input index bounds[2k], the tap count bounds[2k+1], and ksize fixed-point
// weights (22 fractional bits) at kk[k·ksize:].
func resampleCoeffs(in, out int, f resampleFilter) (bounds []int, kk []int32, ksize int) {
	const precision = 1 << resamplePrecisionBits
	scale := float64(in) / float64(out)
	filterScale := max(scale, 1)
	support := f.support * filterScale
	ksize = int(math.Ceil(support))*2 + 1
	bounds = make([]int, 2*out)
	kk = make([]int32, out*ksize)
	w := make([]float64, ksize)
	for k := range out {
		center := (float64(k) + 0.5) * scale
		ss := 1 / filterScale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), in) - xmin
		var sum float64
		for x := range xmax {
			w[x] = f.kernel((float64(x+xmin) - center + 0.5) * ss)
			sum += w[x]
		}
		for x := range xmax {
			v := w[x]
			if sum != 0 {
				v /= sum
			}
			if v < 0 {
				kk[k*ksize+x] = int32(-0.5 + v*precision)
			} else {
				kk[k*ksize+x] = int32(0.5 + v*precision)
			}
		}
		bounds[2*k], bounds[2*k+1] = xmin, xmax
	}
	return bounds, kk, ksize
}

const resamplePrecisionBits = 32 - 8 - 2

// clip8 is PIL's rounding of a fixed-point sum to a byte.
func clip8(ss int32) uint8 {
	v := ss >> resamplePrecisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// resample resizes src (sh, sw, ch) bytes to dst (th, tw, ch) with PIL's two-pass
// convolution (ImagingResample): horizontal pass into tmp, rounded to bytes, then vertical.
// tmp is scratch space, grown as needed and returned.
func resample(dst []uint8, th, tw int, src []uint8, sh, sw, ch int, f resampleFilter, tmp []uint8) []uint8 {
	cur, curW := src, sw
	vb, vk, vks := resampleCoeffs(sh, th, f)
	first, last := 0, sh
	if th != sh {
		first = vb[0]
		last = vb[2*th-2] + vb[2*th-1]
	}
	if tw != sw {
		rows := last - first
		if cap(tmp) < rows*tw*ch {
			tmp = make([]uint8, rows*tw*ch)
		}
		tmp = tmp[:rows*tw*ch]
		hb, hk, hks := resampleCoeffs(sw, tw, f)
		for y := range rows {
			in := src[(first+y)*sw*ch:]
			out := tmp[y*tw*ch:]
			for x := range tw {
				xmin, n := hb[2*x], hb[2*x+1]
				k := hk[x*hks : x*hks+n]
				for c := range ch {
					ss := int32(1 << (resamplePrecisionBits - 1))
					for t, w := range k {
						ss += int32(in[(xmin+t)*ch+c]) * w
					}
					out[x*ch+c] = clip8(ss)
				}
			}
		}
		cur, curW = tmp, tw
	} else {
		cur = src[first*sw*ch:]
	}
	if th == sh {
		copy(dst[:th*tw*ch], cur[:th*curW*ch])
		return tmp
	}
	rowLen := tw * ch
	for y := range th {
		ymin, n := vb[2*y]-first, vb[2*y+1]
		k := vk[y*vks : y*vks+n]
		out := dst[y*rowLen : (y+1)*rowLen]
		for i := range rowLen {
			ss := int32(1 << (resamplePrecisionBits - 1))
			for t, w := range k {
				ss += int32(cur[(ymin+t)*rowLen+i]) * w
			}
			out[i] = clip8(ss)
		}
	}
	return tmp
}

// premultiply and unpremultiply are PIL's RGBA <-> RGBa conversions, which Image.resize wraps
// around every filter but NEAREST for RGBA images.
func premultiply(p []uint8) {
	for i := 0; i+3 < len(p); i += 4 {
		a := int(p[i+3])
		for c := range 3 {
			t := int(p[i+c])*a + 128
			p[i+c] = uint8(((t >> 8) + t) >> 8)
		}
	}
}

func unpremultiply(p []uint8) {
	for i := 0; i+3 < len(p); i += 4 {
		a := int(p[i+3])
		if a == 0 || a == 255 {
			continue
		}
		for c := range 3 {
			p[i+c] = uint8(min(255*int(p[i+c])/a, 255))
		}
	}
}
