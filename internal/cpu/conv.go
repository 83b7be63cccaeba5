package cpu

import (
	"sync"

	"github.com/org/gotl/internal/cpu/gemm"
	"github.com/org/gotl/internal/device"
)

// Convolution is lowered onto the packed matrix multiply of package gemm. With
// P = N·OutH·OutW output pixels and K = KH·KW·InC taps, the HWIO kernel w is already the
// (K × OutC) matrix W, and
//
//	forward          Y (P × OutC) = Patches (P × K) · W
//	backward data    with stride 1, a forward convolution of dY with the kernel turned
//	                 by 180° (conv2DBackwardDataStride1); otherwise dPatches (P × K) =
//	                 dY · Wᵀ, each patch row then added back onto the input pixels it
//	                 was read from (col2im)
//	backward filter  dW (K × OutC) = Patchesᵀ · dY
//
// where row (n, oy, ox) of Patches holds, for each tap (ky, kx) in row-major order, the
// InC channels of x[n, oy·StrideH + ky·DilationH − PadTop, ox·StrideW + kx·DilationW −
// PadLeft, ·], zeros where that pixel is padding. Patches never exists whole: gemm packs
// A block by block through a gemm.ASource, and patchSource builds each block straight from
// the image (patchSpan), so im2col costs no more than the packing any product pays. A
// pointwise convolution (1x1, stride 1, no padding) needs no patches at all: in NHWC x is
// already Patches (P × InC) and dx is dPatches.
//
// The kernel's side of each product is packed once per call into the panels the gemm
// kernels read (gemm.PackedB), and kept with the kernel's buffer until the buffer is
// written again (kernelForms): inference packs a layer's kernel once, training once per
// step. The results depend only on the shapes, never on GOMAXPROCS (see gemm).

// isPointwise reports whether x itself is the patch matrix.
func isPointwise(p *device.Conv2DParams) bool {
	return p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.PadTop == 0 && p.PadLeft == 0 && p.OutH == p.H && p.OutW == p.W
}

// kernelForms are the packed forms of a buffer, kept with it: those of a convolution
// kernel, and op(B) of a Gemm (Backend.Gemm).
type kernelForms struct {
	forward    packedForm // W (K × OutC)
	transposed packedForm // Wᵀ (OutC × K), for the data gradient through col2im
	turned     packedForm // the turned kernel (KH·KW·OutC × InC), for the stride-1 data gradient
	operand    packedForm // op(B) of the last Gemm, as operandKey says
	operandKey operandKey
}

// packedForm is a gemm.PackedB made from a version of a buffer.
type packedForm struct {
	version uint64
	made    bool
	b       gemm.PackedB
}

// stale reports whether the form was made from another version than v or with another
// shape than k×n (or never), and if so marks it as made from v: the caller then packs it.
func (f *packedForm) stale(v uint64, k, n int) bool {
	if fk, fn := f.b.Dims(); f.made && f.version == v && fk == k && fn == n {
		return false
	}
	f.made, f.version = true, v
	return true
}

// kernelForms returns the packed forms kept with w, made on first use.
func (w *buffer) kernelForms() *kernelForms {
	if w.forms == nil {
		w.forms = new(kernelForms)
	}
	return w.forms
}

// forwardKernel returns W packed, from w's cache when current.
func forwardKernel(p *device.Conv2DParams, w *buffer) *gemm.PackedB {
	f, k := &w.kernelForms().forward, p.KH*p.KW*p.InC
	if f.stale(w.version, k, p.OutC) {
		f.b.Pack(false, k, p.OutC, w.data, p.OutC)
	}
	return &f.b
}

// convJob holds the operands of one convolution product. Jobs are recycled, so that
// handing their sources and epilogue to gemm as interfaces allocates nothing.
type convJob struct {
	patches   patchSource
	transpose transposedPatches
	matrix    gemm.Matrix
	epilogue  epilogue
}

var convJobs = sync.Pool{New: func() any { return new(convJob) }}

func getConvJob() *convJob { return convJobs.Get().(*convJob) }

func putConvJob(j *convJob) {
	*j = convJob{} // keep no reference to the caller's arrays
	convJobs.Put(j)
}

// conv2D computes y (P × OutC) = Patches · W with W packed in wb, and then the epilogue e,
// unless nil, on each block of y while it is in cache.
func conv2D(p *device.Conv2DParams, x []float32, wb *gemm.PackedB, y []float32, e *epilogue) {
	job := getConvJob()
	defer putConvJob(job)
	var a gemm.ASource
	if isPointwise(p) {
		job.matrix = gemm.Matrix{A: x, LDA: p.InC}
		a = &job.matrix
	} else {
		job.patches = patchSource{p: *p, x: x}
		a = &job.patches
	}
	var finish gemm.Epilogue
	if e != nil {
		job.epilogue = *e
		finish = &job.epilogue
	}
	gemm.MultiplyPacked(p.N*p.OutH*p.OutW, a, wb, y, p.OutC, finish)
}

// patchSource is the patch matrix of a convolution as a gemm.ASource.
type patchSource struct {
	p device.Conv2DParams
	x []float32
}

// PackA packs rows of patches as gemm's rows of A (element (i, q) of a panel at i·kcb + q):
// patchSpan builds them in place.
func (s *patchSource) PackA(dst []float32, i0, rows, p0, kcb int) (rsa, csa int) {
	patchSpan(&s.p, s.x, i0, rows, p0, p0+kcb, dst, kcb)
	if r := rows % gemm.MR; r != 0 {
		clear(dst[rows*kcb : (rows-r+gemm.MR)*kcb])
	}
	return kcb, 1
}

// transposedPatches is Patchesᵀ (K × P) as a gemm.ASource, for the filter gradient.
type transposedPatches struct {
	p device.Conv2DParams
	x []float32
}

// PackA builds the block of patches (pixels [p0, p0+kcb), taps [i0, i0+rows)) in a tile
// and packs it transposed.
func (s *transposedPatches) PackA(dst []float32, i0, rows, p0, kcb int) (rsa, csa int) {
	tile := float32Scratch.get(kcb * rows)
	defer float32Scratch.put(tile)
	patchSpan(&s.p, s.x, p0, kcb, i0, i0+rows, *tile, rows)
	return gemm.Matrix{Trans: true, A: *tile, LDA: rows}.PackA(dst, 0, rows, 0, kcb)
}

// conv2DBackwardData computes dx: a forward convolution of dy for stride 1 (unless the
// input has few channels: that product is only InC columns wide, and gemm computes C in
// tiles 16 columns wide), dPatches = dY · Wᵀ and col2im otherwise.
func conv2DBackwardData(p *device.Conv2DParams, dy []float32, w *buffer, dx []float32) {
	pixels, k := p.N*p.OutH*p.OutW, p.KH*p.KW*p.InC
	transposed := &w.kernelForms().transposed
	if (isPointwise(p) || p.StrideH != 1 || p.StrideW != 1 || p.InC < 16) && transposed.stale(w.version, p.OutC, k) {
		transposed.b.Pack(true, p.OutC, k, w.data, p.OutC)
	}
	if isPointwise(p) {
		job := getConvJob()
		defer putConvJob(job)
		job.matrix = gemm.Matrix{A: dy, LDA: p.OutC}
		gemm.MultiplyPacked(pixels, &job.matrix, &transposed.b, dx, k, nil)
		return
	}
	if p.StrideH == 1 && p.StrideW == 1 && p.InC >= 16 {
		conv2DBackwardDataStride1(p, dy, w, dx)
		return
	}
	// Units of whole images write disjoint parts of dx; within a unit, tiles of patch
	// rows add into dx in order.
	imagePixels := p.OutH * p.OutW
	tileRows := max(2*gemm.MR, min(pixels, (4<<20)/4/k)/(2*gemm.MR)*(2*gemm.MR))
	imagesPerUnit := max(1, tileRows/imagePixels)
	if imagesPerUnit > 1 {
		tileRows = imagesPerUnit * imagePixels
	}
	units := (p.N + imagesPerUnit - 1) / imagesPerUnit
	forEachChunk(units, 1, dataArgs{p: *p, dy: dy, wt: &transposed.b, dx: dx, tileRows: tileRows, imagesPerUnit: imagesPerUnit}, backwardDataUnits)
}

// dataArgs are the arguments of the data gradient through col2im, in units of images.
type dataArgs struct {
	p                       device.Conv2DParams
	dy, dx                  []float32
	wt                      *gemm.PackedB
	tileRows, imagesPerUnit int
}

// backwardDataUnits computes the data gradient of units [lo, hi), runs of images. A unit
// runs gemm on its own goroutine (a nested parallel loop does).
func backwardDataUnits(a *dataArgs, lo, hi int) {
	p := &a.p
	k := p.KH * p.KW * p.InC
	imagePixels, imageLen := p.OutH*p.OutW, p.H*p.W*p.InC
	scratch := float32Scratch.get(a.tileRows * k)
	defer float32Scratch.put(scratch)
	dPatches := *scratch
	job := getConvJob()
	defer putConvJob(job)
	for unit := lo; unit < hi; unit++ {
		n0 := unit * a.imagesPerUnit
		n1 := min(n0+a.imagesPerUnit, p.N)
		clear(a.dx[n0*imageLen : n1*imageLen])
		unitPixels := (n1 - n0) * imagePixels
		for first := 0; first < unitPixels; first += a.tileRows {
			row0, rows := n0*imagePixels+first, min(a.tileRows, unitPixels-first)
			job.matrix = gemm.Matrix{A: a.dy[row0*p.OutC:], LDA: p.OutC}
			gemm.MultiplyPacked(rows, &job.matrix, a.wt, dPatches, k, nil)
			col2imAdd(p, dPatches, row0, rows, a.dx)
		}
	}
}

// col2imAdd adds rows [row0, row0+rows) of dPatches (rows × K) onto the input pixels they
// were read from: the adjoint of patchSpan.
func col2imAdd(p *device.Conv2DParams, dPatches []float32, row0, rows int, dx []float32) {
	k, kernelRow := p.KH*p.KW*p.InC, p.KW*p.InC
	forEachPatchRow(p, row0, rows, func(r, n, oy, ox, ky0, ky1, kx0, kx1 int) {
		patch := dPatches[r*k : (r+1)*k]
		ix0 := ox*p.StrideW - p.PadLeft // input column of tap 0
		for ky := ky0; ky < ky1; ky++ {
			iy := oy*p.StrideH + ky*p.DilationH - p.PadTop
			inputRow := dx[(n*p.H+iy)*p.W*p.InC:][:p.W*p.InC]
			taps := patch[ky*kernelRow : (ky+1)*kernelRow]
			for kx := kx0; kx < kx1; kx++ {
				pixelGradient := inputRow[(ix0+kx*p.DilationW)*p.InC:][:p.InC]
				for c, g := range taps[kx*p.InC : (kx+1)*p.InC] {
					pixelGradient[c] += g
				}
			}
		}
	})
}

// conv2DBackwardDataStride1 computes the data gradient of a stride-1 convolution as a
// forward convolution, which needs no scatter and parallelises like the forward pass.
// With the kernel turned by 180° and its channels swapped, turned[ky,kx,co,ci] =
// w[KH−1−ky, KW−1−kx, ci, co], and padding P'top = (KH−1)·DilationH − PadTop:
//
//	dx[n,iy,ix,ci] = Σ_{ky,kx,co} dy[n, iy + ky·DilationH − P'top, ix + kx·DilationW − P'left, co]·turned[ky,kx,co,ci]
//
// with dy zero outside its extent: each term is a tap (oy, ox, KH−1−ky, KW−1−kx) of the
// forward pass that read x[n, iy, ix, ci]. A negative P' (padding wider than the dilated
// kernel) simply shifts the window.
func conv2DBackwardDataStride1(p *device.Conv2DParams, dy []float32, w *buffer, dx []float32) {
	turned := &w.kernelForms().turned
	if turned.stale(w.version, p.KH*p.KW*p.OutC, p.InC) {
		scratch := float32Scratch.get(p.KernelLen())
		defer float32Scratch.put(scratch)
		t := *scratch
		for ky := range p.KH {
			for kx := range p.KW {
				from := ((p.KH-1-ky)*p.KW + p.KW - 1 - kx) * p.InC * p.OutC
				for ci := range p.InC {
					for co, v := range w.data[from+ci*p.OutC : from+(ci+1)*p.OutC] {
						t[((ky*p.KW+kx)*p.OutC+co)*p.InC+ci] = v
					}
				}
			}
		}
		turned.b.Pack(false, p.KH*p.KW*p.OutC, p.InC, t, p.InC)
	}
	transposed := device.Conv2DParams{
		N: p.N, H: p.OutH, W: p.OutW, InC: p.OutC, OutH: p.H, OutW: p.W, OutC: p.InC,
		KH: p.KH, KW: p.KW, StrideH: 1, StrideW: 1, DilationH: p.DilationH, DilationW: p.DilationW,
		PadTop: (p.KH-1)*p.DilationH - p.PadTop, PadLeft: (p.KW-1)*p.DilationW - p.PadLeft,
	}
	conv2D(&transposed, dy, &turned.b, dx, nil)
}

// conv2DBackwardFilter computes dw = Patchesᵀ · dY, with dY packed (a scratch copy the size
// of dy) and Patchesᵀ built block by block from the image.
func conv2DBackwardFilter(p *device.Conv2DParams, x, dy, dw []float32) {
	pixels, k := p.N*p.OutH*p.OutW, p.KH*p.KW*p.InC
	if isPointwise(p) {
		gemm.Sgemm(true, false, k, p.OutC, pixels, 1, x, k, dy, p.OutC, 0, dw, p.OutC)
		return
	}
	packed := packedScratch.get()
	defer packedScratch.put(packed)
	packed.Pack(false, pixels, p.OutC, dy, p.OutC)
	job := getConvJob()
	defer putConvJob(job)
	job.transpose = transposedPatches{p: *p, x: x}
	gemm.MultiplyPacked(k, &job.transpose, packed, dw, p.OutC, nil)
}

// packedScratch recycles the packed operands made afresh for each call (dY of the filter
// gradient).
var packedScratch = packedPool{}

// packedPool is a free list of gemm.PackedB, whose memory Pack reuses.
type packedPool struct {
	mu   sync.Mutex
	free []*gemm.PackedB
}

func (s *packedPool) get() *gemm.PackedB {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.free); n > 0 {
		b := s.free[n-1]
		s.free = s.free[:n-1]
		return b
	}
	return new(gemm.PackedB)
}

func (s *packedPool) put(b *gemm.PackedB) {
	s.mu.Lock()
	s.free = append(s.free, b)
	s.mu.Unlock()
}
