package ref

import (
	"math"

	"github.com/org/gotl/internal/device"
)

// Conv2D computes the cross-correlation y = conv(x, w) with zero padding and no bias:
//
//	y[n,oy,ox,co] = Σ_{ky,kx,ci} x[n, oy·StrideH + ky·DilationH − PadTop,
//	                                 ox·StrideW + kx·DilationW − PadLeft, ci] · w[ky,kx,ci,co]
//
// where x is zero outside its (H, W) extent. x (N, H, W, InC), w (KH, KW, InC, OutC),
// y (N, OutH, OutW, OutC).
func Conv2D[T Float](p *device.Conv2DParams, x, w, y []T) {
	for n := range p.N {
		for oy := range p.OutH {
			for ox := range p.OutW {
				yRow := y[((n*p.OutH+oy)*p.OutW+ox)*p.OutC:][:p.OutC]
				clear(yRow)
				forEachTap(p, oy, ox, func(ky, kx, iy, ix int) {
					xRow := x[((n*p.H+iy)*p.W+ix)*p.InC:][:p.InC]
					for ci, xv := range xRow {
						wRow := w[((ky*p.KW+kx)*p.InC+ci)*p.OutC:][:p.OutC]
						for co, wv := range wRow {
							yRow[co] += xv * wv
						}
					}
				})
			}
		}
	}
}

// Conv2DBackwardData writes dx = ∂(Σ dy·y)/∂x for y = Conv2D(x, w):
//
//	dx[n,iy,ix,ci] = Σ over the taps (oy,ox,ky,kx) that read x[n,iy,ix,·] of Σ_co dy[n,oy,ox,co]·w[ky,kx,ci,co]
//
// dy (N, OutH, OutW, OutC), w (KH, KW, InC, OutC), dx (N, H, W, InC).
func Conv2DBackwardData[T Float](p *device.Conv2DParams, dy, w, dx []T) {
	clear(dx[:p.InputLen()])
	for n := range p.N {
		for oy := range p.OutH {
			for ox := range p.OutW {
				dyRow := dy[((n*p.OutH+oy)*p.OutW+ox)*p.OutC:][:p.OutC]
				forEachTap(p, oy, ox, func(ky, kx, iy, ix int) {
					dxRow := dx[((n*p.H+iy)*p.W+ix)*p.InC:][:p.InC]
					for ci := range dxRow {
						wRow := w[((ky*p.KW+kx)*p.InC+ci)*p.OutC:][:p.OutC]
						var sum T
						for co, g := range dyRow {
							sum += g * wRow[co]
						}
						dxRow[ci] += sum
					}
				})
			}
		}
	}
}

// Conv2DBackwardFilter writes dw = ∂(Σ dy·y)/∂w for y = Conv2D(x, w):
//
//	dw[ky,kx,ci,co] = Σ_{n,oy,ox} x[n, oy·StrideH + ky·DilationH − PadTop, ox·StrideW + kx·DilationW − PadLeft, ci]·dy[n,oy,ox,co]
//
// x (N, H, W, InC), dy (N, OutH, OutW, OutC), dw (KH, KW, InC, OutC).
func Conv2DBackwardFilter[T Float](p *device.Conv2DParams, x, dy, dw []T) {
	clear(dw[:p.KernelLen()])
	for n := range p.N {
		for oy := range p.OutH {
			for ox := range p.OutW {
				dyRow := dy[((n*p.OutH+oy)*p.OutW+ox)*p.OutC:][:p.OutC]
				forEachTap(p, oy, ox, func(ky, kx, iy, ix int) {
					xRow := x[((n*p.H+iy)*p.W+ix)*p.InC:][:p.InC]
					for ci, xv := range xRow {
						dwRow := dw[((ky*p.KW+kx)*p.InC+ci)*p.OutC:][:p.OutC]
						for co, g := range dyRow {
							dwRow[co] += xv * g
						}
					}
				})
			}
		}
	}
}

// forEachTap calls tap(ky, kx, iy, ix) for every kernel tap of output pixel (oy, ox)
// that falls inside the input, in row-major (ky, kx) order; taps on the zero padding
// contribute nothing and are skipped.
func forEachTap(p *device.Conv2DParams, oy, ox int, tap func(ky, kx, iy, ix int)) {
	ky0, ky1 := WindowTaps(oy, p.StrideH, p.DilationH, p.PadTop, p.KH, p.H)
	kx0, kx1 := WindowTaps(ox, p.StrideW, p.DilationW, p.PadLeft, p.KW, p.W)
	for ky := ky0; ky < ky1; ky++ {
		for kx := kx0; kx < kx1; kx++ {
			tap(ky, kx, oy*p.StrideH+ky*p.DilationH-p.PadTop, ox*p.StrideW+kx*p.DilationW-p.PadLeft)
		}
	}
}

// WindowTaps returns the taps [k0, k1) of a window of k taps, dilated by dilation and
// placed at output position o with the given stride and leading padding, that fall inside
// an input of the given size: the taps t < k with 0 ≤ o·stride + t·dilation − pad < size.
// The range is empty (k0 = k1) when the window misses the input.
func WindowTaps(o, stride, dilation, pad, k, size int) (k0, k1 int) {
	start := o*stride - pad // input position of tap 0
	if start < 0 {
		k0 = min(k, (-start+dilation-1)/dilation)
	}
	if size > start {
		k1 = min(k, (size-start+dilation-1)/dilation)
	}
	return k0, max(k0, k1)
}

// FusedConv2D computes z = Conv2D(x, w) and then, per output channel co,
//
//	y = act(gamma[co]·(z + bias[co] − mean[co])/sqrt(variance[co] + ε) + beta[co] + residual)
//
// in the order written, in T. bias, beta and residual may be nil (0), gamma nil (1); mean
// and variance nil leave the normalization out. residual and y (N, OutH, OutW, OutC).
func FusedConv2D[T Float](p *device.FusedConv2DParams, x, w, bias, gamma, beta, mean, variance, residual, y []T) {
	c := &p.Conv
	Conv2D(c, x, w, y)
	y = y[:c.OutputLen()]
	for i := range y {
		co := i % c.OutC
		v := float64(y[i])
		if bias != nil {
			v += float64(bias[co])
		}
		if mean != nil {
			v = scaleOf(gamma, co)*(v-float64(mean[co]))/math.Sqrt(float64(variance[co])+p.Epsilon) + shiftOf(beta, co)
		}
		if residual != nil {
			v += float64(residual[i])
		}
		y[i] = T(v)
	}
	Activation(p.Activation, len(y), y, y)
}
