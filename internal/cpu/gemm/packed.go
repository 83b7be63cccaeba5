package gemm

import (
	"fmt"
	"runtime"
	"sync"
)

// PackedB is op(B), a k×n matrix, packed once into the micro-panels the kernels read, for
// products that reuse it: a layer's weights, over the tiles of a convolution and, kept by
// the caller, over calls. Block pc (rows [pc, pc+kc) of op(B)) starts at pc·roundUp(n, nr);
// within it, panel t (columns [t·nr, t·nr+nr)) starts at t·kcb·nr, laid out as
// packPanelsB lays it out. The zero value is empty; Pack fills it.
type PackedB struct {
	k, n   int
	panels []float32
}

// Dims returns the k×n shape of the packed op(B).
func (p *PackedB) Dims() (k, n int) { return p.k, p.n }

// Pack packs op(B) (k×n, row stride ldb as stored) into p, reusing p's memory when it is
// large enough; the pool's goroutines pack panels in parallel.
func (p *PackedB) Pack(transB bool, k, n int, b []float32, ldb int) {
	if k < 0 || n < 0 {
		panic(fmt.Sprintf("gemm: negative dimension k = %d, n = %d", k, n))
	}
	bRows, bCols := k, n
	if transB {
		bRows, bCols = n, k
	}
	checkMatrix("b", bRows, bCols, b, ldb)
	p.k, p.n = k, n
	size := k * roundUp(n, nr)
	if cap(p.panels) < size {
		p.panels = make([]float32, size)
	}
	p.panels = p.panels[:size]
	job := packJobs.Get().(*packJob)
	job.dst, job.trans, job.b, job.ldb = p, transB, b, ldb
	panels := (n + nr - 1) / nr
	if k*n < parallelWork {
		job.panels(0, panels)
	} else {
		Parallel(panels, job.run)
	}
	*job = packJob{run: job.run}
	packJobs.Put(job)
}

// packJob is one PackedB.Pack, its run bound once so that handing it to the pool
// allocates nothing.
type packJob struct {
	dst   *PackedB
	trans bool
	b     []float32
	ldb   int
	run   func(lo, hi int)
}

var packJobs = sync.Pool{New: func() any {
	j := new(packJob)
	j.run = j.panels
	return j
}}

// panels packs panels [lo, hi) of every block.
func (j *packJob) panels(lo, hi int) {
	p := j.dst
	width := roundUp(p.n, nr)
	cols := min(hi*nr, p.n) - lo*nr
	for pc := 0; pc < p.k; pc += kc {
		kcb := min(kc, p.k-pc)
		packPanelsB(p.panels[pc*width+lo*nr*kcb:], j.trans, j.b, j.ldb, pc, kcb, lo*nr, cols)
	}
}

// block returns the packed rows [pc, pc+kcb) of op(B).
func (p *PackedB) block(pc int) []float32 { return p.panels[pc*roundUp(p.n, nr):] }

// ASource is the left operand A (m×k) of MultiplyPacked: a matrix, or one that exists only
// as the packing of its blocks (the patches of a convolution, read from the image).
type ASource interface {
	// PackA packs rows [i0, i0+rows) and columns [p0, p0+kcb) of A into micro-panels of mr
	// rows, panel s at dst[s·mr·kcb:], the rows of the last panel past rows zero, and
	// returns where element (i, p) of a panel lies: at i·rsa + p·csa.
	PackA(dst []float32, i0, rows, p0, kcb int) (rsa, csa int)
}

// Matrix is op(A) of a row-major matrix, as an ASource.
type Matrix struct {
	Trans bool // A holds op(A)ᵀ
	A     []float32
	LDA   int // row stride of A as stored
}

// PackA implements ASource.
func (m Matrix) PackA(dst []float32, i0, rows, p0, kcb int) (rsa, csa int) {
	return packPanelsA(dst, m.Trans, m.A, m.LDA, i0, rows, p0, kcb)
}

// Epilogue finishes blocks of C once their products are complete: a convolution adds its
// bias and applies its activation while the block is in cache.
type Epilogue interface {
	// Finish is called once for every element of C, on blocks rows [i0, i0+rows) ×
	// columns [j0, j0+cols), c[i*ldc+j] being element (i, j); blocks may be finished on
	// any goroutine, in any order, but never two at once that share an element.
	Finish(c []float32, ldc, i0, rows, j0, cols int)
}

// MultiplyPacked computes C = A·B for A (m×k) given by a source and B (k×n) packed, then
// e.Finish on every block of C (unless e is nil). C (m×n, row stride ldc) is overwritten.
// The work is split over the pool by blocks of 2mr rows or of 2nr columns, and each
// element of C is computed by the same kernel operations in the same order whatever the
// split, so the result does not depend on GOMAXPROCS; it equals Sgemm's with alpha 1 and
// beta 0. Called from inside a parallel loop, it runs on the calling goroutine.
func MultiplyPacked(m int, a ASource, b *PackedB, c []float32, ldc int, e Epilogue) {
	if m < 0 {
		panic(fmt.Sprintf("gemm: negative dimension m = %d", m))
	}
	checkMatrix("c", m, b.n, c, ldc)
	if m == 0 || b.n == 0 {
		return
	}
	q := products.Get().(*packedProduct)
	defer func() {
		*q = packedProduct{run: q.run}
		products.Put(q)
	}()
	*q = packedProduct{m: m, a: a, b: b, c: c, ldc: ldc, e: e, run: q.run}
	workers := runtime.GOMAXPROCS(0)
	if m*b.n*b.k < parallelWork || workers == 1 || poolBusy() {
		q.compute(0, m, 0, b.n)
		return
	}
	rowUnits, colUnits := (m+2*mr-1)/(2*mr), (b.n+2*nr-1)/(2*nr)
	q.byRows = rowUnits >= colUnits || rowUnits >= 4*workers
	if q.byRows {
		// Up to 4 parts per goroutine let one short of CPU (other work on the machine)
		// hold up the product by one part at most. Every part, and every block of mc
		// rows within it, reads all of B: when B is larger than an L2, parts shorter
		// than mc rows would multiply that traffic, so there are no more of them than
		// blocks of mc rows (and at least one per goroutine).
		parts := 4 * workers
		if b.k*b.n > sharedBSmall {
			parts = min(parts, max(workers, (m+mc-1)/mc))
		}
		parallelParts(rowUnits, parts, q.run)
		return
	}
	// Split by columns, every part packs all of A: one part per goroutine.
	parallelParts(colUnits, workers, q.run)
}

// sharedBSmall is the most elements of a packed B that MultiplyPacked lets every part
// read from L3, whatever the number of parts: 1 MiB, an L2.
const sharedBSmall = 1 << 18

// packedProduct is one MultiplyPacked.
type packedProduct struct {
	m      int
	a      ASource
	b      *PackedB
	c      []float32
	ldc    int
	e      Epilogue
	byRows bool
	run    func(lo, hi int) // q.units, bound once
}

var products = sync.Pool{New: func() any {
	q := new(packedProduct)
	q.run = q.units
	return q
}}

// units computes blocks [lo, hi) of 2mr rows or of 2nr columns.
func (q *packedProduct) units(lo, hi int) {
	if q.byRows {
		q.compute(lo*2*mr, min(hi*2*mr, q.m), 0, q.b.n)
	} else {
		q.compute(0, q.m, lo*2*nr, min(hi*2*nr, q.b.n))
	}
}

// compute does rows [i0, i1) and columns [j0, j1) of C, i0 a multiple of 2mr and j0 of
// 2nr, block of mc rows by block, finishing each.
func (q *packedProduct) compute(i0, i1, j0, j1 int) {
	k := q.b.k
	kcMax := min(kc, k)
	w := getWorkspace(roundUp(min(mc, i1-i0), 2*mr)*kcMax, 0)
	defer putWorkspace(w)
	for ic := i0; ic < i1; ic += mc {
		mcb := min(mc, i1-ic)
		if k == 0 {
			for i := ic; i < ic+mcb; i++ {
				clear(q.c[i*q.ldc+j0 : i*q.ldc+j1])
			}
		}
		for pc := 0; pc < k; pc += kc {
			kcb := min(kc, k-pc)
			var beta float32
			if pc > 0 {
				beta = 1
			}
			rsa, csa := q.a.PackA(w.a, ic, mcb, pc, kcb)
			block := q.b.block(pc)
			for jr := j0; jr < j1; jr += 2 * nr {
				for ir := 0; ir < mcb; ir += 2 * mr {
					a0 := w.a[ir*kcb:]
					ct := q.c[(ic+ir)*q.ldc+jr:]
					if ir+2*mr <= mcb && jr+2*nr <= j1 {
						kernelBlock(kcb, a0, w.a[(ir+mr)*kcb:], rsa, csa, block[jr*kcb:], block[(jr+nr)*kcb:], ct, q.ldc, 1, beta)
						continue
					}
					for i := ir; i < min(ir+2*mr, mcb); i += mr {
						for j := jr; j < min(jr+2*nr, j1); j += nr {
							tile(kcb, w.a[i*kcb:], rsa, csa, block[j*kcb:], q.c[(ic+i)*q.ldc+j:], q.ldc, beta,
								min(mr, mcb-i), min(nr, j1-j), w.edge[:])
						}
					}
				}
			}
		}
		if q.e != nil {
			q.e.Finish(q.c, q.ldc, ic, mcb, j0, j1-j0)
		}
	}
}

// tile computes one tile of C of rows×cols (at most mr×nr) with alpha 1, through edge
// when it is partial.
func tile(k int, a []float32, rsa, csa int, b, c []float32, ldc int, beta float32, rows, cols int, edge []float32) {
	if rows == mr && cols == nr {
		kernel(k, a, rsa, csa, b, c, ldc, 1, beta)
		return
	}
	kernel(k, a, rsa, csa, b, edge, nr, 1, 0)
	storeEdge(rows, cols, edge, beta, c, ldc)
}

// MR is the height of the micro-panels of A that an ASource packs.
const MR = mr
