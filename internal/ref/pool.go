package ref

import "github.com/org/gotl/internal/device"

// Pool2D computes max or average pooling over the window of each output cell:
//
//	window(oy, ox) = {(oy·StrideH + ky − PadTop, ox·StrideW + kx − PadLeft) : ky < KH, kx < KW}
//
// restricted to the cells inside the input. Max pooling takes the largest of them (padding
// never wins, as if it were −∞); average pooling divides their sum, taken in row-major
// window order, by their count (padding is not counted). A window with no cell inside the
// input gives 0. x (N, H, W, C), y (N, OutH, OutW, C).
func Pool2D[T Float](p *device.Pool2DParams, x, y []T) {
	for n := range p.N {
		for oy := range p.OutH {
			ky0, ky1 := WindowTaps(oy, p.StrideH, 1, p.PadTop, p.KH, p.H)
			for ox := range p.OutW {
				kx0, kx1 := WindowTaps(ox, p.StrideW, 1, p.PadLeft, p.KW, p.W)
				yRow := y[((n*p.OutH+oy)*p.OutW+ox)*p.C:][:p.C]
				// The window's cells are visited in row-major order with the channels
				// innermost, yRow holding each channel's maximum or sum so far.
				first := true
				for ky := ky0; ky < ky1; ky++ {
					for kx := kx0; kx < kx1; kx++ {
						xRow := x[((n*p.H+oy*p.StrideH+ky-p.PadTop)*p.W+ox*p.StrideW+kx-p.PadLeft)*p.C:][:p.C]
						switch {
						case first:
							copy(yRow, xRow)
							first = false
						case p.Mode == device.MaxPool:
							for c, v := range xRow {
								if v > yRow[c] {
									yRow[c] = v
								}
							}
						default:
							for c, v := range xRow {
								yRow[c] += v
							}
						}
					}
				}
				count := (ky1 - ky0) * (kx1 - kx0)
				if count == 0 {
					clear(yRow)
				} else if p.Mode == device.AvgPool {
					for c := range yRow {
						yRow[c] /= T(count)
					}
				}
			}
		}
	}
}

// Pool2DBackward writes dx = ∂(Σ dy·y)/∂x for y = Pool2D(x). Max pooling sends each
// dy to the first maximal cell of its window in row-major order (the one Pool2D kept);
// average pooling spreads dy/count over the window's cells inside the input.
// x, dx (N, H, W, C); y, dy (N, OutH, OutW, C). y is not needed: the maximal cell is found
// again from x.
func Pool2DBackward[T Float](p *device.Pool2DParams, x, y, dy, dx []T) {
	clear(dx[:p.InputLen()])
	for n := range p.N {
		for oy := range p.OutH {
			ky0, ky1 := WindowTaps(oy, p.StrideH, 1, p.PadTop, p.KH, p.H)
			for ox := range p.OutW {
				kx0, kx1 := WindowTaps(ox, p.StrideW, 1, p.PadLeft, p.KW, p.W)
				count := (ky1 - ky0) * (kx1 - kx0)
				if count == 0 {
					continue
				}
				dyRow := dy[((n*p.OutH+oy)*p.OutW+ox)*p.C:][:p.C]
				// cell is the index in x and dx of channel 0 of window cell (ky, kx).
				cell := func(ky, kx int) int {
					return ((n*p.H+oy*p.StrideH+ky-p.PadTop)*p.W + ox*p.StrideW + kx - p.PadLeft) * p.C
				}
				if p.Mode == device.AvgPool {
					for ky := ky0; ky < ky1; ky++ {
						for kx := kx0; kx < kx1; kx++ {
							dxRow := dx[cell(ky, kx):][:p.C]
							for c, g := range dyRow {
								dxRow[c] += g / T(count)
							}
						}
					}
					continue
				}
				for c, g := range dyRow {
					argMax := cell(ky0, kx0) + c
					for ky := ky0; ky < ky1; ky++ {
						for kx := kx0; kx < kx1; kx++ {
							if i := cell(ky, kx) + c; x[i] > x[argMax] {
								argMax = i
							}
						}
					}
					dx[argMax] += g
				}
			}
		}
	}
}
