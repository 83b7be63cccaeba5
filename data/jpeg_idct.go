package data

// The inverse DCT of libjpeg's JDCT_ISLOW method (jidctint.c), which libjpeg-turbo, and so
// PIL, uses by default: the Loeffler–Ligtenberg–Moschytz factorisation (12 multiplies, 32
// adds per 1-D transform) in fixed point with CONST_BITS = 13 fraction bits for the
// constants and PASS1_BITS = 2 extra bits kept between the column pass and the row pass.
// Reproducing its arithmetic exactly, roundings and output wrap included, is what makes
// gotl's JPEG pixels equal PIL's.

const (
	idctConstBits = 13
	idctPass1Bits = 2
)

// The multipliers of the LL&M butterflies, FIX(x) = round(x · 2^13), with ck = cos(kπ/16)
// (the names give x, as jidctint.c's FIX_x_xxx do).
const (
	fix0298631336 = 2446  // √2 (-c1 + c3 + c5 - c7)
	fix0390180644 = 3196  // √2 (c3 - c5)
	fix0541196100 = 4433  // √2 c6
	fix0765366865 = 6270  // √2 (c2 - c6)
	fix0899976223 = 7373  // √2 (c3 - c7)
	fix1175875602 = 9633  // √2 c3
	fix1501321110 = 12299 // √2 (c1 + c3 - c5 - c7)
	fix1847759065 = 15137 // √2 (c2 + c6)
	fix1961570560 = 16069 // √2 (c3 + c5)
	fix2053119869 = 16819 // √2 (c1 + c3 - c5 + c7)
	fix2562915447 = 20995 // √2 (c1 + c3)
	fix3072711026 = 25172 // √2 (c1 + c3 + c5 - c7)
)

// idctSample is the sample for an IDCT output x (the sample minus 128): x + 128 clamped to
// [0, 255].
func idctSample(x int) uint8 { return uint8(min(max(x+128, 0), 255)) }

// wrap16 and saturate16 narrow to 16 bits as libjpeg-turbo's SIMD IDCT does (see idctIslow).
func wrap16(x int) int     { return int(int16(x)) }
func saturate16(x int) int { return min(max(x, -1<<15), 1<<15-1) }

// descale is x / 2^n rounded to nearest, halves up (libjpeg's DESCALE, an arithmetic shift).
func descale(x, n int) int { return (x + 1<<(n-1)) >> n }

// idctIslow writes the 8×8 samples of the dequantized coefficients blk (natural order, row
// major: blk[8u+v] is the coefficient of vertical frequency u and horizontal frequency v) to
// dst, row y at dst[y·stride:], exactly as libjpeg-turbo's jpeg_idct_islow does.
//
// Pass 1 transforms the columns into a workspace scaled by 2^PASS1_BITS, pass 2 the rows,
// descaling by 2^(CONST_BITS + PASS1_BITS + 3) (the 3 being the 1/8 of the 2-D DCT's
// normalisation) and clamping to samples.
//
// On valid data (dequantized coefficients within about ±2048) every value fits in 16 bits
// and libjpeg's C code and its SIMD versions agree. Corrupt data goes further, and there PIL
// gives what the SIMD code it runs on x86-64 (jidctint-avx2.asm, -sse2.asm) gives, which is
// reproduced here: coefficients are 16-bit (dequantize), the sums x0 ± x4, x7 + x3 and
// x5 + x1 of idct1D wrap to 16 bits, pass 1 saturates its outputs to 16 bits, except when
// rows 1 to 7 of the block are all zero: then each column is its DC term times 2^PASS1_BITS,
// wrapped to 16 bits. The C code instead keeps 32 bits and wraps the sample modulo 1024.
// Columns and rows whose AC terms are zero take a shortcut that gives the full butterfly's
// values.
func idctIslow(blk *[64]int32, dst []uint8, stride int) {
	var ws [64]int32
	var acColumns uint8 // bit c: column c has a nonzero AC term
	for c := range 8 {
		if blk[c+8]|blk[c+16]|blk[c+24]|blk[c+32]|blk[c+40]|blk[c+48]|blk[c+56] == 0 {
			continue // filled below
		}
		acColumns |= 1 << c
		e0, e1, e2, e3, o0, o1, o2, o3 := idct1D(int(blk[c]), int(blk[c+8]), int(blk[c+16]), int(blk[c+24]), int(blk[c+32]), int(blk[c+40]), int(blk[c+48]), int(blk[c+56]))
		const n = idctConstBits - idctPass1Bits
		ws[c] = int32(saturate16(descale(e0+o3, n)))
		ws[56+c] = int32(saturate16(descale(e0-o3, n)))
		ws[8+c] = int32(saturate16(descale(e1+o2, n)))
		ws[48+c] = int32(saturate16(descale(e1-o2, n)))
		ws[16+c] = int32(saturate16(descale(e2+o1, n)))
		ws[40+c] = int32(saturate16(descale(e2-o1, n)))
		ws[24+c] = int32(saturate16(descale(e3+o0, n)))
		ws[32+c] = int32(saturate16(descale(e3-o0, n)))
	}
	for c := range 8 {
		if acColumns>>c&1 != 0 {
			continue
		}
		dc := int(blk[c]) << idctPass1Bits
		if acColumns == 0 {
			dc = wrap16(dc)
		} else {
			dc = saturate16(dc)
		}
		for r := range 8 {
			ws[8*r+c] = int32(dc)
		}
	}
	const n = idctConstBits + idctPass1Bits + 3
	for r := range 8 {
		w := ws[8*r : 8*r+8 : 8*r+8]
		out := dst[r*stride : r*stride+8 : r*stride+8]
		if w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0 {
			v := idctSample(descale(int(w[0]), idctPass1Bits+3))
			for i := range out {
				out[i] = v
			}
			continue
		}
		e0, e1, e2, e3, o0, o1, o2, o3 := idct1D(int(w[0]), int(w[1]), int(w[2]), int(w[3]), int(w[4]), int(w[5]), int(w[6]), int(w[7]))
		out[0] = idctSample(descale(e0+o3, n))
		out[7] = idctSample(descale(e0-o3, n))
		out[1] = idctSample(descale(e1+o2, n))
		out[6] = idctSample(descale(e1-o2, n))
		out[2] = idctSample(descale(e2+o1, n))
		out[5] = idctSample(descale(e2-o1, n))
		out[3] = idctSample(descale(e3+o0, n))
		out[4] = idctSample(descale(e3-o0, n))
	}
}

// idctDC writes the block whose only nonzero coefficient is the dequantized DC term dc: the
// value both passes of idctIslow give in every sample.
func idctDC(dc int32, dst []uint8, stride int) {
	v := idctSample(descale(wrap16(int(dc)<<idctPass1Bits), idctPass1Bits+3))
	for r := range 8 {
		out := dst[r*stride : r*stride+8 : r*stride+8]
		for i := range out {
			out[i] = v
		}
	}
}

// idct1D is the 8-point LL&M inverse DCT of x0..x7, scaled by 2^CONST_BITS·sqrt(8), as
// even and odd halves: output k is e_k + o_(3-k) and output 7-k is e_k - o_(3-k).
// The even part is a 4-point IDCT of x0, x2, x4, x6 (a rotation by 6π/16 of x2, x6); the odd
// part rotates x1, x3, x5, x7 through the shared factor z5 = (z3 + z4)·c3 of jidctint.c.
// x0 ± x4, z3 = x7 + x3 and z4 = x5 + x1 wrap to 16 bits as in libjpeg-turbo's SIMD code;
// the products and the other sums are exact, in 64 bits (libjpeg's JLONG).
func idct1D(x0, x1, x2, x3, x4, x5, x6, x7 int) (e0, e1, e2, e3, o0, o1, o2, o3 int) {
	z1 := (x2 + x6) * fix0541196100
	t2 := z1 - x6*fix1847759065
	t3 := z1 + x2*fix0765366865
	t0 := wrap16(x0+x4) << idctConstBits
	t1 := wrap16(x0-x4) << idctConstBits
	e0, e3 = t0+t3, t0-t3
	e1, e2 = t1+t2, t1-t2

	// Odd part: x7, x5, x3, x1 play the roles of libjpeg's tmp0..tmp3.
	za := x7 + x1
	zb := x5 + x3
	zc := wrap16(x7 + x3)
	zd := wrap16(x5 + x1)
	z5 := (zc + zd) * fix1175875602
	za *= -fix0899976223
	zb *= -fix2562915447
	zc = zc*-fix1961570560 + z5
	zd = zd*-fix0390180644 + z5
	o0 = x7*fix0298631336 + za + zc
	o1 = x5*fix2053119869 + zb + zd
	o2 = x3*fix3072711026 + zb + zc
	o3 = x1*fix1501321110 + za + zd
	return
}
