package jpeg

import (
	"math"
	"math/rand/v2"
	"testing"
)

// referenceIDCT is the 2-D inverse DCT of the JPEG standard (A.3.3) in float64, level-shifted
// and clamped to a byte.
func referenceIDCT(b *block) [64]uint8 {
	var out [64]uint8
	c := func(u int) float64 {
		if u == 0 {
			return 1 / math.Sqrt2
		}
		return 1
	}
	for y := range 8 {
		for x := range 8 {
			var s float64
			for v := range 8 {
				for u := range 8 {
					s += c(u) * c(v) * float64(b[8*v+u]) *
						math.Cos(float64(2*x+1)*float64(u)*math.Pi/16) * math.Cos(float64(2*y+1)*float64(v)*math.Pi/16)
				}
			}
			out[8*y+x] = uint8(min(max(math.Round(s/4+128), 0), 255))
		}
	}
	return out
}

// forwardDCT is the 2-D DCT of the JPEG standard (A.3.3) of an 8-bit block, level-shifted.
func forwardDCT(px *[64]float64) [64]float64 {
	var out [64]float64
	c := func(u int) float64 {
		if u == 0 {
			return 1 / math.Sqrt2
		}
		return 1
	}
	for v := range 8 {
		for u := range 8 {
			var s float64
			for y := range 8 {
				for x := range 8 {
					s += (px[8*y+x] - 128) * math.Cos(float64(2*x+1)*float64(u)*math.Pi/16) * math.Cos(float64(2*y+1)*float64(v)*math.Pi/16)
				}
			}
			out[8*v+u] = c(u) * c(v) * s / 4
		}
	}
	return out
}

// TestIDCTIslowAgainstReference: on quantized DCTs of 8-bit blocks (smooth, noisy, edges,
// flat), libjpeg's integer IDCT is within one level of the exact transform of the same
// dequantized coefficients (its accuracy class); dequantization happens inside.
func TestIDCTIslowAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	worst := 0
	for trial := range 1000 {
		var px [64]float64
		base, gx, gy, noise := r.Float64()*255, r.Float64()*20-10, r.Float64()*20-10, r.Float64()*60
		if trial%5 == 0 {
			gx, gy, noise = 0, 0, 0 // flat: DC only, the shortcut paths
		}
		for i := range px {
			v := base + gx*float64(i%8) + gy*float64(i/8) + noise*(r.Float64()-0.5)
			if trial%7 == 0 && i%8 >= 4 {
				v = 255 - v // a sharp edge
			}
			px[i] = math.Round(min(max(v, 0), 255))
		}
		F := forwardDCT(&px)
		var coef, q, deq block
		for i := range q {
			q[i] = int32(1 + r.IntN(1+trial%40))
			coef[i] = int32(math.Round(F[i] / float64(q[i])))
			deq[i] = coef[i] * q[i]
		}
		var got [64]uint8
		idctIslow(&coef, &q, got[:], 8)
		want := referenceIDCT(&deq)
		for i := range got {
			d := int(got[i]) - int(want[i])
			if d < 0 {
				d = -d
			}
			worst = max(worst, d)
			if d > 1 {
				t.Fatalf("trial %d, sample %d: %d, reference %d", trial, i, got[i], want[i])
			}
		}
	}
	t.Logf("largest difference from the float64 IDCT: %d", worst)
}

// TestRangeLimit checks libjpeg's post-IDCT table: clamp within ±512 of the centre.
func TestRangeLimit(t *testing.T) {
	for x := -512; x < 512; x++ {
		want := uint8(min(max(x+128, 0), 255))
		if got := rangeLimit[x&1023]; got != want {
			t.Fatalf("rangeLimit[%d & 1023] = %d, want %d", x, got, want)
		}
	}
}
