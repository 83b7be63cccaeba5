package ref

import "github.com/org/gotl/internal/device"

// Pool2D computes max or average pooling over the window of each output cell:
//
//	window(oy, ox) = {(oy·StrideH + ky − PadTop, ox·StrideW + kx − PadLeft) : ky < KH, kx < KW}
//
// restricted to the cells inside the input. Max pooling takes the largest of them (padding
// never wins, as if it were −∞); average pooling divides their sum by their count (padding
// is not counted). A window with no cell inside the input gives 0.
// x (N, H, W, C), y (N, OutH, OutW, C).
func Pool2D[T Float](p *device.Pool2DParams, x, y []T) {
	for n := range p.N {
		for oy := range p.OutH {
			for ox := range p.OutW {
				for c := range p.C {
					var result T
					if p.Mode == device.MaxPool {
						if cell, ok := windowArgMax(p, x, n, oy, ox, c); ok {
							result = x[cell]
						}
					} else {
						var sum T
						count := 0
						forEachWindowCell(p, n, oy, ox, c, func(cell int) {
							sum += x[cell]
							count++
						})
						if count > 0 {
							result = sum / T(count)
						}
					}
					y[((n*p.OutH+oy)*p.OutW+ox)*p.C+c] = result
				}
			}
		}
	}
}

// Pool2DBackward writes dx = ∂(Σ dy·y)/∂x for y = Pool2D(x). Max pooling sends each
// dy to the first maximal cell of its window in row-major order (the one Pool2D read);
// average pooling spreads dy/count over the window's cells inside the input.
// x, dx (N, H, W, C); y, dy (N, OutH, OutW, C). y is not needed: the maximal cell is found
// again from x.
func Pool2DBackward[T Float](p *device.Pool2DParams, x, y, dy, dx []T) {
	clear(dx[:p.InputLen()])
	for n := range p.N {
		for oy := range p.OutH {
			for ox := range p.OutW {
				for c := range p.C {
					g := dy[((n*p.OutH+oy)*p.OutW+ox)*p.C+c]
					if p.Mode == device.MaxPool {
						if cell, ok := windowArgMax(p, x, n, oy, ox, c); ok {
							dx[cell] += g
						}
						continue
					}
					count := 0
					forEachWindowCell(p, n, oy, ox, c, func(int) { count++ })
					forEachWindowCell(p, n, oy, ox, c, func(cell int) { dx[cell] += g / T(count) })
				}
			}
		}
	}
}

// windowArgMax returns the index in x of the first maximal cell of the window of output
// (n, oy, ox, c), in row-major window order, and false if the window holds no input cell.
func windowArgMax[T Float](p *device.Pool2DParams, x []T, n, oy, ox, c int) (argMax int, ok bool) {
	forEachWindowCell(p, n, oy, ox, c, func(cell int) {
		if !ok || x[cell] > x[argMax] {
			argMax, ok = cell, true
		}
	})
	return argMax, ok
}

// forEachWindowCell calls visit(index in x) for each cell of the window of output
// (n, oy, ox, c) that lies inside the input, in row-major window order.
func forEachWindowCell(p *device.Pool2DParams, n, oy, ox, c int, visit func(cell int)) {
	for ky := range p.KH {
		iy := oy*p.StrideH + ky - p.PadTop
		if iy < 0 || iy >= p.H {
			continue
		}
		for kx := range p.KW {
			ix := ox*p.StrideW + kx - p.PadLeft
			if ix < 0 || ix >= p.W {
				continue
			}
			visit(((n*p.H+iy)*p.W+ix)*p.C + c)
		}
	}
}
