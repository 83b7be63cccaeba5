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

// idctIslow is libjpeg's jpeg_idct_islow (jidctint.c): it dequantizes b by q (both in natural
// order) as it reads the columns, then runs a separable
// 8-point IDCT (Loeffler–Ligtenberg–Moschytz, 12 multiplies), columns first with 13-bit
// constants and 2 extra bits between passes, writing level-shifted, range-limited samples to
// dst (8 rows of stride bytes). The two passes repeat the same arithmetic, as in libjpeg.
func idctIslow(b, q *block, dst []byte, stride int) {
	var ws [blockSize]int32
	// Pass 1: columns, descaled by 2^(13−2).
	for c := range 8 {
		// Sums and products in 64 bits, as libjpeg's JLONG on 64-bit Linux.
		if b[8+c] == 0 && b[16+c] == 0 && b[24+c] == 0 && b[32+c] == 0 && b[40+c] == 0 && b[48+c] == 0 && b[56+c] == 0 {
			dc := (b[c] * q[c]) << pass1Bits
			ws[c], ws[8+c], ws[16+c], ws[24+c] = dc, dc, dc, dc
			ws[32+c], ws[40+c], ws[48+c], ws[56+c] = dc, dc, dc, dc
			continue
		}
		// The dequantized products are ints in libjpeg (DEQUANTIZE), widened afterwards.
		x0, x1, x2, x3 := int64(b[c]*q[c]), int64(b[8+c]*q[8+c]), int64(b[16+c]*q[16+c]), int64(b[24+c]*q[24+c])
		x4, x5, x6, x7 := int64(b[32+c]*q[32+c]), int64(b[40+c]*q[40+c]), int64(b[48+c]*q[48+c]), int64(b[56+c]*q[56+c])
		// Even part: the rotator is sqrt(2)·c(−6).
		z1 := (x2 + x6) * fix0_541196100
		tmp2 := z1 + x6*-fix1_847759065
		tmp3 := z1 + x2*fix0_765366865
		tmp0 := (x0 + x4) << constBits
		tmp1 := (x0 - x4) << constBits
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
		// Odd part.
		z1, z2, z3, z4 := x7+x1, x5+x3, x7+x3, x5+x1
		z5 := (z3 + z4) * fix1_175875602
		tmp0 = x7*fix0_298631336 + z1*-fix0_899976223 + z3*-fix1_961570560 + z5
		tmp1 = x5*fix2_053119869 + z2*-fix2_562915447 + z4*-fix0_390180644 + z5
		tmp2 = x3*fix3_072711026 + z2*-fix2_562915447 + z3*-fix1_961570560 + z5
		tmp3 = x1*fix1_501321110 + z1*-fix0_899976223 + z4*-fix0_390180644 + z5
		const s, r = constBits - pass1Bits, 1 << (constBits - pass1Bits - 1)
		ws[c] = int32((tmp10 + tmp3 + r) >> s)
		ws[56+c] = int32((tmp10 - tmp3 + r) >> s)
		ws[8+c] = int32((tmp11 + tmp2 + r) >> s)
		ws[48+c] = int32((tmp11 - tmp2 + r) >> s)
		ws[16+c] = int32((tmp12 + tmp1 + r) >> s)
		ws[40+c] = int32((tmp12 - tmp1 + r) >> s)
		ws[24+c] = int32((tmp13 + tmp0 + r) >> s)
		ws[32+c] = int32((tmp13 - tmp0 + r) >> s)
	}
	// Pass 2: rows, descaled by 8 (the 2-D gain) and the pass-1 bits.
	for y := range 8 {
		w := ws[8*y : 8*y+8 : 8*y+8]
		row := dst[y*stride : y*stride+8 : y*stride+8]
		x0, x1, x2, x3 := int64(w[0]), int64(w[1]), int64(w[2]), int64(w[3])
		x4, x5, x6, x7 := int64(w[4]), int64(w[5]), int64(w[6]), int64(w[7])
		if x1 == 0 && x2 == 0 && x3 == 0 && x4 == 0 && x5 == 0 && x6 == 0 && x7 == 0 {
			v := rangeLimit[((x0+1<<(pass1Bits+2))>>(pass1Bits+3))&1023]
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = v, v, v, v, v, v, v, v
			continue
		}
		z1 := (x2 + x6) * fix0_541196100
		tmp2 := z1 + x6*-fix1_847759065
		tmp3 := z1 + x2*fix0_765366865
		tmp0 := (x0 + x4) << constBits
		tmp1 := (x0 - x4) << constBits
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
		z1, z2, z3, z4 := x7+x1, x5+x3, x7+x3, x5+x1
		z5 := (z3 + z4) * fix1_175875602
		tmp0 = x7*fix0_298631336 + z1*-fix0_899976223 + z3*-fix1_961570560 + z5
		tmp1 = x5*fix2_053119869 + z2*-fix2_562915447 + z4*-fix0_390180644 + z5
		tmp2 = x3*fix3_072711026 + z2*-fix2_562915447 + z3*-fix1_961570560 + z5
		tmp3 = x1*fix1_501321110 + z1*-fix0_899976223 + z4*-fix0_390180644 + z5
		const s, r = constBits + pass1Bits + 3, 1 << (constBits + pass1Bits + 2)
		row[0] = rangeLimit[((tmp10+tmp3+r)>>s)&1023]
		row[7] = rangeLimit[((tmp10-tmp3+r)>>s)&1023]
		row[1] = rangeLimit[((tmp11+tmp2+r)>>s)&1023]
		row[6] = rangeLimit[((tmp11-tmp2+r)>>s)&1023]
		row[2] = rangeLimit[((tmp12+tmp1+r)>>s)&1023]
		row[5] = rangeLimit[((tmp12-tmp1+r)>>s)&1023]
		row[3] = rangeLimit[((tmp13+tmp0+r)>>s)&1023]
		row[4] = rangeLimit[((tmp13-tmp0+r)>>s)&1023]
	}
}
