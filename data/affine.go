package data

import "math"

// affine is the map from output to input coordinates, (r, c) -> A·(r, c) + b, in (row,
// column) order: the matrix and offset Keras hands to scipy.ndimage.affine_transform.
type affine struct {
	a00, a01, a10, a11 float64
	b0, b1             float64
}

type mat3 [3][3]float64

func (m mat3) mul(n mat3) mat3 {
	var p mat3
	for i := range 3 {
		for j := range 3 {
			// Explicit float64 conversions keep Go from fusing multiply-adds, so that the
			// sums round as NumPy's do.
			p[i][j] = float64(float64(m[i][0]*n[0][j])+float64(m[i][1]*n[1][j])) + float64(m[i][2]*n[2][j])
		}
	}
	return p
}

// affineMatrix is Keras's apply_affine_transform matrix for p on an (h, w) image:
// rotation · shift · shear · zoom (each only if present), conjugated by a translation to the
// centre (h/2 + 0.5, w/2 + 0.5) — keras_preprocessing 1.1's centre, which tf.keras ≥ 2.9
// changed to (h/2 − 0.5, w/2 − 0.5).
func affineMatrix(p TransformParams, h, w int) affine {
	var m *mat3
	compose := func(n mat3) {
		if m == nil {
			m = &n
			return
		}
		r := m.mul(n)
		m = &r
	}
	if p.Theta != 0 {
		t := p.Theta * math.Pi / 180
		compose(mat3{{math.Cos(t), -math.Sin(t), 0}, {math.Sin(t), math.Cos(t), 0}, {0, 0, 1}})
	}
	if p.Tx != 0 || p.Ty != 0 {
		compose(mat3{{1, 0, p.Tx}, {0, 1, p.Ty}, {0, 0, 1}})
	}
	if p.Shear != 0 {
		s := p.Shear * math.Pi / 180
		compose(mat3{{1, -math.Sin(s), 0}, {0, math.Cos(s), 0}, {0, 0, 1}})
	}
	if zx, zy := p.zoom(); zx != 1 || zy != 1 {
		compose(mat3{{zx, 0, 0}, {0, zy, 0}, {0, 0, 1}})
	}
	if m == nil {
		return affine{a00: 1, a11: 1}
	}
	or, oc := float64(h)/2+0.5, float64(w)/2+0.5
	t := mat3{{1, 0, or}, {0, 1, oc}, {0, 0, 1}}.mul(*m).mul(mat3{{1, 0, -or}, {0, 1, -oc}, {0, 0, 1}})
	return affine{t[0][0], t[0][1], t[1][0], t[1][1], t[0][2], t[1][2]}
}

// mapCoordinate is scipy.ndimage's map_coordinate (ni_interpolation.c) for a coordinate
// outside [0, n−1]; it returns −1 for "use cval" in constant mode.
func mapCoordinate(in float64, n int, mode FillMode) float64 {
	size := float64(n)
	if in < 0 {
		switch mode {
		case FillReflect:
			if n <= 1 {
				return 0
			}
			sz2 := 2 * size
			if in < -sz2 {
				in = sz2*float64(int64(-in/sz2)) + in
			}
			if in < -size {
				return in + sz2
			}
			return -in - 1
		case FillWrap:
			if n <= 1 {
				return 0
			}
			sz := size - 1
			return in + sz*float64(int64(-in/sz)+1)
		case FillNearest:
			return 0
		default:
			return -1
		}
	}
	if in > size-1 {
		switch mode {
		case FillReflect:
			if n <= 1 {
				return 0
			}
			sz2 := 2 * size
			in -= sz2 * float64(int64(in/sz2))
			if in >= size {
				in = sz2 - in - 1
			}
			return in
		case FillWrap:
			if n <= 1 {
				return 0
			}
			sz := size - 1
			return in - sz*float64(int64(in/sz))
		case FillNearest:
			return size - 1
		default:
			return -1
		}
	}
	return in
}

// tapIndex maps a filter tap outside [0, n) back inside, as scipy 1.10 does: reflect mode
// reflects about the edge (i = −1 reads 0); the other modes only meet such a tap with weight 0
// (a coordinate exactly on the last sample) and mirror it about the edge sample.
func tapIndex(i, n int, mode FillMode) int {
	if mode == FillReflect {
		if n <= 1 {
			return 0
		}
		s2 := 2 * n
		if i < 0 {
			if i < -s2 {
				i = s2*(-i/s2) + i
			}
			if i < -n {
				return i + s2
			}
			return -i - 1
		}
		i -= s2 * (i / s2)
		if i >= n {
			i = s2 - i - 1
		}
		return i
	}
	if n <= 1 {
		return 0
	}
	s2 := 2*n - 2
	if i < 0 {
		i = s2*(-i/s2) + i
		if i <= 1-n {
			return i + s2
		}
		return -i
	}
	if i >= n {
		i -= s2 * (i / s2)
		if i >= n {
			i = s2 - i
		}
	}
	return i
}

// axisTaps is the order-1 spline filter of one axis at coordinate x: the two input indices
// and their weights, or ok == false when constant mode uses cval.
func axisTaps(x float64, n int, mode FillMode) (i0, i1 int, w0, w1 float64, ok bool) {
	cc := mapCoordinate(x, n, mode)
	if cc <= -1 {
		return 0, 0, 0, 0, false
	}
	f := math.Floor(cc)
	start := int(f)
	t := cc - f
	w0 = 1 - t
	w1 = 1 - w0 // scipy's last weight is 1 minus the others
	i0, i1 = start, start+1
	if start < 0 || start+1 >= n {
		i0, i1 = tapIndex(i0, n, mode), tapIndex(i1, n, mode)
	}
	return i0, i1, w0, w1, true
}

// affineTransform writes to dst (h, w, c) the bilinear resampling of src (h, w, c) at
// A·(r, c) + b with the fill mode: scipy.ndimage.affine_transform(order=1) per channel,
// summing the four taps in scipy's order in float64. flipH/flipV reverse the output's
// columns/rows, fused into the same pass (Keras flips after the affine step).
func affineTransform(dst, src []float32, h, w, c int, m affine, mode FillMode, cval float64, flipH, flipV bool) {
	// Products by row and by column are exact per factor, so tabulating them leaves every sum
	// as scipy rounds it: icoor = (r·a + c·b) + offset.
	rowTerm0, rowTerm1 := make([]float64, h), make([]float64, h)
	for r := range h {
		rowTerm0[r] = float64(r) * m.a00
		rowTerm1[r] = float64(r) * m.a10
	}
	colTerm0, colTerm1 := make([]float64, w), make([]float64, w)
	for k := range w {
		colTerm0[k] = float64(k) * m.a01
		colTerm1[k] = float64(k) * m.a11
	}
	fill := float32(cval)
	if m.a01 == 0 && m.a10 == 0 {
		// No rotation or shear: the row coordinate depends on r alone and the column one on k
		// alone (k·0 adds exactly 0), so taps and weights are tabulated once per row and column.
		separableAffine(dst, src, h, w, c, rowTerm0, colTerm1, m, mode, fill, flipH, flipV)
		return
	}
	hMax, wMax := float64(h-1), float64(w-1)
	for r := range h {
		outRow := r
		if flipV {
			outRow = h - 1 - r
		}
		for k := range w {
			outCol := k
			if flipH {
				outCol = w - 1 - k
			}
			out := dst[(outRow*w+outCol)*c : (outRow*w+outCol+1)*c]
			y := float64(rowTerm0[r]+colTerm0[k]) + m.b0
			x := float64(rowTerm1[r]+colTerm1[k]) + m.b1
			var y0, y1, x0, x1 int
			var wy0, wy1, wx0, wx1 float64
			if y >= 0 && y < hMax && x >= 0 && x < wMax {
				// Inside: both taps in range, no mapping (the common case).
				y0, x0 = int(y), int(x)
				y1, x1 = y0+1, x0+1
				wy0 = 1 - (y - float64(y0))
				wx0 = 1 - (x - float64(x0))
				wy1, wx1 = 1-wy0, 1-wx0
			} else {
				var okY, okX bool
				y0, y1, wy0, wy1, okY = axisTaps(y, h, mode)
				x0, x1, wx0, wx1, okX = axisTaps(x, w, mode)
				if !okY || !okX {
					for ch := range out {
						out[ch] = fill
					}
					continue
				}
			}
			i00, i01 := (y0*w+x0)*c, (y0*w+x1)*c
			i10, i11 := (y1*w+x0)*c, (y1*w+x1)*c
			if c == 3 { // RGB, unrolled
				p00, p01 := src[i00:i00+3:i00+3], src[i01:i01+3:i01+3]
				p10, p11 := src[i10:i10+3:i10+3], src[i11:i11+3:i11+3]
				o := out[:3:3]
				o[0] = bilinear(p00[0], p01[0], p10[0], p11[0], wy0, wy1, wx0, wx1)
				o[1] = bilinear(p00[1], p01[1], p10[1], p11[1], wy0, wy1, wx0, wx1)
				o[2] = bilinear(p00[2], p01[2], p10[2], p11[2], wy0, wy1, wx0, wx1)
				continue
			}
			for ch := range out {
				out[ch] = bilinear(src[i00+ch], src[i01+ch], src[i10+ch], src[i11+ch], wy0, wy1, wx0, wx1)
			}
		}
	}
}

// taps1D holds the order-1 taps of one axis for every output position.
type taps1D struct {
	i0, i1 []int // input indices
	w0, w1 []float64
	ok     []bool // false: constant mode's cval
}

func makeTaps(terms []float64, offset float64, n int, mode FillMode) taps1D {
	t := taps1D{make([]int, len(terms)), make([]int, len(terms)), make([]float64, len(terms)), make([]float64, len(terms)), make([]bool, len(terms))}
	for k, term := range terms {
		t.i0[k], t.i1[k], t.w0[k], t.w1[k], t.ok[k] = axisTaps(term+offset, n, mode)
	}
	return t
}

// separableAffine is affineTransform for a diagonal matrix (shift and zoom only).
func separableAffine(dst, src []float32, h, w, c int, rowTerm, colTerm []float64, m affine, mode FillMode, fill float32, flipH, flipV bool) {
	ty := makeTaps(rowTerm, m.b0, h, mode)
	tx := makeTaps(colTerm, m.b1, w, mode)
	for r := range h {
		outRow := r
		if flipV {
			outRow = h - 1 - r
		}
		dRow := dst[outRow*w*c : (outRow+1)*w*c]
		if !ty.ok[r] {
			for i := range dRow {
				dRow[i] = fill
			}
			continue
		}
		row0, row1 := src[ty.i0[r]*w*c:(ty.i0[r]+1)*w*c], src[ty.i1[r]*w*c:(ty.i1[r]+1)*w*c]
		wy0, wy1 := ty.w0[r], ty.w1[r]
		for k := range w {
			outCol := k
			if flipH {
				outCol = w - 1 - k
			}
			out := dRow[outCol*c : (outCol+1)*c]
			if !tx.ok[k] {
				for ch := range out {
					out[ch] = fill
				}
				continue
			}
			j0, j1 := tx.i0[k]*c, tx.i1[k]*c
			wx0, wx1 := tx.w0[k], tx.w1[k]
			if c == 3 {
				a, b := row0[j0:j0+3:j0+3], row0[j1:j1+3:j1+3]
				p, q := row1[j0:j0+3:j0+3], row1[j1:j1+3:j1+3]
				o := out[:3:3]
				o[0] = bilinear(a[0], b[0], p[0], q[0], wy0, wy1, wx0, wx1)
				o[1] = bilinear(a[1], b[1], p[1], q[1], wy0, wy1, wx0, wx1)
				o[2] = bilinear(a[2], b[2], p[2], q[2], wy0, wy1, wx0, wx1)
				continue
			}
			for ch := range out {
				out[ch] = bilinear(row0[j0+ch], row0[j1+ch], row1[j0+ch], row1[j1+ch], wy0, wy1, wx0, wx1)
			}
		}
	}
}

// bilinear sums the four taps in scipy's order (rows outer, columns inner; each value times
// its row weight, then its column weight), in float64.
func bilinear(v00, v01, v10, v11 float32, wy0, wy1, wx0, wx1 float64) float32 {
	t := float64(float64(v00)*wy0) * wx0
	t += float64(float64(v01)*wy0) * wx1
	t += float64(float64(v10)*wy1) * wx0
	t += float64(float64(v11)*wy1) * wx1
	return float32(t)
}

// flipCopy copies src to dst (h, w, c), reversing columns and/or rows.
func flipCopy(dst, src []float32, h, w, c int, flipH, flipV bool) {
	for r := range h {
		outRow := r
		if flipV {
			outRow = h - 1 - r
		}
		if !flipH {
			copy(dst[outRow*w*c:(outRow+1)*w*c], src[r*w*c:(r+1)*w*c])
			continue
		}
		for k := range w {
			copy(dst[(outRow*w+w-1-k)*c:(outRow*w+w-k)*c], src[(r*w+k)*c:(r*w+k+1)*c])
		}
	}
}
