package ref

import "github.com/org/gotl/internal/device"

func init() {
	device.Register("reference", func() (device.Backend, error) { return Backend{}, nil })
}

// Backend is the float64 reference backend: every buffer holds float64 and every method
// is the kernel of this package instantiated at float64, run on the calling goroutine.
// It is slow (plain loops on one goroutine) and exact as far as float64 is: the yardstick
// of the conformance suite and of the layers' gradient checks.
type Backend struct{}

var (
	_ device.Backend     = Backend{}
	_ device.Conv2DFuser = Backend{}
)

// buffer is a Backend buffer: a flat float64 array.
type buffer struct {
	data []float64
}

func (b *buffer) Len() int { return len(b.data) }

// Slice64 returns the float64 array behind a Backend buffer (not a copy), or nil for a nil
// buffer. It panics if b belongs to another backend.
func Slice64(b device.Buffer) []float64 {
	if b == nil {
		return nil
	}
	return b.(*buffer).data
}

// slices returns the arrays behind bs, with nil for nil buffers.
func slices(bs []device.Buffer) [][]float64 {
	arrays := make([][]float64, len(bs))
	for i, b := range bs {
		arrays[i] = Slice64(b)
	}
	return arrays
}

func (Backend) Name() string { return "reference" }

func (Backend) Alloc(n int) device.Buffer { return &buffer{data: make([]float64, n)} }

func (Backend) Upload(dst device.Buffer, src []float32) {
	d := Slice64(dst)[:len(src)]
	for i, v := range src {
		d[i] = float64(v)
	}
}

func (Backend) Download(dst []float32, src device.Buffer) {
	for i, v := range Slice64(src)[:len(dst)] {
		dst[i] = float32(v)
	}
}

func (Backend) Upload64(dst device.Buffer, src []float64) { copy(Slice64(dst)[:len(src)], src) }

func (Backend) Download64(dst []float64, src device.Buffer) { copy(dst, Slice64(src)[:len(dst)]) }

func (Backend) Copy(dst device.Buffer, dstOff int, src device.Buffer, srcOff int, n int) {
	copy(Slice64(dst)[dstOff:dstOff+n], Slice64(src)[srcOff:srcOff+n])
}

func (Backend) Fill(dst device.Buffer, n int, v float64) {
	d := Slice64(dst)[:n]
	for i := range d {
		d[i] = v
	}
}

func (Backend) Gemm(transA, transB bool, m, n, k int, alpha float64, a device.Buffer, lda int, b device.Buffer, ldb int, beta float64, c device.Buffer, ldc int) {
	Gemm(transA, transB, m, n, k, alpha, Slice64(a), lda, Slice64(b), ldb, beta, Slice64(c), ldc)
}

func (Backend) BiasAdd(y, bias device.Buffer, rows, cols int) {
	BiasAdd(Slice64(y), Slice64(bias), rows, cols)
}

func (Backend) BiasGrad(db, dy device.Buffer, rows, cols int) {
	BiasGrad(Slice64(db), Slice64(dy), rows, cols, 0, cols)
}

func (Backend) Conv2D(p *device.Conv2DParams, x, w, y device.Buffer) {
	Conv2D(p, Slice64(x), Slice64(w), Slice64(y))
}

func (Backend) Conv2DBackwardData(p *device.Conv2DParams, dy, w, dx device.Buffer) {
	Conv2DBackwardData(p, Slice64(dy), Slice64(w), Slice64(dx))
}

func (Backend) Conv2DBackwardFilter(p *device.Conv2DParams, x, dy, dw device.Buffer) {
	Conv2DBackwardFilter(p, Slice64(x), Slice64(dy), Slice64(dw))
}

func (Backend) FusedConv2D(p *device.FusedConv2DParams, o *device.FusedConv2DOperands) {
	FusedConv2D(p, Slice64(o.X), Slice64(o.W), Slice64(o.Bias), Slice64(o.Gamma), Slice64(o.Beta), Slice64(o.Mean), Slice64(o.Variance), Slice64(o.Residual), Slice64(o.Y))
}

func (Backend) Pool2D(p *device.Pool2DParams, x, y device.Buffer) {
	Pool2D(p, Slice64(x), Slice64(y))
}

func (Backend) Pool2DBackward(p *device.Pool2DParams, x, y, dy, dx device.Buffer) {
	Pool2DBackward(p, Slice64(x), Slice64(y), Slice64(dy), Slice64(dx))
}

func (Backend) BatchNormInference(p *device.BatchNormParams, x, gamma, beta, mean, variance, y device.Buffer) {
	BatchNormInference(p, Slice64(x), Slice64(gamma), Slice64(beta), Slice64(mean), Slice64(variance), Slice64(y))
}

func (Backend) BatchNormTraining(p *device.BatchNormParams, x, gamma, beta, y, saveMean, saveInvStd, movingMean, movingVar device.Buffer) {
	BatchNormTraining(p, Slice64(x), Slice64(gamma), Slice64(beta), Slice64(y), Slice64(saveMean), Slice64(saveInvStd), Slice64(movingMean), Slice64(movingVar))
}

func (Backend) BatchNormBackward(p *device.BatchNormParams, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta device.Buffer) {
	BatchNormBackward(p, Slice64(x), Slice64(dy), Slice64(gamma), Slice64(saveMean), Slice64(saveInvStd), Slice64(dx), Slice64(dgamma), Slice64(dbeta))
}

func (Backend) Activation(op device.ActivationOp, n int, x, y device.Buffer) {
	Activation(op, n, Slice64(x), Slice64(y))
}

func (Backend) ActivationBackward(op device.ActivationOp, n int, x, y, dy, dx device.Buffer) {
	ActivationBackward(op, n, Slice64(x), Slice64(y), Slice64(dy), Slice64(dx))
}

func (Backend) Softmax(rows, cols int, x, y device.Buffer) {
	Softmax(rows, cols, Slice64(x), Slice64(y))
}

func (Backend) SoftmaxBackward(rows, cols int, y, dy, dx device.Buffer) {
	SoftmaxBackward(rows, cols, Slice64(y), Slice64(dy), Slice64(dx))
}

func (Backend) Axpby(n int, alpha float64, x device.Buffer, beta float64, y device.Buffer) {
	Axpby(n, alpha, Slice64(x), beta, Slice64(y))
}

func (Backend) Mul(n int, x, y, z device.Buffer) { Mul(n, Slice64(x), Slice64(y), Slice64(z)) }

func (Backend) Clamp(n int, x device.Buffer, lo, hi float64) { Clamp(n, Slice64(x), lo, hi) }

func (Backend) SumSquares(n int, x device.Buffer) float64 { return SumSquares(n, Slice64(x)) }

func (Backend) Pad2D(p *device.Pad2DParams, x, y device.Buffer) { Pad2D(p, Slice64(x), Slice64(y)) }

func (Backend) Crop2D(p *device.Pad2DParams, dy, dx device.Buffer) {
	Crop2D(p, Slice64(dy), Slice64(dx))
}

func (Backend) Concat(outer int, widths []int, xs []device.Buffer, y device.Buffer) {
	Concat(outer, widths, slices(xs), Slice64(y))
}

func (Backend) Split(outer int, widths []int, dy device.Buffer, dxs []device.Buffer) {
	Split(outer, widths, Slice64(dy), slices(dxs))
}

func (Backend) SGD(p *device.SGDParams, n int, param, grad, velocity device.Buffer) {
	SGD(p, n, Slice64(param), Slice64(grad), Slice64(velocity))
}

func (Backend) Adam(p *device.AdamParams, n int, param, grad, m, v, vhat device.Buffer) {
	Adam(p, n, Slice64(param), Slice64(grad), Slice64(m), Slice64(v), Slice64(vhat))
}

func (Backend) RMSprop(p *device.RMSpropParams, n int, param, grad, ms, mom, mg device.Buffer) {
	RMSprop(p, n, Slice64(param), Slice64(grad), Slice64(ms), Slice64(mom), Slice64(mg))
}
