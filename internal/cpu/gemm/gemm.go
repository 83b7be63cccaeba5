package gemm

import (
	"fmt"
	"runtime"
	"sync"
)

// Blocking constants, for a Zen core: 16 YMM registers, two 256-bit FMA pipes of latency
// 4, L1d 32 KiB, L2 1 MiB per core, L3 32 MiB shared.
const (
	// mr×nr is the register tile: 6×16 floats are 12 YMM accumulators, which with 2
	// registers for a row of B and 2 for broadcasts of A fill the 16 registers. 12
	// independent FMA chains cover the 2 pipes × 4 cycles = 8 needed to keep them busy;
	// each k step issues 12 FMAs against 2 loads of B and 6 broadcasts of A.
	mr = 6
	nr = 16
	// kc is the depth of a block: a packed B micro-panel, kc×nr floats (16 KiB), stays in
	// half of L1 while the mr-row slivers of A stream past it.
	kc = 256
	// mc is the height of a block of A, mc×kc floats (144 KiB), kept in L2 and reused
	// for every B micro-panel of the block; a multiple of mr.
	mc = 144
	// nc is the widest block of packed B, kc×nc floats (4 MiB), kept in L3 and reused
	// for every block of A; a multiple of nr.
	nc = 4096
)

// Work thresholds, in multiply-adds (m·n·k).
const (
	// Below smallWork the packed path's fixed costs (about 150 ns) outweigh its speed;
	// measured, plain dot products win at 4×4×4 and lose 3 to 1 at 8×8×8.
	smallWork = 256
	// Below parallelWork one goroutine finishes before the pool's workers wake.
	parallelWork = 64 * 1024
)

// sharedAMax is the most elements of A that goroutines splitting C by columns read in
// common, where it lies: 4 MiB, an eighth of L3.
const sharedAMax = 1 << 20

// sharedBMax is the most elements of op(B) packed at once for goroutines splitting C by
// rows: 4 MiB, kc×nc, in L3 while it is used. Products with more are done in chunks of
// columns (nc at most) and of depth (whole blocks of kc). (A variable so that tests can
// make chunks of small products.)
var sharedBMax = kc * nc

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where op(X) is X
// or Xᵀ as transX says, op(A) is m×k, op(B) is k×n and C is m×n. lda, ldb and ldc are
// the row strides of A, B and C as stored (A is k×m as stored when transA is set).
// beta == 0 overwrites C without reading it, so NaNs in C do not propagate; alpha == 0
// or k == 0 leaves only beta·C. Elements of C outside the m×n matrix are not touched.
//
// Sgemm panics when a dimension is negative, a stride is smaller than its row, or a
// slice is too short for the matrix it holds. The result depends only on the arguments,
// not on GOMAXPROCS or on timing.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative dimension m = %d, n = %d, k = %d", m, n, k))
	}
	aRows, aCols := m, k
	if transA {
		aRows, aCols = k, m
	}
	bRows, bCols := k, n
	if transB {
		bRows, bCols = n, k
	}
	checkMatrix("a", aRows, aCols, a, lda)
	checkMatrix("b", bRows, bCols, b, ldb)
	checkMatrix("c", m, n, c, ldc)

	switch {
	case m == 0 || n == 0:
	case k == 0 || alpha == 0:
		scale(m, n, beta, c, ldc)
	case m*n*k < smallWork:
		sgemmSmall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	default:
		sgemmBlocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

// checkMatrix panics unless x holds a rows×cols matrix with row stride ld.
func checkMatrix(name string, rows, cols int, x []float32, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("gemm: ld%s = %d, must be at least max(1, %d), the columns of %s as stored", name, ld, cols, name))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("gemm: len(%s) = %d, must be at least %d for %d×%d with stride %d", name, len(x), (rows-1)*ld+cols, rows, cols, ld))
	}
}

// scale sets C = beta·C, or C = 0 when beta == 0.
func scale(m, n int, beta float32, c []float32, ldc int) {
	for i := range m {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
			continue
		}
		for j := range ci {
			ci[j] *= beta
		}
	}
}

// sgemmSmall is the path for products too small to repay packing: dot products in the
// order of the reference, accumulated in float32.
func sgemmSmall(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	aStrideI, aStrideP := lda, 1
	if transA {
		aStrideI, aStrideP = 1, lda
	}
	bStrideP, bStrideJ := ldb, 1
	if transB {
		bStrideP, bStrideJ = 1, ldb
	}
	for i := range m {
		for j := range n {
			var sum float32
			ai, bj := i*aStrideI, j*bStrideJ
			for p := range k {
				sum += a[ai+p*aStrideP] * b[bj+p*bStrideP]
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * sum
			} else {
				c[i*ldc+j] = alpha*sum + beta*c[i*ldc+j]
			}
		}
	}
}

// problem is one Sgemm call on the blocked path.
type problem struct {
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int

	// packA says whether compute copies A into panels or reads it where it lies.
	packA bool
	// byRows says whether the units handed to goroutines are strips or panels. Split by
	// rows, the product is done in chunks, columns [j0, j1) of op(B) at depths [p0, p1),
	// each packed once into sharedB, block pc at (pc-p0)*roundUp(j1-j0, nr), and read by
	// every goroutine.
	byRows  bool
	j0, j1  int
	p0, p1  int
	sharedB []float32
	// run and pack are p.computeUnits and p.packUnits, bound once so that handing them
	// to the pool allocates nothing.
	run, pack func(lo, hi int)
}

var problems = sync.Pool{New: func() any {
	p := new(problem)
	p.run, p.pack = p.computeUnits, p.packUnits
	return p
}}

// sgemmBlocked computes C on one goroutine when the product is small or GOMAXPROCS is 1,
// packing each block of B just before it uses it. Otherwise it hands contiguous runs of
// strips (mr rows of C) or of panels (nr columns) to the pool. Split by rows, the
// goroutines first pack op(B) together, then all read it; split by columns, each packs
// the panels of B it uses, and A is shared, read where it lies. Columns win when there are
// more of them, or when A is small enough to be shared from cache and read where it lies.
// Strip and panel boundaries do not depend on the split, and packing does not change the
// arithmetic, so every tile of C is computed the same way whatever GOMAXPROCS is.
func sgemmBlocked(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	p := problems.Get().(*problem)
	defer func() {
		*p = problem{run: p.run, pack: p.pack} // keep no reference to the caller's matrices
		problems.Put(p)
	}()
	*p = problem{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, run: p.run, pack: p.pack}

	workers := runtime.GOMAXPROCS(0)
	if m*n*k < parallelWork || workers == 1 || poolBusy() {
		// One goroutine (the pool is busy when Sgemm is called from a parallel loop)
		// packs each block of B just before it uses it, while it is in cache.
		p.packA = packsA(n, lda)
		p.compute(0, m, 0, n)
		return
	}
	strips := (m + mr - 1) / mr
	panels := (n + nr - 1) / nr
	p.byRows = strips >= panels
	if p.byRows && panels >= 2*workers && m*k <= sharedAMax && !packsA(n/workers, lda) {
		p.byRows = false
	}
	// Up to 4 parts per goroutine balance the load when the CPU is shared (other work on
	// the machine, other goroutines of the program): a goroutine short of CPU holds up
	// one part. Split by columns with A packed, each part packs A, so there are fewer.
	parts := 4 * workers
	if !p.byRows {
		p.packA = packsA(n/min(workers, panels), lda)
		if p.packA {
			parts = workers
		}
		parallelParts(panels, parts, p.run)
		return
	}
	p.packA = packsA(n, lda)
	width := min(nc, roundUp(n, nr))
	depth := max(kc, sharedBMax/width/kc*kc)
	shared := getWorkspace(0, min(k, depth)*width)
	defer putWorkspace(shared)
	for p.j0 = 0; p.j0 < n; p.j0 += width {
		p.j1 = min(n, p.j0+width)
		for p.p0 = 0; p.p0 < k; p.p0 += depth {
			p.p1 = min(k, p.p0+depth)
			p.sharedB = shared.b[:(p.p1-p.p0)*roundUp(p.j1-p.j0, nr)]
			parallelParts((p.j1-p.j0+nr-1)/nr, parts, p.pack)
			// Each part reads the shared B once per block of mc rows: parts of fewer
			// rows would read it more often.
			parallelParts(strips, min(parts, (m+mc-1)/mc), p.run)
		}
	}
}

// computeUnits computes strips [lo, hi) or panels [lo, hi) of C, as p.byRows says.
func (p *problem) computeUnits(lo, hi int) {
	if p.byRows {
		p.compute(lo*mr, min(hi*mr, p.m), p.j0, p.j1)
	} else {
		p.compute(0, p.m, lo*nr, min(hi*nr, p.n))
	}
}

// packUnits packs panels [lo, hi) of the chunk of op(B) into sharedB.
func (p *problem) packUnits(lo, hi int) {
	width := roundUp(p.j1-p.j0, nr)
	cols := min(hi*nr, p.j1-p.j0) - lo*nr
	for pc := p.p0; pc < p.p1; pc += kc {
		kcb := min(kc, p.k-pc)
		packPanelsB(p.sharedB[(pc-p.p0)*width+lo*nr*kcb:], p.transB, p.b, p.ldb, pc, kcb, p.j0+lo*nr, cols)
	}
}

// packsA reports whether to pack A for blocks of C n columns wide. Packing costs a pass
// over A per block of nc columns, which pays when n is wide enough to reuse the panels
// many times. Unpacked, the kernel reads A where it lies: six row streams for A as stored,
// or six consecutive floats per column for Aᵀ as stored. Unpacked reads are avoided when
// the stride is a multiple of 512 floats (2 KiB), where the streams would compete for the
// same L1 sets.
func packsA(n, lda int) bool {
	return n >= 512 || lda%512 == 0
}

// workspace holds one goroutine's packed panels.
type workspace struct {
	a    []float32 // ⌈mc/mr⌉ micro-panels of A, each mr×kc, element (i, p) at p*mr+i
	b    []float32 // ⌈nc/nr⌉ micro-panels of B, each kc×nr, element (p, j) at p*nr+j
	edge [mr * nr]float32
}

// workspaces is a free list rather than a sync.Pool, which the garbage collector empties:
// a workspace (up to 4.6 MB) is made once per goroutine that computes at the same time
// and then reused, so that a steady stream of calls allocates no panels.
var workspaces struct {
	sync.Mutex
	free []*workspace
}

// getWorkspace returns a workspace with room for panels of the given sizes.
func getWorkspace(aSize, bSize int) *workspace {
	workspaces.Lock()
	var w *workspace
	if n := len(workspaces.free); n > 0 {
		w = workspaces.free[n-1]
		workspaces.free = workspaces.free[:n-1]
	} else {
		w = new(workspace)
	}
	workspaces.Unlock()
	if len(w.a) < aSize {
		w.a = make([]float32, aSize)
	}
	if len(w.b) < bSize {
		w.b = make([]float32, bSize)
	}
	return w
}

func putWorkspace(w *workspace) {
	workspaces.Lock()
	workspaces.free = append(workspaces.free, w)
	workspaces.Unlock()
}

// compute does rows [i0, i1) and columns [j0, j1) of C; i0 is a multiple of mr and j0
// of nr. It packs op(B) block by block, unless p.sharedB holds the chunk [j0, j1) ×
// [p0, p1) of it already.
func (p *problem) compute(i0, i1, j0, j1 int) {
	kcMax := min(kc, p.k)
	bSize := kcMax * roundUp(min(nc, j1-j0), nr)
	p0, p1 := 0, p.k
	if p.sharedB != nil {
		bSize, p0, p1 = 0, p.p0, p.p1
	}
	w := getWorkspace(roundUp(min(mc, i1-i0), mr)*kcMax, bSize)
	defer putWorkspace(w)
	for jc := j0; jc < j1; jc += nc {
		ncb := min(nc, j1-jc)
		for pc := p0; pc < p1; pc += kc {
			kcb := min(kc, p.k-pc)
			beta := p.beta
			if pc > 0 {
				beta = 1
			}
			bBlock := w.b
			if p.sharedB != nil {
				bBlock = p.sharedB[(pc-p0)*roundUp(ncb, nr):]
			} else {
				packPanelsB(bBlock, p.transB, p.b, p.ldb, pc, kcb, jc, ncb)
			}
			for ic := i0; ic < i1; ic += mc {
				mcb := min(mc, i1-ic)
				fullRows := mcb / mr * mr
				var packedRsa, packedCsa int
				if p.packA {
					packedRsa, packedCsa = packPanelsA(w.a, p.transA, p.a, p.lda, ic, mcb, pc, kcb)
				} else if fullRows < mcb {
					// The last strip of A is partial: pack it, zero-padded, so that the
					// kernel reads no row beyond A.
					packedRsa, packedCsa = packPanelsA(w.a, p.transA, p.a, p.lda, ic+fullRows, mcb-fullRows, pc, kcb)
				}
				// strip returns strip ir of the block of A as the kernel reads it.
				strip := func(ir int) (a []float32, rsa, csa int) {
					switch {
					case p.packA:
						return w.a[ir*kcb:], packedRsa, packedCsa
					case ir == fullRows:
						return w.a, packedRsa, packedCsa
					case p.transA:
						return p.a[pc*p.lda+ic+ir:], 1, p.lda
					default:
						return p.a[(ic+ir)*p.lda+pc:], p.lda, 1
					}
				}
				// Blocks of 2×2 tiles go to kernelBlock when whole (the last strip,
				// if partial, is packed apart from the others), the rest tile by tile.
				for jr := 0; jr < ncb; jr += 2 * nr {
					for ir := 0; ir < mcb; ir += 2 * mr {
						ct := p.c[(ic+ir)*p.ldc+jc+jr:]
						if ir+2*mr <= fullRows && jr+2*nr <= ncb {
							a0, rsa, csa := strip(ir)
							a1, _, _ := strip(ir + mr)
							kernelBlock(kcb, a0, a1, rsa, csa, bBlock[jr*kcb:], bBlock[(jr+nr)*kcb:], ct, p.ldc, p.alpha, beta)
							continue
						}
						for i := ir; i < min(ir+2*mr, mcb); i += mr {
							a, rsa, csa := strip(i)
							rows := min(mr, mcb-i)
							for j := jr; j < min(jr+2*nr, ncb); j += nr {
								b, cols := bBlock[j*kcb:], min(nr, ncb-j)
								ct := p.c[(ic+i)*p.ldc+jc+j:]
								if rows == mr && cols == nr {
									kernel(kcb, a, rsa, csa, b, ct, p.ldc, p.alpha, beta)
									continue
								}
								kernel(kcb, a, rsa, csa, b, w.edge[:], nr, p.alpha, 0)
								storeEdge(rows, cols, w.edge[:], beta, ct, p.ldc)
							}
						}
					}
				}
			}
		}
	}
}

// roundUp returns n rounded up to a multiple of m.
func roundUp(n, m int) int { return (n + m - 1) / m * m }

// storeEdge writes the rows×cols corner of a tile computed with beta = 0 into C, adding
// beta·C as the kernel does for a full tile.
func storeEdge(rows, cols int, tile []float32, beta float32, c []float32, ldc int) {
	for i := range rows {
		ci := c[i*ldc : i*ldc+cols]
		ti := tile[i*nr : i*nr+cols]
		if beta == 0 {
			copy(ci, ti)
			continue
		}
		for j, t := range ti {
			ci[j] = fma32(beta, ci[j], t)
		}
	}
}

// packPanelsA packs rows [i0, i0+rows) and columns [p0, p0+kcb) of op(A) into mr-row
// micro-panels, panel s at dst[s*mr*kcb:], zero-padding the last panel to mr rows, and
// returns where element (i, p) of a panel lies: at i*rsa + p*csa. A as stored is copied a
// row at a time (rsa = kcb, csa = 1), Aᵀ as stored a column at a time (rsa = 1, csa = mr),
// so that either way the copy reads and writes in order.
func packPanelsA(dst []float32, trans bool, a []float32, lda, i0, rows, p0, kcb int) (rsa, csa int) {
	panels := (rows + mr - 1) / mr
	if rows%mr != 0 {
		// The padding rows compute discarded results; zeros keep them cheap and finite.
		clear(dst[(panels-1)*mr*kcb : panels*mr*kcb])
	}
	if !trans {
		for i := range rows {
			copy(dst[i*kcb:(i+1)*kcb], a[(i0+i)*lda+p0:])
		}
		return kcb, 1
	}
	// op(A)(i, p) = a[p*lda+i]: mr consecutive floats per column.
	for q := range kcb {
		src := a[(p0+q)*lda+i0 : (p0+q)*lda+i0+rows]
		for s := range panels {
			d := dst[s*mr*kcb+q*mr : s*mr*kcb+q*mr+mr]
			if len(src) < mr {
				copy(d, src)
				break
			}
			*(*[mr]float32)(d) = *(*[mr]float32)(src)
			src = src[mr:]
		}
	}
	return 1, mr
}

// packPanelsB packs rows [p0, p0+kcb) and columns [j0, j0+cols) of op(B) into nr-column
// micro-panels, element (p, j) of panel t at dst[t*kcb*nr+p*nr+j], zero-padding the last
// panel to nr columns.
func packPanelsB(dst []float32, trans bool, b []float32, ldb, p0, kcb, j0, cols int) {
	for t := 0; t*nr < cols; t++ {
		panel := dst[t*kcb*nr : (t+1)*kcb*nr]
		col0 := j0 + t*nr
		switch w := min(nr, cols-t*nr); {
		case w < nr:
			packPartialPanelB(panel, trans, b, ldb, p0, kcb, col0, w)
		case trans:
			packPanelBTrans(panel, b[col0*ldb+p0:], ldb, kcb)
		default:
			packPanelB(panel, b[p0*ldb+col0:], ldb, kcb)
		}
	}
}

// packPanelB copies kcb rows of 16 floats, the rows of b ldb apart, into panel. (Kept
// small so that the compiler keeps its loop in registers; four 16-byte moves, as the
// compiler moves a [4]float32 without a call.)
func packPanelB(panel, b []float32, ldb, kcb int) {
	for q := range kcb {
		d := panel[q*nr : q*nr+nr : q*nr+nr]
		s := b[q*ldb : q*ldb+nr : q*ldb+nr]
		*(*[4]float32)(d[0:4]) = *(*[4]float32)(s[0:4])
		*(*[4]float32)(d[4:8]) = *(*[4]float32)(s[4:8])
		*(*[4]float32)(d[8:12]) = *(*[4]float32)(s[8:12])
		*(*[4]float32)(d[12:16]) = *(*[4]float32)(s[12:16])
	}
}

// packPanelBTrans packs a panel of op(B) = Bᵀ: panel[q*nr+j] = b[j*ldb+q], a transpose
// of 16 rows of b, eight rows at a time.
func packPanelBTrans(panel, b []float32, ldb, kcb int) {
	for half := 0; half < nr; half += 8 {
		row := func(j int) []float32 {
			i := (half + j) * ldb
			return b[i : i+kcb : i+kcb]
		}
		r0, r1, r2, r3, r4, r5, r6, r7 := row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7)
		for q := 0; q < kcb; q++ {
			d := (*[8]float32)(panel[q*nr+half:])
			d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = r0[q], r1[q], r2[q], r3[q], r4[q], r5[q], r6[q], r7[q]
		}
	}
}

// packPartialPanelB packs the last panel, w < nr columns wide, padded with zeros: the
// padding columns compute discarded results, and zeros keep them cheap.
func packPartialPanelB(panel []float32, trans bool, b []float32, ldb, p0, kcb, col0, w int) {
	clear(panel)
	for j := range w {
		for q := range kcb {
			if trans {
				panel[q*nr+j] = b[(col0+j)*ldb+p0+q]
			} else {
				panel[q*nr+j] = b[(p0+q)*ldb+col0+j]
			}
		}
	}
}
