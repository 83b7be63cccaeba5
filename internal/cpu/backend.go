package cpu

import (
	"github.com/org/gotl/internal/cpu/gemm"
	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/internal/ref"
)

func init() {
	device.Register("cpu", func() (device.Backend, error) { return Backend{}, nil })
}

// Backend is the float32 CPU backend. Its zero value is ready to use.
type Backend struct{}

var _ device.Backend = Backend{}

// buffer is a Backend buffer: a flat float32 array in host memory.
type buffer struct {
	data []float32
}

func (b *buffer) Len() int { return len(b.data) }

// Slice returns the float32 array behind a Backend buffer (not a copy), or nil for a nil
// buffer. It panics if b belongs to another backend.
func Slice(b device.Buffer) []float32 {
	if b == nil {
		return nil
	}
	return b.(*buffer).data
}

// part is s[lo:hi], or nil for a nil s (an optional argument left out).
func part(s []float32, lo, hi int) []float32 {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

// elementChunk is the chunk of the element-wise operations: 64 KiB of float32, a few
// microseconds of the cheapest operation and tens of the transcendental ones.
const elementChunk = 1 << 14

func (Backend) Name() string { return "cpu" }

func (Backend) Alloc(n int) device.Buffer { return &buffer{data: make([]float32, n)} }

func (Backend) Upload(dst device.Buffer, src []float32) { copy(Slice(dst)[:len(src)], src) }

func (Backend) Download(dst []float32, src device.Buffer) { copy(dst, Slice(src)[:len(dst)]) }

func (Backend) Upload64(dst device.Buffer, src []float64) {
	d := Slice(dst)[:len(src)]
	for i, v := range src {
		d[i] = float32(v)
	}
}

func (Backend) Download64(dst []float64, src device.Buffer) {
	for i, v := range Slice(src)[:len(dst)] {
		dst[i] = float64(v)
	}
}

func (Backend) Copy(dst device.Buffer, dstOff int, src device.Buffer, srcOff int, n int) {
	copy(Slice(dst)[dstOff:dstOff+n], Slice(src)[srcOff:srcOff+n])
}

func (Backend) Fill(dst device.Buffer, n int, v float64) {
	d := Slice(dst)[:n]
	for i := range d {
		d[i] = float32(v)
	}
}

func (Backend) Gemm(transA, transB bool, m, n, k int, alpha float64, a device.Buffer, lda int, b device.Buffer, ldb int, beta float64, c device.Buffer, ldc int) {
	gemm.Sgemm(transA, transB, m, n, k, float32(alpha), Slice(a), lda, Slice(b), ldb, float32(beta), Slice(c), ldc)
}

func (Backend) BiasAdd(y, bias device.Buffer, rows, cols int) {
	ys, biases := Slice(y), Slice(bias)
	forEachChunk(rows, grain(cols), func(lo, hi int) {
		ref.BiasAdd(ys[lo*cols:hi*cols], biases, hi-lo, cols)
	})
}

func (Backend) BiasGrad(db, dy device.Buffer, rows, cols int) {
	dbs, dys := Slice(db), Slice(dy)
	forEachChunk(cols, columnChunk(rows), func(lo, hi int) {
		ref.BiasGrad(dbs, dys, rows, cols, lo, hi)
	})
}

// columnChunk is the chunk of a reduction over rows split by columns: whole 64-byte cache
// lines of float32, and enough rows·columns to be worth a goroutine.
func columnChunk(rows int) int {
	return (grain(rows) + 15) / 16 * 16
}

func (Backend) Conv2D(p *device.Conv2DParams, x, w, y device.Buffer) {
	conv2D(p, Slice(x), Slice(w), Slice(y))
}

func (Backend) Conv2DBackwardData(p *device.Conv2DParams, dy, w, dx device.Buffer) {
	conv2DBackwardData(p, Slice(dy), Slice(w), Slice(dx))
}

func (Backend) Conv2DBackwardFilter(p *device.Conv2DParams, x, dy, dw device.Buffer) {
	conv2DBackwardFilter(p, Slice(x), Slice(dy), Slice(dw))
}

// Pooling runs ref's kernels on chunks of whole images.

func (Backend) Pool2D(p *device.Pool2DParams, x, y device.Buffer) {
	xs, ys := Slice(x), Slice(y)
	inLen, outLen := p.H*p.W*p.C, p.OutH*p.OutW*p.C
	forEachChunk(p.N, grain(outLen*p.KH*p.KW), func(lo, hi int) {
		chunk := *p
		chunk.N = hi - lo
		ref.Pool2D(&chunk, xs[lo*inLen:hi*inLen], ys[lo*outLen:hi*outLen])
	})
}

func (Backend) Pool2DBackward(p *device.Pool2DParams, x, y, dy, dx device.Buffer) {
	xs, ys, dys, dxs := Slice(x), Slice(y), Slice(dy), Slice(dx)
	inLen, outLen := p.H*p.W*p.C, p.OutH*p.OutW*p.C
	forEachChunk(p.N, grain(outLen*p.KH*p.KW), func(lo, hi int) {
		chunk := *p
		chunk.N = hi - lo
		ref.Pool2DBackward(&chunk, xs[lo*inLen:hi*inLen], ys[lo*outLen:hi*outLen], dys[lo*outLen:hi*outLen], dxs[lo*inLen:hi*inLen])
	})
}

// Batch normalization splits its per-channel reductions by channels and its element-wise
// parts by rows.

func (Backend) BatchNormInference(p *device.BatchNormParams, x, gamma, beta, mean, variance, y device.Buffer) {
	xs, ys := Slice(x), Slice(y)
	gammas, betas, means, variances := Slice(gamma), Slice(beta), Slice(mean), Slice(variance)
	forEachChunk(p.Rows, grain(p.C), func(lo, hi int) {
		chunk := *p
		chunk.Rows = hi - lo
		ref.BatchNormInference(&chunk, xs[lo*p.C:hi*p.C], gammas, betas, means, variances, ys[lo*p.C:hi*p.C])
	})
}

func (Backend) BatchNormTraining(p *device.BatchNormParams, x, gamma, beta, y, saveMean, saveInvStd, movingMean, movingVar device.Buffer) {
	xs, ys := Slice(x), Slice(y)
	means, invStds := Slice(saveMean), Slice(saveInvStd)
	movingMeans, movingVars := Slice(movingMean), Slice(movingVar)
	forEachChunk(p.C, columnChunk(p.Rows), func(lo, hi int) {
		ref.BatchNormStatistics(p, lo, hi, xs, means, invStds, movingMeans, movingVars)
	})
	gammas, betas := Slice(gamma), Slice(beta)
	forEachChunk(p.Rows, grain(p.C), func(lo, hi int) {
		ref.BatchNormNormalize(hi-lo, p.C, xs[lo*p.C:hi*p.C], gammas, betas, means, invStds, ys[lo*p.C:hi*p.C])
	})
}

func (Backend) BatchNormBackward(p *device.BatchNormParams, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta device.Buffer) {
	xs, dys, dxs := Slice(x), Slice(dy), Slice(dx)
	means, invStds := Slice(saveMean), Slice(saveInvStd)
	sumDy, sumDyNormalized := make([]float64, p.C), make([]float64, p.C)
	dgammas, dbetas := Slice(dgamma), Slice(dbeta)
	forEachChunk(p.C, columnChunk(p.Rows), func(lo, hi int) {
		ref.BatchNormBackwardSums(p, lo, hi, xs, dys, means, invStds, sumDy, sumDyNormalized, dgammas, dbetas)
	})
	gammas := Slice(gamma)
	forEachChunk(p.Rows, grain(p.C), func(lo, hi int) {
		ref.BatchNormBackwardData(hi-lo, p.C, p.Rows, xs[lo*p.C:hi*p.C], dys[lo*p.C:hi*p.C], gammas, means, invStds, sumDy, sumDyNormalized, dxs[lo*p.C:hi*p.C])
	})
}

func (Backend) Activation(op device.ActivationOp, n int, x, y device.Buffer) {
	xs, ys := Slice(x), Slice(y)
	forEachChunk(n, elementChunk, func(lo, hi int) {
		ref.Activation(op, hi-lo, xs[lo:hi], ys[lo:hi])
	})
}

func (Backend) ActivationBackward(op device.ActivationOp, n int, x, y, dy, dx device.Buffer) {
	xs, ys, dys, dxs := Slice(x), Slice(y), Slice(dy), Slice(dx)
	forEachChunk(n, elementChunk, func(lo, hi int) {
		ref.ActivationBackward(op, hi-lo, xs[lo:hi], ys[lo:hi], dys[lo:hi], dxs[lo:hi])
	})
}

func (Backend) Softmax(rows, cols int, x, y device.Buffer) {
	xs, ys := Slice(x), Slice(y)
	forEachChunk(rows, grain(cols), func(lo, hi int) {
		ref.Softmax(hi-lo, cols, xs[lo*cols:hi*cols], ys[lo*cols:hi*cols])
	})
}

func (Backend) SoftmaxBackward(rows, cols int, y, dy, dx device.Buffer) {
	ys, dys, dxs := Slice(y), Slice(dy), Slice(dx)
	forEachChunk(rows, grain(cols), func(lo, hi int) {
		ref.SoftmaxBackward(hi-lo, cols, ys[lo*cols:hi*cols], dys[lo*cols:hi*cols], dxs[lo*cols:hi*cols])
	})
}

func (Backend) Axpby(n int, alpha float64, x device.Buffer, beta float64, y device.Buffer) {
	xs, ys := Slice(x), Slice(y)
	forEachChunk(n, elementChunk, func(lo, hi int) {
		ref.Axpby(hi-lo, float32(alpha), xs[lo:hi], float32(beta), ys[lo:hi])
	})
}

func (Backend) Mul(n int, x, y, z device.Buffer) {
	xs, ys, zs := Slice(x), Slice(y), Slice(z)
	forEachChunk(n, elementChunk, func(lo, hi int) {
		ref.Mul(hi-lo, xs[lo:hi], ys[lo:hi], zs[lo:hi])
	})
}

func (Backend) Clamp(n int, x device.Buffer, lo, hi float64) {
	xs := Slice(x)
	forEachChunk(n, elementChunk, func(first, last int) {
		ref.Clamp(last-first, xs[first:last], float32(lo), float32(hi))
	})
}

// SumSquares sums fixed blocks of elementChunk values in parallel and then the block sums
// in block order, so the result does not depend on the number of goroutines.
func (Backend) SumSquares(n int, x device.Buffer) float64 {
	xs := Slice(x)
	blockSums := make([]float64, (n+elementChunk-1)/elementChunk)
	forEachChunk(n, elementChunk, func(lo, hi int) {
		blockSums[lo/elementChunk] = ref.SumSquares(hi-lo, xs[lo:hi])
	})
	var sum float64
	for _, s := range blockSums {
		sum += s
	}
	return sum
}

func (Backend) Pad2D(p *device.Pad2DParams, x, y device.Buffer) {
	xs, ys := Slice(x), Slice(y)
	inLen, outLen := p.H*p.W*p.C, p.OutH()*p.OutW()*p.C
	forEachChunk(p.N, grain(outLen), func(lo, hi int) {
		chunk := *p
		chunk.N = hi - lo
		ref.Pad2D(&chunk, xs[lo*inLen:hi*inLen], ys[lo*outLen:hi*outLen])
	})
}

func (Backend) Crop2D(p *device.Pad2DParams, dy, dx device.Buffer) {
	dys, dxs := Slice(dy), Slice(dx)
	inLen, outLen := p.H*p.W*p.C, p.OutH()*p.OutW()*p.C
	forEachChunk(p.N, grain(inLen), func(lo, hi int) {
		chunk := *p
		chunk.N = hi - lo
		ref.Crop2D(&chunk, dys[lo*outLen:hi*outLen], dxs[lo*inLen:hi*inLen])
	})
}

// Concat and Split are memory copies on one goroutine: more would share the same memory
// bandwidth.

func (Backend) Concat(outer int, widths []int, xs []device.Buffer, y device.Buffer) {
	ref.Concat(outer, widths, slices(xs), Slice(y))
}

func (Backend) Split(outer int, widths []int, dy device.Buffer, dxs []device.Buffer) {
	ref.Split(outer, widths, Slice(dy), slices(dxs))
}

// slices returns the arrays behind bs, with nil for nil buffers.
func slices(bs []device.Buffer) [][]float32 {
	arrays := make([][]float32, len(bs))
	for i, b := range bs {
		arrays[i] = Slice(b)
	}
	return arrays
}

func (Backend) SGD(p *device.SGDParams, n int, param, grad, velocity device.Buffer) {
	params, grads, velocities := Slice(param), Slice(grad), Slice(velocity)
	forEachChunk(n, elementChunk, func(lo, hi int) {
		ref.SGD(p, hi-lo, params[lo:hi], grads[lo:hi], part(velocities, lo, hi))
	})
}

func (Backend) Adam(p *device.AdamParams, n int, param, grad, m, v, vhat device.Buffer) {
	params, grads, ms, vs, vhats := Slice(param), Slice(grad), Slice(m), Slice(v), Slice(vhat)
	forEachChunk(n, elementChunk, func(lo, hi int) {
		ref.Adam(p, hi-lo, params[lo:hi], grads[lo:hi], ms[lo:hi], vs[lo:hi], part(vhats, lo, hi))
	})
}

func (Backend) RMSprop(p *device.RMSpropParams, n int, param, grad, ms, mom, mg device.Buffer) {
	params, grads, squares, momenta, means := Slice(param), Slice(grad), Slice(ms), Slice(mom), Slice(mg)
	forEachChunk(n, elementChunk, func(lo, hi int) {
		ref.RMSprop(p, hi-lo, params[lo:hi], grads[lo:hi], squares[lo:hi], part(momenta, lo, hi), part(means, lo, hi))
	})
}
