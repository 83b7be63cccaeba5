package cpu

import (
	"math"

	"github.com/org/gotl/internal/cpu/gemm"
	"github.com/org/gotl/internal/cpu/vec"
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
	// version counts the operations that wrote into the buffer, so that forms derived from
	// it can tell when to be made again.
	version uint64
	// forms are the packed forms of a convolution kernel (conv.go), and folded the last
	// kernel FusedConv2D folded from this one; nil until first used.
	forms  *kernelForms
	folded *foldedKernel
}

// modified records a write into b (unless nil) through the backend. Every method calls it
// for each buffer it writes, which is what keeps derived forms such as folded kernels
// current: the backend's buffers are written by its methods only.
func modified(b device.Buffer) {
	if b != nil {
		b.(*buffer).version++
	}
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

func (Backend) Upload(dst device.Buffer, src []float32) {
	copy(Slice(dst)[:len(src)], src)
	modified(dst)
}

func (Backend) Download(dst []float32, src device.Buffer) { copy(dst, Slice(src)[:len(dst)]) }

func (Backend) Upload64(dst device.Buffer, src []float64) {
	d := Slice(dst)[:len(src)]
	for i, v := range src {
		d[i] = float32(v)
	}
	modified(dst)
}

func (Backend) Download64(dst []float64, src device.Buffer) {
	for i, v := range Slice(src)[:len(dst)] {
		dst[i] = float64(v)
	}
}

func (Backend) Copy(dst device.Buffer, dstOff int, src device.Buffer, srcOff int, n int) {
	copy(Slice(dst)[dstOff:dstOff+n], Slice(src)[srcOff:srcOff+n])
	modified(dst)
}

func (Backend) Fill(dst device.Buffer, n int, v float64) {
	d := Slice(dst)[:n]
	for i := range d {
		d[i] = float32(v)
	}
	modified(dst)
}

// Gemm multiplies through a packed copy of op(B) kept with b once b has been multiplied
// twice, the same way, without being written in between (a Dense layer's kernel in
// inference): gemm.MultiplyPacked then computes the bits Sgemm would.
func (Backend) Gemm(transA, transB bool, m, n, k int, alpha float64, a device.Buffer, lda int, b device.Buffer, ldb int, beta float64, c device.Buffer, ldc int) {
	defer modified(c)
	if alpha == 1 && beta == 0 && m*n*k >= packedGemmWork {
		if packed := b.(*buffer).packedOperand(transB, k, n, ldb); packed != nil {
			job := getConvJob()
			defer putConvJob(job)
			job.matrix = gemm.Matrix{Trans: transA, A: Slice(a), LDA: lda}
			gemm.MultiplyPacked(m, &job.matrix, packed, Slice(c), ldc, nil)
			return
		}
	}
	gemm.Sgemm(transA, transB, m, n, k, float32(alpha), Slice(a), lda, Slice(b), ldb, float32(beta), Slice(c), ldc)
}

// packedGemmWork is the least m·n·k for which Gemm keeps op(B) packed: Sgemm computes
// smaller products with plain dot products, whose bits packing would change.
const packedGemmWork = 1 << 12

// operandKey is how a buffer was last multiplied as op(B) of Gemm.
type operandKey struct {
	trans   bool
	k, n    int
	ld      int
	version uint64
}

// packedOperand returns op(b) packed when b was multiplied the same way at this version
// before, and nil the first time (remembering it).
func (b *buffer) packedOperand(trans bool, k, n, ld int) *gemm.PackedB {
	f := b.kernelForms()
	key := operandKey{trans: trans, k: k, n: n, ld: ld, version: b.version}
	switch {
	case f.operand.made && f.operandKey == key:
		return &f.operand.b
	case f.operandKey == key:
		f.operand.made = true
		f.operand.b.Pack(trans, k, n, b.data, ld)
		return &f.operand.b
	}
	f.operand.made, f.operandKey = false, key
	return nil
}

// Operations on the rows of (rows × cols) matrices run on chunks of whole rows; their
// arguments are gathered in a struct per kind of operation, as forEachChunk needs.

// biasArgs: y = x + bias per row, then ReLU when relu is set.
type biasArgs struct {
	cols       int
	x, bias, y []float32
	relu       bool
}

func addBias(a *biasArgs, lo, hi int) {
	vec.AddBias(hi-lo, a.cols, a.cols, a.x[lo*a.cols:], a.bias, a.y[lo*a.cols:], a.relu)
}

func (Backend) BiasAdd(y, bias device.Buffer, rows, cols int) {
	ys := Slice(y)
	forEachChunk(rows, grain(cols), biasArgs{cols: cols, x: ys, bias: Slice(bias), y: ys}, addBias)
	modified(y)
}

// Reductions over the rows of (rows × cols) matrices run on blocks of columns, each
// column summed in float64 in an order fixed by the shape.

// columnsArgs: per-column sums over the rows of x (and dy), the centre mean where needed.
type columnsArgs struct {
	rows, cols   int
	x, dy        []float32
	mean         []float64
	sums, second []float64
}

func sumColumns(a *columnsArgs, lo, hi int) {
	vec.SumColumns(a.rows, hi-lo, a.cols, a.x[lo:], a.sums[lo:hi])
}

func squaredDeviations(a *columnsArgs, lo, hi int) {
	vec.SquaredDeviations(a.rows, hi-lo, a.cols, a.x[lo:], a.mean[lo:hi], a.second[lo:hi])
}

func sumProducts(a *columnsArgs, lo, hi int) {
	vec.SumProducts(a.rows, hi-lo, a.cols, a.x[lo:], a.dy[lo:], a.mean[lo:hi], a.sums[lo:hi], a.second[lo:hi])
}

// columnChunk is the chunk of a reduction over rows split by columns: whole 64-byte cache
// lines of float32 (and whole vectors of the assembly), and enough rows·columns to be
// worth a goroutine.
func columnChunk(rows int) int {
	return (grain(rows) + 15) / 16 * 16
}

func (Backend) BiasGrad(db, dy device.Buffer, rows, cols int) {
	sums := float64Scratch.get(cols)
	defer float64Scratch.put(sums)
	clear(*sums)
	forEachChunk(cols, columnChunk(rows), columnsArgs{rows: rows, cols: cols, x: Slice(dy), sums: *sums}, sumColumns)
	dbs := Slice(db)
	for j, s := range *sums {
		dbs[j] = float32(s)
	}
	modified(db)
}

func (Backend) Conv2D(p *device.Conv2DParams, x, w, y device.Buffer) {
	conv2D(p, Slice(x), forwardKernel(p, w.(*buffer)), Slice(y), nil)
	modified(y)
}

func (Backend) Conv2DBackwardData(p *device.Conv2DParams, dy, w, dx device.Buffer) {
	conv2DBackwardData(p, Slice(dy), w.(*buffer), Slice(dx))
	modified(dx)
}

func (Backend) Conv2DBackwardFilter(p *device.Conv2DParams, x, dy, dw device.Buffer) {
	conv2DBackwardFilter(p, Slice(x), Slice(dy), Slice(dw))
	modified(dw)
}

// Pooling runs on chunks of whole images.

type poolArgs struct {
	p            device.Pool2DParams
	x, y, dy, dx []float32
}

func (Backend) Pool2D(p *device.Pool2DParams, x, y device.Buffer) {
	forEachChunk(p.N, grain(p.OutH*p.OutW*p.C*p.KH*p.KW), poolArgs{p: *p, x: Slice(x), y: Slice(y)}, pool2D)
	modified(y)
}

func (Backend) Pool2DBackward(p *device.Pool2DParams, x, y, dy, dx device.Buffer) {
	forEachChunk(p.N, grain(p.OutH*p.OutW*p.C*p.KH*p.KW), poolArgs{p: *p, x: Slice(x), y: Slice(y), dy: Slice(dy), dx: Slice(dx)}, pool2DBackward)
	modified(dx)
}

// pool2D pools images [lo, hi). Max pooling keeps each channel's running maximum over the
// window's cells with vec.MaxInto, in ref.Pool2D's order, so the result is ref's; average
// pooling is ref's.
func pool2D(a *poolArgs, lo, hi int) {
	p := &a.p
	if p.Mode != device.MaxPool {
		inLen, outLen := p.H*p.W*p.C, p.OutH*p.OutW*p.C
		images := *p
		images.N = hi - lo
		ref.Pool2D(&images, a.x[lo*inLen:hi*inLen], a.y[lo*outLen:hi*outLen])
		return
	}
	for n := lo; n < hi; n++ {
		for oy := range p.OutH {
			ky0, ky1 := ref.WindowTaps(oy, p.StrideH, 1, p.PadTop, p.KH, p.H)
			for ox := range p.OutW {
				kx0, kx1 := ref.WindowTaps(ox, p.StrideW, 1, p.PadLeft, p.KW, p.W)
				yRow := a.y[((n*p.OutH+oy)*p.OutW+ox)*p.C:][:p.C]
				if ky0 == ky1 || kx0 == kx1 {
					clear(yRow)
					continue
				}
				for ky := ky0; ky < ky1; ky++ {
					// The input pixel of tap (ky, 0), which may lie left of the image.
					pixel := (n*p.H+oy*p.StrideH+ky-p.PadTop)*p.W + ox*p.StrideW - p.PadLeft
					for kx := kx0; kx < kx1; kx++ {
						xRow := a.x[(pixel+kx)*p.C:][:p.C]
						if ky == ky0 && kx == kx0 {
							copy(yRow, xRow)
						} else {
							vec.MaxInto(yRow, xRow)
						}
					}
				}
			}
		}
	}
}

// pool2DBackward writes dx for images [lo, hi). Max pooling routes each channel's
// gradient to the first cell of its window (in ref.Pool2DBackward's order) equal to the
// forward output y, the window's maximum, with vec.RouteMax; average pooling is ref's.
func pool2DBackward(a *poolArgs, lo, hi int) {
	p := &a.p
	inLen, outLen := p.H*p.W*p.C, p.OutH*p.OutW*p.C
	if p.Mode != device.MaxPool {
		images := *p
		images.N = hi - lo
		ref.Pool2DBackward(&images, a.x[lo*inLen:hi*inLen], a.y[lo*outLen:hi*outLen], a.dy[lo*outLen:hi*outLen], a.dx[lo*inLen:hi*inLen])
		return
	}
	clear(a.dx[lo*inLen : hi*inLen])
	scratch := float32Scratch.get(p.C)
	defer float32Scratch.put(scratch)
	pending := *scratch
	for n := lo; n < hi; n++ {
		for oy := range p.OutH {
			ky0, ky1 := ref.WindowTaps(oy, p.StrideH, 1, p.PadTop, p.KH, p.H)
			for ox := range p.OutW {
				kx0, kx1 := ref.WindowTaps(ox, p.StrideW, 1, p.PadLeft, p.KW, p.W)
				out := ((n*p.OutH+oy)*p.OutW + ox) * p.C
				yRow, dyRow := a.y[out:out+p.C], a.dy[out:out+p.C]
				for c := range pending {
					pending[c] = vec.PendingAll
				}
				for ky := ky0; ky < ky1; ky++ {
					pixel := (n*p.H+oy*p.StrideH+ky-p.PadTop)*p.W + ox*p.StrideW - p.PadLeft
					for kx := kx0; kx < kx1; kx++ {
						cell := (pixel + kx) * p.C
						vec.RouteMax(a.x[cell:cell+p.C], yRow, dyRow, a.dx[cell:cell+p.C], pending)
					}
				}
			}
		}
	}
}

// Batch normalization splits its per-channel reductions by channels and its element-wise
// parts by rows. The reductions sum in float64; the element-wise parts are affine maps per
// channel whose float32 coefficients are derived in float64.

// normalizeArgs: y = (x − mean)·scale + shift per row, then ReLU when relu is set.
type normalizeArgs struct {
	cols                     int
	x, mean, scale, shift, y []float32
	relu                     bool
}

func normalizeRows(a *normalizeArgs, lo, hi int) {
	vec.Normalize(hi-lo, a.cols, a.x[lo*a.cols:], a.mean, a.scale, a.shift, a.y[lo*a.cols:], a.relu)
}

// scaleOf is gamma[c], or 1 when gamma is nil; shiftOf is beta[c], or 0 when beta is nil.
func scaleOf(gamma []float32, c int) float64 {
	if gamma == nil {
		return 1
	}
	return float64(gamma[c])
}

func shiftOf(beta []float32, c int) float64 {
	if beta == nil {
		return 0
	}
	return float64(beta[c])
}

func (Backend) BatchNormInference(p *device.BatchNormParams, x, gamma, beta, mean, variance, y device.Buffer) {
	coefficients := float32Scratch.get(2 * p.C)
	defer float32Scratch.put(coefficients)
	scale, shift := (*coefficients)[:p.C], (*coefficients)[p.C:]
	gammas, betas, variances := Slice(gamma), Slice(beta), Slice(variance)
	for c := range p.C {
		scale[c] = float32(scaleOf(gammas, c) / math.Sqrt(float64(variances[c])+p.Epsilon))
		shift[c] = float32(shiftOf(betas, c))
	}
	forEachChunk(p.Rows, grain(p.C), normalizeArgs{cols: p.C, x: Slice(x), mean: Slice(mean), scale: scale, shift: shift, y: Slice(y)}, normalizeRows)
	modified(y)
}

func (Backend) BatchNormTraining(p *device.BatchNormParams, x, gamma, beta, y, saveMean, saveInvStd, movingMean, movingVar device.Buffer) {
	xs := Slice(x)
	sums := float64Scratch.get(2 * p.C)
	defer float64Scratch.put(sums)
	clear(*sums)
	means, squares := (*sums)[:p.C], (*sums)[p.C:]
	chunk := columnChunk(p.Rows)
	forEachChunk(p.C, chunk, columnsArgs{rows: p.Rows, cols: p.C, x: xs, sums: means}, sumColumns)
	for c := range means {
		means[c] /= float64(p.Rows)
	}
	forEachChunk(p.C, chunk, columnsArgs{rows: p.Rows, cols: p.C, x: xs, mean: means, second: squares}, squaredDeviations)

	saveMeans, invStds := Slice(saveMean), Slice(saveInvStd)
	coefficients := float32Scratch.get(2 * p.C)
	defer float32Scratch.put(coefficients)
	scale, shift := (*coefficients)[:p.C], (*coefficients)[p.C:]
	gammas, betas := Slice(gamma), Slice(beta)
	for c := range p.C {
		ref.BatchNormChannelStatistics(p, c, means[c], squares[c]/float64(p.Rows), saveMeans, invStds, Slice(movingMean), Slice(movingVar))
		scale[c] = float32(scaleOf(gammas, c) * float64(invStds[c]))
		shift[c] = float32(shiftOf(betas, c))
	}
	forEachChunk(p.Rows, grain(p.C), normalizeArgs{cols: p.C, x: xs, mean: saveMeans, scale: scale, shift: shift, y: Slice(y)}, normalizeRows)
	modified(y)
	modified(saveMean)
	modified(saveInvStd)
	modified(movingMean)
	modified(movingVar)
}

// normalizeBackwardArgs: dx = k1·dy + k2·(x − mean) + k3 per row, in float64.
type normalizeBackwardArgs struct {
	cols             int
	x, dy, dx        []float32
	mean, k1, k2, k3 []float64
}

func normalizeBackwardRows(a *normalizeBackwardArgs, lo, hi int) {
	r := lo * a.cols
	vec.NormalizeBackward(hi-lo, a.cols, a.x[r:], a.dy[r:], a.mean, a.k1, a.k2, a.k3, a.dx[r:])
}

// BatchNormBackward computes, per channel, Σdy and Σdy·(x − μ) in float64, then
//
//	dx = gamma·s·(dy − Σdy/R − x̂·Σdy·x̂/R) = k1·dy + k2·(x − μ) + k3
//
// in float64, with x̂ = (x − μ)·s, k1 = gamma·s, k2 = −gamma·s²·Σdy·x̂/R and
// k3 = −gamma·s·Σdy/R: the three terms nearly cancel when the batch is small.
func (Backend) BatchNormBackward(p *device.BatchNormParams, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta device.Buffer) {
	xs, dys, means, invStds := Slice(x), Slice(dy), Slice(saveMean), Slice(saveInvStd)
	work := float64Scratch.get(6 * p.C)
	defer float64Scratch.put(work)
	clear(*work)
	c := p.C
	mean64, sumDy, sumDyCentered := (*work)[:c], (*work)[c:2*c], (*work)[2*c:3*c]
	k1, k2, k3 := (*work)[3*c:4*c], (*work)[4*c:5*c], (*work)[5*c:]
	for j, m := range means[:c] {
		mean64[j] = float64(m)
	}
	forEachChunk(c, columnChunk(p.Rows), columnsArgs{rows: p.Rows, cols: c, x: xs, dy: dys, mean: mean64, sums: sumDy, second: sumDyCentered}, sumProducts)

	gammas, dgammas, dbetas := Slice(gamma), Slice(dgamma), Slice(dbeta)
	rows := float64(p.Rows)
	for j := range c {
		s := float64(invStds[j])
		sumDyNormalized := sumDyCentered[j] * s
		if dbetas != nil {
			dbetas[j] = float32(sumDy[j])
		}
		if dgammas != nil {
			dgammas[j] = float32(sumDyNormalized)
		}
		gs := scaleOf(gammas, j) * s
		k1[j] = gs
		k2[j] = -gs * s * sumDyNormalized / rows
		k3[j] = -gs * sumDy[j] / rows
	}
	forEachChunk(p.Rows, grain(c), normalizeBackwardArgs{cols: c, x: xs, dy: dys, dx: Slice(dx), mean: mean64, k1: k1, k2: k2, k3: k3}, normalizeBackwardRows)
	modified(dx)
	modified(dgamma)
	modified(dbeta)
}

// Element-wise operations run on chunks of elementChunk elements.

// elementArgs: arrays of one length and the scalars of an element-wise operation.
type elementArgs struct {
	op          device.ActivationOp
	x, y, z, dx []float32
	alpha, beta float32
	blockSums   []float64
}

func activation(a *elementArgs, lo, hi int) {
	if a.op == device.ReLU {
		vec.Relu(a.x[lo:hi], a.y[lo:hi])
		return
	}
	ref.Activation(a.op, hi-lo, a.x[lo:hi], a.y[lo:hi])
}

// activationBackward: x and y are the forward input and output, z the output gradient.
func activationBackward(a *elementArgs, lo, hi int) {
	if a.op == device.ReLU {
		vec.ReluBackward(a.x[lo:hi], a.z[lo:hi], a.dx[lo:hi])
		return
	}
	ref.ActivationBackward(a.op, hi-lo, a.x[lo:hi], a.y[lo:hi], a.z[lo:hi], a.dx[lo:hi])
}

func (Backend) Activation(op device.ActivationOp, n int, x, y device.Buffer) {
	forEachChunk(n, elementChunk, elementArgs{op: op, x: Slice(x), y: Slice(y)}, activation)
	modified(y)
}

func (Backend) ActivationBackward(op device.ActivationOp, n int, x, y, dy, dx device.Buffer) {
	forEachChunk(n, elementChunk, elementArgs{op: op, x: Slice(x), y: Slice(y), z: Slice(dy), dx: Slice(dx)}, activationBackward)
	modified(dx)
}

// softmaxArgs: rows of a (rows × cols) matrix; dy is nil in the forward pass.
type softmaxArgs struct {
	cols     int
	x, y, dy []float32
}

func softmaxRows(a *softmaxArgs, lo, hi int) {
	ref.Softmax(hi-lo, a.cols, a.x[lo*a.cols:hi*a.cols], a.y[lo*a.cols:hi*a.cols])
}

// softmaxBackwardRows writes dx into x from y and dy.
func softmaxBackwardRows(a *softmaxArgs, lo, hi int) {
	ref.SoftmaxBackward(hi-lo, a.cols, a.y[lo*a.cols:hi*a.cols], a.dy[lo*a.cols:hi*a.cols], a.x[lo*a.cols:hi*a.cols])
}

func (Backend) Softmax(rows, cols int, x, y device.Buffer) {
	forEachChunk(rows, grain(cols), softmaxArgs{cols: cols, x: Slice(x), y: Slice(y)}, softmaxRows)
	modified(y)
}

func (Backend) SoftmaxBackward(rows, cols int, y, dy, dx device.Buffer) {
	forEachChunk(rows, grain(cols), softmaxArgs{cols: cols, x: Slice(dx), y: Slice(y), dy: Slice(dy)}, softmaxBackwardRows)
	modified(dx)
}

func axpby(a *elementArgs, lo, hi int) { vec.Axpby(a.alpha, a.x[lo:hi], a.beta, a.y[lo:hi]) }

func (Backend) Axpby(n int, alpha float64, x device.Buffer, beta float64, y device.Buffer) {
	forEachChunk(n, elementChunk, elementArgs{x: Slice(x), y: Slice(y), alpha: float32(alpha), beta: float32(beta)}, axpby)
	modified(y)
}

func mul(a *elementArgs, lo, hi int) { ref.Mul(hi-lo, a.x[lo:hi], a.y[lo:hi], a.z[lo:hi]) }

func (Backend) Mul(n int, x, y, z device.Buffer) {
	forEachChunk(n, elementChunk, elementArgs{x: Slice(x), y: Slice(y), z: Slice(z)}, mul)
	modified(z)
}

// clamp limits x to [alpha, beta].
func clamp(a *elementArgs, lo, hi int) { ref.Clamp(hi-lo, a.x[lo:hi], a.alpha, a.beta) }

func (Backend) Clamp(n int, x device.Buffer, lo, hi float64) {
	forEachChunk(n, elementChunk, elementArgs{x: Slice(x), alpha: float32(lo), beta: float32(hi)}, clamp)
	modified(x)
}

func sumSquares(a *elementArgs, lo, hi int) {
	a.blockSums[lo/elementChunk] = ref.SumSquares(hi-lo, a.x[lo:hi])
}

// SumSquares sums fixed blocks of elementChunk values in parallel and then the block sums
// in block order, so the result does not depend on the number of goroutines.
func (Backend) SumSquares(n int, x device.Buffer) float64 {
	blockSums := float64Scratch.get((n + elementChunk - 1) / elementChunk)
	defer float64Scratch.put(blockSums)
	forEachChunk(n, elementChunk, elementArgs{x: Slice(x), blockSums: *blockSums}, sumSquares)
	var sum float64
	for _, s := range *blockSums {
		sum += s
	}
	return sum
}

// padArgs: images of an NHWC tensor and its padded form.
type padArgs struct {
	p             device.Pad2DParams
	inner, padded []float32
}

func pad2D(a *padArgs, lo, hi int) {
	p := &a.p
	inLen, outLen := p.H*p.W*p.C, p.OutH()*p.OutW()*p.C
	images := *p
	images.N = hi - lo
	ref.Pad2D(&images, a.inner[lo*inLen:hi*inLen], a.padded[lo*outLen:hi*outLen])
}

func crop2D(a *padArgs, lo, hi int) {
	p := &a.p
	inLen, outLen := p.H*p.W*p.C, p.OutH()*p.OutW()*p.C
	images := *p
	images.N = hi - lo
	ref.Crop2D(&images, a.padded[lo*outLen:hi*outLen], a.inner[lo*inLen:hi*inLen])
}

func (Backend) Pad2D(p *device.Pad2DParams, x, y device.Buffer) {
	forEachChunk(p.N, grain(p.OutH()*p.OutW()*p.C), padArgs{p: *p, inner: Slice(x), padded: Slice(y)}, pad2D)
	modified(y)
}

func (Backend) Crop2D(p *device.Pad2DParams, dy, dx device.Buffer) {
	forEachChunk(p.N, grain(p.H*p.W*p.C), padArgs{p: *p, inner: Slice(dx), padded: Slice(dy)}, crop2D)
	modified(dx)
}

// Concat and Split are memory copies on one goroutine: more would share the same memory
// bandwidth.

func (Backend) Concat(outer int, widths []int, xs []device.Buffer, y device.Buffer) {
	ys := Slice(y)
	total, offset := 0, 0
	for _, w := range widths {
		total += w
	}
	for i, w := range widths {
		x := Slice(xs[i])
		for r := range outer {
			copy(ys[r*total+offset:r*total+offset+w], x[r*w:(r+1)*w])
		}
		offset += w
	}
	modified(y)
}

func (Backend) Split(outer int, widths []int, dy device.Buffer, dxs []device.Buffer) {
	dys := Slice(dy)
	total, offset := 0, 0
	for _, w := range widths {
		total += w
	}
	for i, w := range widths {
		if dxs[i] != nil {
			dx := Slice(dxs[i])
			for r := range outer {
				copy(dx[r*w:(r+1)*w], dys[r*total+offset:r*total+offset+w])
			}
		}
		offset += w
	}
	for _, dx := range dxs {
		modified(dx)
	}
}

// optimizerArgs: the arrays and constants of one optimizer update.
type optimizerArgs struct {
	param, grad, slot1, slot2, slot3 []float32
	sgd                              vec.SGDStep
	adam                             vec.AdamStep
	rmsprop                          device.RMSpropParams
}

func sgd(a *optimizerArgs, lo, hi int) {
	vec.SGD(&a.sgd, a.param[lo:hi], a.grad[lo:hi], part(a.slot1, lo, hi))
}

func adam(a *optimizerArgs, lo, hi int) {
	vec.Adam(&a.adam, a.param[lo:hi], a.grad[lo:hi], a.slot1[lo:hi], a.slot2[lo:hi], part(a.slot3, lo, hi))
}

func rmsprop(a *optimizerArgs, lo, hi int) {
	ref.RMSprop(&a.rmsprop, hi-lo, a.param[lo:hi], a.grad[lo:hi], a.slot1[lo:hi], part(a.slot2, lo, hi), part(a.slot3, lo, hi))
}

func (Backend) SGD(p *device.SGDParams, n int, param, grad, velocity device.Buffer) {
	step := vec.SGDStep{LearningRate: float32(p.LearningRate), Momentum: float32(p.Momentum)}
	switch {
	case p.Momentum == 0:
		step.Mode = vec.PlainSGD
	case p.Nesterov:
		step.Mode = vec.NesterovSGD
	default:
		step.Mode = vec.MomentumSGD
	}
	forEachChunk(n, elementChunk, optimizerArgs{param: Slice(param), grad: Slice(grad), slot1: Slice(velocity), sgd: step}, sgd)
	modified(param)
	modified(velocity)
}

// Adam derives its float32 constants as ref.Adam does.
func (Backend) Adam(p *device.AdamParams, n int, param, grad, m, v, vhat device.Buffer) {
	t := float64(p.Step)
	step := vec.AdamStep{
		Alpha:         float32(p.LearningRate * math.Sqrt(1-math.Pow(p.Beta2, t)) / (1 - math.Pow(p.Beta1, t))),
		Decay:         float32(p.LearningRate * p.WeightDecay),
		OneMinusBeta1: float32(1 - p.Beta1),
		OneMinusBeta2: float32(1 - p.Beta2),
		Epsilon:       float32(p.Epsilon),
		WeightDecay:   p.WeightDecay > 0,
		AMSGrad:       p.AMSGrad,
	}
	forEachChunk(n, elementChunk, optimizerArgs{param: Slice(param), grad: Slice(grad), slot1: Slice(m), slot2: Slice(v), slot3: Slice(vhat), adam: step}, adam)
	modified(param)
	modified(m)
	modified(v)
	modified(vhat)
}

func (Backend) RMSprop(p *device.RMSpropParams, n int, param, grad, ms, mom, mg device.Buffer) {
	forEachChunk(n, elementChunk, optimizerArgs{param: Slice(param), grad: Slice(grad), slot1: Slice(ms), slot2: Slice(mom), slot3: Slice(mg), rmsprop: *p}, rmsprop)
	modified(param)
	modified(ms)
	modified(mom)
	modified(mg)
}
