package cpu

import (
	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/internal/ref"
)

// patchSpan writes columns [p0, p1) of rows [row0, row0+rows) of the patch matrix of the
// convolution p (see conv.go) into dst, row r at dst[r*ld:], zeros where a tap falls on the
// padding. Column q of a row is channel q mod InC of tap q div InC, taps in (ky, kx)
// row-major order, so that a kernel row's taps inside the input are one run of the input
// row when the dilation is 1: a span copies runs, clipped to [p0, p1).
func patchSpan(p *device.Conv2DParams, x []float32, row0, rows, p0, p1 int, dst []float32, ld int) {
	kernelRow := p.KW * p.InC
	forEachPatchRow(p, row0, rows, func(r, n, oy, ox, ky0, ky1, kx0, kx1 int) {
		out := dst[r*ld : r*ld+p1-p0]
		ix0 := ox*p.StrideW - p.PadLeft // input column of tap 0
		for ky := p0 / kernelRow; ky*kernelRow < p1; ky++ {
			// The span's part of kernel row ky: columns [lo, hi) of the patch row.
			lo, hi := max(p0, ky*kernelRow), min(p1, (ky+1)*kernelRow)
			if ky < ky0 || ky >= ky1 {
				clear(out[lo-p0 : hi-p0])
				continue
			}
			iy := oy*p.StrideH + ky*p.DilationH - p.PadTop
			inputRow := x[(n*p.H+iy)*p.W*p.InC:][:p.W*p.InC]
			// Columns [in0, in1) of the kernel row read the input; the rest is padding.
			in0, in1 := ky*kernelRow+kx0*p.InC, ky*kernelRow+kx1*p.InC
			if kx0 >= kx1 {
				in0, in1 = hi, hi
			}
			clear(out[lo-p0 : max(lo, min(in0, hi))-p0])
			clear(out[max(lo, min(in1, hi))-p0 : hi-p0])
			lo, hi = max(lo, in0), min(hi, in1)
			if lo >= hi {
				continue
			}
			if p.DilationW == 1 {
				start := (ix0+kx0)*p.InC + lo - in0
				copyRun(out[lo-p0:hi-p0], inputRow[start:start+hi-lo])
				continue
			}
			for q := lo; q < hi; {
				tap, c := (q-ky*kernelRow)/p.InC, (q-ky*kernelRow)%p.InC
				run := min(p.InC-c, hi-q)
				start := (ix0+tap*p.DilationW)*p.InC + c
				copyRun(out[q-p0:q-p0+run], inputRow[start:start+run])
				q += run
			}
		}
	})
}

// copyRun copies src into dst (of equal length): a loop for the short runs of inputs with
// few channels, which a call to the runtime's memmove would cost more than.
func copyRun(dst, src []float32) {
	if len(src) > 16 {
		copy(dst, src)
		return
	}
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = v
	}
}

// forEachPatchRow calls visit for each row r in [0, rows) of a run of patch-matrix rows
// starting at row0, with its output pixel (n, oy, ox) and the taps [ky0, ky1) × [kx0, kx1)
// of its window that fall inside the input. The pixel is stepped, not divided out, and
// the vertical taps are found once per output row.
func forEachPatchRow(p *device.Conv2DParams, row0, rows int, visit func(r, n, oy, ox, ky0, ky1, kx0, kx1 int)) {
	for r := 0; r < rows; {
		pixel := row0 + r
		n, oy, ox0 := pixel/(p.OutH*p.OutW), pixel/p.OutW%p.OutH, pixel%p.OutW
		ox1 := min(p.OutW, ox0+rows-r)
		ky0, ky1 := ref.WindowTaps(oy, p.StrideH, p.DilationH, p.PadTop, p.KH, p.H)
		for ox := ox0; ox < ox1; ox++ {
			kx0, kx1 := ref.WindowTaps(ox, p.StrideW, p.DilationW, p.PadLeft, p.KW, p.W)
			visit(r+ox-ox0, n, oy, ox, ky0, ky1, kx0, kx1)
		}
		r += ox1 - ox0
	}
}
