package jpeg

const blockSize = 64 // A DCT block is 8x8.

// block holds 64 coefficients in natural (row-major) order; after dequantization they are
// what the inverse DCT reads.
type block [blockSize]int32

// libjpeg's fixed-point constants: FIX(x) = round(x · 2^13).
const (
	constBits = 13
	pass1Bits = 2

	fix0_298631336 = 2446
	fix0_390180644 = 3196
	fix0_541196100 = 4433
	fix0_765366865 = 6270
	fix0_899976223 = 7373
	fix1_175875602 = 9633
	fix1_501321110 = 12299
	fix1_847759065 = 15137
	fix1_961570560 = 16069
	fix2_053119869 = 16819
	fix2_562915447 = 20995
	fix3_072711026 = 25172
)

// rangeLimit is libjpeg's post-IDCT range-limit table (jdmaster.c prepare_range_limit_table)
// indexed by the descaled value & 1023: values in [−128, 127] map to value + 128, larger ones
// to 255 and smaller ones to 0 — and, as in libjpeg, far out-of-range values (from corrupt
// data) wrap around.
var rangeLimit [1024]uint8

func init() {
	for i := range rangeLimit {
		switch {
		case i < 128:
			rangeLimit[i] = uint8(i + 128)
		case i < 512:
			rangeLimit[i] = 255
		case i < 896:
			rangeLimit[i] = 0
		default:
			rangeLimit[i] = uint8(i - 896)
		}
	}
}

func descale(x int32, n uint) int32 { return (x + 1<<(n-1)) >> n }

// idctIslow is libjpeg's jpeg_idct_islow (jidctint.c) on a dequantized block: a separable
// 8-point IDCT (Loeffler–Ligtenberg–Moschytz, 12 multiplies), columns first with 13-bit
// constants and 2 extra bits between passes, writing level-shifted, range-limited samples to
// dst (8 rows of stride bytes).
func idctIslow(b *block, dst []byte, stride int) {
	var ws [blockSize]int32
	// Pass 1: columns.
	for c := range 8 {
		in := func(r int) int32 { return b[8*r+c] }
		if in(1) == 0 && in(2) == 0 && in(3) == 0 && in(4) == 0 && in(5) == 0 && in(6) == 0 && in(7) == 0 {
			dc := in(0) << pass1Bits
			for r := range 8 {
				ws[8*r+c] = dc
			}
			continue
		}
		out := idct1D(in(0), in(1), in(2), in(3), in(4), in(5), in(6), in(7), constBits-pass1Bits)
		for r := range 8 {
			ws[8*r+c] = out[r]
		}
	}
	// Pass 2: rows, descaled by 8 (the 2-D gain) and the pass-1 bits.
	for r := range 8 {
		w := ws[8*r : 8*r+8 : 8*r+8]
		row := dst[r*stride : r*stride+8 : r*stride+8]
		if w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0 {
			v := rangeLimit[descale(w[0], pass1Bits+3)&1023]
			for x := range row {
				row[x] = v
			}
			continue
		}
		out := idct1D(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], constBits+pass1Bits+3)
		for x := range row {
			row[x] = rangeLimit[out[x]&1023]
		}
	}
}

// idct1D is one 8-point pass of jpeg_idct_islow on inputs x0..x7, descaling its outputs by
// 2^shift.
func idct1D(x0, x1, x2, x3, x4, x5, x6, x7 int32, shift uint) [8]int32 {
	// Even part: the rotator is sqrt(2)·c(−6).
	z2, z3 := x2, x6
	z1 := (z2 + z3) * fix0_541196100
	tmp2 := z1 + z3*-fix1_847759065
	tmp3 := z1 + z2*fix0_765366865
	tmp0 := (x0 + x4) << constBits
	tmp1 := (x0 - x4) << constBits
	tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
	tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2

	// Odd part.
	tmp0, tmp1, tmp2, tmp3 = x7, x5, x3, x1
	z1 = tmp0 + tmp3
	z2 = tmp1 + tmp2
	z3 = tmp0 + tmp2
	z4 := tmp1 + tmp3
	z5 := (z3 + z4) * fix1_175875602
	tmp0 *= fix0_298631336
	tmp1 *= fix2_053119869
	tmp2 *= fix3_072711026
	tmp3 *= fix1_501321110
	z1 *= -fix0_899976223
	z2 *= -fix2_562915447
	z3 *= -fix1_961570560
	z4 *= -fix0_390180644
	z3 += z5
	z4 += z5
	tmp0 += z1 + z3
	tmp1 += z2 + z4
	tmp2 += z2 + z3
	tmp3 += z1 + z4

	return [8]int32{
		descale(tmp10+tmp3, shift),
		descale(tmp11+tmp2, shift),
		descale(tmp12+tmp1, shift),
		descale(tmp13+tmp0, shift),
		descale(tmp13-tmp0, shift),
		descale(tmp12-tmp1, shift),
		descale(tmp11-tmp2, shift),
		descale(tmp10-tmp3, shift),
	}
}
