package ref

import "github.com/org/gotl/internal/device"

// Pad2D writes y = x surrounded by Top, Bottom, Left and Right rows and columns of zeros.
// x (N, H, W, C), y (N, H+Top+Bottom, W+Left+Right, C).
func Pad2D[T Float](p *device.Pad2DParams, x, y []T) {
	outH, outW := p.OutH(), p.OutW()
	for n := range p.N {
		for oy := range outH {
			yRow := y[(n*outH+oy)*outW*p.C:][:outW*p.C]
			iy := oy - p.Top
			if iy < 0 || iy >= p.H {
				clear(yRow)
				continue
			}
			interior := yRow[p.Left*p.C : (p.Left+p.W)*p.C]
			clear(yRow[:p.Left*p.C])
			copy(interior, x[(n*p.H+iy)*p.W*p.C:][:p.W*p.C])
			clear(yRow[(p.Left+p.W)*p.C:])
		}
	}
}

// Crop2D is Pad2D's adjoint: it writes dx = the interior of dy,
// dx[n,h,w,c] = dy[n, h+Top, w+Left, c]. dy (N, H+Top+Bottom, W+Left+Right, C),
// dx (N, H, W, C).
func Crop2D[T Float](p *device.Pad2DParams, dy, dx []T) {
	outH, outW := p.OutH(), p.OutW()
	for n := range p.N {
		for iy := range p.H {
			interior := dy[((n*outH+iy+p.Top)*outW+p.Left)*p.C:][:p.W*p.C]
			copy(dx[(n*p.H+iy)*p.W*p.C:][:p.W*p.C], interior)
		}
	}
}

// Concat writes y = the concatenation of xs along their last axis: with xs[i] viewed as
// (outer, widths[i]) and y as (outer, Σ widths), row r of y is rows r of xs[0], xs[1], …
// joined in order.
func Concat[T Float](outer int, widths []int, xs [][]T, y []T) {
	total := sum(widths)
	for r := range outer {
		offset := r * total
		for i, width := range widths {
			copy(y[offset:offset+width], xs[i][r*width:(r+1)*width])
			offset += width
		}
	}
}

// Split is Concat's adjoint: it writes each dxs[i] (outer, widths[i]) from the matching
// columns of dy (outer, Σ widths). A nil dxs[i] is skipped.
func Split[T Float](outer int, widths []int, dy []T, dxs [][]T) {
	total := sum(widths)
	for r := range outer {
		offset := r * total
		for i, width := range widths {
			if dxs[i] != nil {
				copy(dxs[i][r*width:(r+1)*width], dy[offset:offset+width])
			}
			offset += width
		}
	}
}

func sum(values []int) int {
	total := 0
	for _, v := range values {
		total += v
	}
	return total
}
