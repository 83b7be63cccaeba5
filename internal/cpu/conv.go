package cpu

import (
	"runtime"

	"github.com/org/gotl/internal/cpu/gemm"
	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/internal/ref"
)

// Convolution is lowered onto gemm.Sgemm. With P = N·OutH·OutW output pixels and
// K = KH·KW·InC taps, the HWIO kernel w is already the (K × OutC) matrix W, and
//
//	forward          Y (P × OutC)  = Patches (P × K) · W
//	backward data    dPatches (P × K) = dY · Wᵀ, then each patch row is added back
//	                 onto the input pixels it was read from (col2im); with stride 1
//	                 and InC ≥ 16, a forward convolution of dY instead
//	                 (conv2DBackwardDataStride1)
//	backward filter  dW (K × OutC) = Patchesᵀ · dY
//
// where row (n, oy, ox) of Patches holds, for each tap (ky, kx) in row-major order, the
// InC channels of x[n, oy·StrideH + ky·DilationH − PadTop, ox·StrideW + kx·DilationW −
// PadLeft, ·], zeros where that pixel is padding (im2col). Patches is built a tile of rows
// at a time so that it never has to exist whole. A pointwise convolution (1x1, stride 1,
// no padding) needs no patches at all: in NHWC x is already Patches (P × InC) and dx is
// dPatches.
//
// Tiles have sizes fixed by the shape alone, so each element of the result is computed by
// the same sequence of Sgemm calls whatever GOMAXPROCS is.

// isPointwise reports whether x itself is the patch matrix.
func isPointwise(p *device.Conv2DParams) bool {
	return p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.PadTop == 0 && p.PadLeft == 0 && p.OutH == p.H && p.OutW == p.W
}

// patchTileBytes bounds the patch tile of the forward and data passes. Sgemm packs W
// afresh for every tile, a copy of K·OutC floats against rows·K·OutC multiply-adds, so a
// tile should be hundreds of rows tall to amortise it; Sgemm reads the tile in blocks that
// fit L2, so the tile itself may live in L3.
const patchTileBytes = 4 << 20

// patchTileRows is the height of the patch tiles of the forward and data passes over a
// patch matrix of the given rows and k columns: at most patchTileBytes, yet at least 4
// tiles when the matrix is tall enough, so that the pool's goroutines get even shares
// (with fewer tiles than goroutines, each tile's Sgemm spreads over the pool instead);
// a multiple of 6 (Sgemm's register tile height, so that no tile ends in a partial strip)
// and at least 48. Going from 8 tiles to 4 gained 3 to 9% per CPU-second on the
// benchmark shapes; 2 would gain little more and leave 4-core machines half idle.
func patchTileRows(rows, k int) int {
	tileRows := min(patchTileBytes/4/k, (rows+3)/4)
	return max(48, (tileRows+5)/6*6)
}

// filterTileRows is the depth of one Sgemm of the filter pass, Patchesᵀ · dY over a tile of
// pixels: a multiple of 256 (Sgemm's depth block, so each call adds whole blocks into dW),
// about 4 MiB of patches, which the pool's goroutines build and read together.
func filterTileRows(k int) int {
	return max(256, (1<<20)/k/256*256)
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

// im2col writes rows [row0, row0+rows) of the patch matrix into dst (rows × K).
func im2col(p *device.Conv2DParams, x []float32, row0, rows int, dst []float32) {
	k, kernelRow := p.KH*p.KW*p.InC, p.KW*p.InC
	forEachPatchRow(p, row0, rows, func(r, n, oy, ox, ky0, ky1, kx0, kx1 int) {
		patch := dst[r*k : (r+1)*k]
		clear(patch[:ky0*kernelRow])
		clear(patch[ky1*kernelRow:])
		ix0 := ox*p.StrideW - p.PadLeft // input column of tap 0
		for ky := ky0; ky < ky1; ky++ {
			iy := oy*p.StrideH + ky*p.DilationH - p.PadTop
			inputRow := x[(n*p.H+iy)*p.W*p.InC:][:p.W*p.InC]
			taps := patch[ky*kernelRow : (ky+1)*kernelRow]
			clear(taps[:kx0*p.InC])
			clear(taps[kx1*p.InC:])
			if p.DilationW == 1 {
				// The taps inside the input read one run of the input row: one copy,
				// which matters when InC is small.
				if kx0 < kx1 {
					copy(taps[kx0*p.InC:kx1*p.InC], inputRow[(ix0+kx0)*p.InC:])
				}
				continue
			}
			for kx := kx0; kx < kx1; kx++ {
				copy(taps[kx*p.InC:(kx+1)*p.InC], inputRow[(ix0+kx*p.DilationW)*p.InC:])
			}
		}
	})
}

// col2imAdd adds rows [row0, row0+rows) of dPatches (rows × K) onto the input pixels they
// were read from: the adjoint of im2col.
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

// conv2D computes y (P × OutC) = Patches · W, a tile of pixels per unit, and then the
// epilogue e, unless nil, on each tile.
func conv2D(p *device.Conv2DParams, x, w, y []float32, e *epilogue) {
	pixels, k := p.N*p.OutH*p.OutW, p.KH*p.KW*p.InC
	if isPointwise(p) {
		gemm.Sgemm(false, false, pixels, p.OutC, k, 1, x, k, w, p.OutC, 0, y, p.OutC)
		if e != nil {
			forEachChunk(pixels, grain(p.OutC), epilogueArgs{e: *e, y: y, cols: p.OutC}, applyEpilogue)
		}
		return
	}
	tileRows := patchTileRows(pixels, k)
	tiles := (pixels + tileRows - 1) / tileRows
	a := convArgs{p: *p, x: x, w: w, y: y, tileRows: tileRows}
	if e != nil {
		a.e, a.epilogue = *e, true
	}
	forEachUnit(tiles, a, forwardTile)
}

// epilogueArgs: an epilogue over the rows of y (· × cols).
type epilogueArgs struct {
	e    epilogue
	y    []float32
	cols int
}

func applyEpilogue(a *epilogueArgs, lo, hi int) { a.e.apply(a.y, lo, hi-lo, a.cols) }

// convArgs are the arguments of a convolution pass run in units (tiles, runs of images).
type convArgs struct {
	p             device.Conv2DParams
	x, w, y       []float32
	tileRows      int
	imagesPerUnit int
	e             epilogue
	epilogue      bool // apply e to each tile
}

// forwardTile computes one tile of pixels of the forward pass.
func forwardTile(a *convArgs, tile int) {
	p := &a.p
	k := p.KH * p.KW * p.InC
	row0 := tile * a.tileRows
	rows := min(a.tileRows, p.N*p.OutH*p.OutW-row0)
	scratch := float32Scratch.get(rows * k)
	defer float32Scratch.put(scratch)
	patches := *scratch
	im2col(p, a.x, row0, rows, patches)
	gemm.Sgemm(false, false, rows, p.OutC, k, 1, patches, k, a.w, p.OutC, 0, a.y[row0*p.OutC:], p.OutC)
	if a.epilogue {
		a.e.apply(a.y, row0, rows, p.OutC)
	}
}

// forEachUnit calls unit(&args, i) for i in [0, n), units that each run gemm.Sgemm. With at
// least as many units as goroutines the units run in parallel and each Sgemm on its
// caller's goroutine (nested pool calls run sequentially); with fewer, the units run one
// after another and each Sgemm spreads over the pool. Sgemm's result does not depend on
// how it is spread, so neither does the caller's.
func forEachUnit[A any](n int, args A, unit func(args *A, i int)) {
	if n < runtime.GOMAXPROCS(0) {
		for i := range n {
			unit(&args, i)
		}
		return
	}
	forEachChunk(n, 1, unitArgs[A]{args: args, unit: unit}, runUnit[A])
}

type unitArgs[A any] struct {
	args A
	unit func(args *A, i int)
}

func runUnit[A any](u *unitArgs[A], lo, _ int) { u.unit(&u.args, lo) }

// conv2DBackwardData computes dx from dPatches = dY · Wᵀ. A unit is a run of whole images
// (several per tile when images are small, several tiles per image when they are large):
// units write disjoint parts of dx, and within a unit the tiles add into dx in order.
func conv2DBackwardData(p *device.Conv2DParams, dy, w, dx []float32) {
	pixels, k := p.N*p.OutH*p.OutW, p.KH*p.KW*p.InC
	if isPointwise(p) {
		gemm.Sgemm(false, true, pixels, k, p.OutC, 1, dy, p.OutC, w, p.OutC, 0, dx, k)
		return
	}
	if p.StrideH == 1 && p.StrideW == 1 && p.InC >= 16 {
		// The transposed convolution's GEMM is only InC columns wide; Sgemm computes
		// C in tiles 16 columns wide, so narrower ones are faster through col2im.
		conv2DBackwardDataStride1(p, dy, w, dx)
		return
	}
	imagePixels := p.OutH * p.OutW
	tileRows := patchTileRows(pixels, k)
	imagesPerUnit := max(1, tileRows/imagePixels)
	if imagesPerUnit > 1 {
		tileRows = imagesPerUnit * imagePixels
	}
	units := (p.N + imagesPerUnit - 1) / imagesPerUnit
	forEachUnit(units, convArgs{p: *p, x: dy, w: w, y: dx, tileRows: tileRows, imagesPerUnit: imagesPerUnit}, backwardDataUnit)
}

// backwardDataUnit computes the data gradient of one run of images: x is dy, y is dx.
func backwardDataUnit(a *convArgs, unit int) {
	p := &a.p
	k := p.KH * p.KW * p.InC
	imagePixels, imageLen := p.OutH*p.OutW, p.H*p.W*p.InC
	n0 := unit * a.imagesPerUnit
	n1 := min(n0+a.imagesPerUnit, p.N)
	clear(a.y[n0*imageLen : n1*imageLen])
	unitPixels := (n1 - n0) * imagePixels
	scratch := float32Scratch.get(min(a.tileRows, unitPixels) * k)
	defer float32Scratch.put(scratch)
	dPatches := *scratch
	for first := 0; first < unitPixels; first += a.tileRows {
		row0, rows := n0*imagePixels+first, min(a.tileRows, unitPixels-first)
		gemm.Sgemm(false, true, rows, k, p.OutC, 1, a.x[row0*p.OutC:], p.OutC, a.w, p.OutC, 0, dPatches, k)
		col2imAdd(p, dPatches, row0, rows, a.y)
	}
}

// conv2DBackwardDataStride1 computes the data gradient of a stride-1 convolution as a
// forward convolution, which needs no scatter and parallelises like the forward pass.
// With the kernel turned by 180° and its channels swapped, flipped[ky,kx,co,ci] =
// w[KH−1−ky, KW−1−kx, ci, co], and padding P'top = (KH−1)·DilationH − PadTop:
//
//	dx[n,iy,ix,ci] = Σ_{ky,kx,co} dy[n, iy + ky·DilationH − P'top, ix + kx·DilationW − P'left, co]·flipped[ky,kx,co,ci]
//
// with dy zero outside its extent: each term is a tap (oy, ox, KH−1−ky, KW−1−kx) of the
// forward pass that read x[n, iy, ix, ci]. A negative P' (padding wider than the dilated
// kernel) simply shifts the window.
func conv2DBackwardDataStride1(p *device.Conv2DParams, dy, w, dx []float32) {
	scratch := float32Scratch.get(p.KernelLen())
	defer float32Scratch.put(scratch)
	flipped := *scratch
	for ky := range p.KH {
		for kx := range p.KW {
			turned := ((p.KH-1-ky)*p.KW + p.KW - 1 - kx) * p.InC * p.OutC
			for ci := range p.InC {
				for co, v := range w[turned+ci*p.OutC : turned+(ci+1)*p.OutC] {
					flipped[((ky*p.KW+kx)*p.OutC+co)*p.InC+ci] = v
				}
			}
		}
	}
	transposed := device.Conv2DParams{
		N: p.N, H: p.OutH, W: p.OutW, InC: p.OutC, OutH: p.H, OutW: p.W, OutC: p.InC,
		KH: p.KH, KW: p.KW, StrideH: 1, StrideW: 1, DilationH: p.DilationH, DilationW: p.DilationW,
		PadTop: (p.KH-1)*p.DilationH - p.PadTop, PadLeft: (p.KW-1)*p.DilationW - p.PadLeft,
	}
	conv2D(&transposed, dy, flipped, dx, nil)
}

// im2colArgs: rows of the patch matrix from row0 on, written to patches.
type im2colArgs struct {
	p          device.Conv2DParams
	x, patches []float32
	row0       int
}

func im2colRows(a *im2colArgs, lo, hi int) {
	k := a.p.KH * a.p.KW * a.p.InC
	im2col(&a.p, a.x, a.row0+lo, hi-lo, a.patches[lo*k:hi*k])
}

// conv2DBackwardFilter computes dw = Patchesᵀ · dY as a sum over tiles of pixels in order,
// each tile's patches built by the pool and multiplied by a pool-wide Sgemm.
func conv2DBackwardFilter(p *device.Conv2DParams, x, dy, dw []float32) {
	pixels, k := p.N*p.OutH*p.OutW, p.KH*p.KW*p.InC
	if isPointwise(p) {
		gemm.Sgemm(true, false, k, p.OutC, pixels, 1, x, k, dy, p.OutC, 0, dw, p.OutC)
		return
	}
	if pixels == 0 {
		clear(dw[:p.KernelLen()])
		return
	}
	tileRows := min(filterTileRows(k), pixels)
	scratch := float32Scratch.get(tileRows * k)
	defer float32Scratch.put(scratch)
	patches := *scratch
	for row0 := 0; row0 < pixels; row0 += tileRows {
		rows := min(tileRows, pixels-row0)
		forEachChunk(rows, grain(k), im2colArgs{p: *p, x: x, row0: row0, patches: patches}, im2colRows)
		var beta float32 = 1
		if row0 == 0 {
			beta = 0
		}
		gemm.Sgemm(true, false, k, p.OutC, rows, 1, patches, k, dy[row0*p.OutC:], p.OutC, beta, dw, p.OutC)
	}
}
