package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/org/gotl/internal/device"
)

// patchGeometries are convolutions with padding on every side, strides, dilations, taps
// that miss the input, one input channel and more channels than a span.
var patchGeometries = []device.Conv2DParams{
	{N: 2, H: 5, W: 6, InC: 3, OutH: 5, OutW: 6, OutC: 1, KH: 3, KW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1},
	{N: 1, H: 9, W: 7, InC: 1, OutH: 5, OutW: 4, OutC: 1, KH: 3, KW: 3, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1},
	{N: 2, H: 8, W: 9, InC: 2, OutH: 8, OutW: 9, OutC: 1, KH: 3, KW: 3, StrideH: 1, StrideW: 1, DilationH: 2, DilationW: 2, PadTop: 2, PadLeft: 2},
	{N: 1, H: 4, W: 4, InC: 5, OutH: 4, OutW: 5, OutC: 1, KH: 4, KW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 3, PadLeft: 2},
	{N: 1, H: 15, W: 13, InC: 3, OutH: 8, OutW: 7, OutC: 1, KH: 7, KW: 7, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: 3, PadLeft: 3},
	{N: 3, H: 3, W: 3, InC: 20, OutH: 3, OutW: 3, OutC: 1, KH: 3, KW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1},
}

// patchElement is element (row, column) of the patch matrix, from its definition.
func patchElement(p *device.Conv2DParams, x []float32, row, column int) float32 {
	n, oy, ox := row/(p.OutH*p.OutW), row/p.OutW%p.OutH, row%p.OutW
	tap, c := column/p.InC, column%p.InC
	iy := oy*p.StrideH + tap/p.KW*p.DilationH - p.PadTop
	ix := ox*p.StrideW + tap%p.KW*p.DilationW - p.PadLeft
	if iy < 0 || iy >= p.H || ix < 0 || ix >= p.W {
		return 0
	}
	return x[((n*p.H+iy)*p.W+ix)*p.InC+c]
}

func TestPatchSpan(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, p := range patchGeometries {
		x := make([]float32, p.InputLen())
		for i := range x {
			x[i] = 1 + rng.Float32() // never 0, so that a missed copy shows
		}
		pixels, k := p.N*p.OutH*p.OutW, p.KH*p.KW*p.InC
		for _, span := range [][2]int{{0, k}, {1, k - 1}, {k / 3, k/3 + 1}, {k / 2, k}, {0, min(k, 5)}} {
			for _, rowSpan := range [][2]int{{0, pixels}, {pixels / 3, pixels/3 + 7}} {
				row0, rows := rowSpan[0], min(rowSpan[1], pixels)-rowSpan[0]
				p0, p1 := span[0], span[1]
				ld := p1 - p0 + 2
				dst := make([]float32, rows*ld)
				for i := range dst {
					dst[i] = float32(math.NaN())
				}
				patchSpan(&p, x, row0, rows, p0, p1, dst, ld)
				for r := range rows {
					for q := p0; q < p1; q++ {
						if got, want := dst[r*ld+q-p0], patchElement(&p, x, row0+r, q); got != want {
							t.Fatalf("%+v rows %d+%d columns [%d, %d): [%d, %d] = %v, want %v", p, row0, rows, p0, p1, row0+r, q, got, want)
						}
					}
					for q := p1 - p0; q < ld; q++ {
						if !math.IsNaN(float64(dst[r*ld+q])) {
							t.Fatalf("%+v: wrote past the span", p)
						}
					}
				}
			}
		}
	}
}
