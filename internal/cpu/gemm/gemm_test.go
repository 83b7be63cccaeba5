package gemm

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// sgemmFunc is the signature shared by Sgemm and the paths it chooses between.
type sgemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// packing returns the blocked path, on one goroutine, with A packed or not.
func packing(packA bool) sgemmFunc {
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		p := &problem{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, packA: packA}
		p.compute(0, m, 0, n)
	}
}

// gemmCase is one call: shapes, transposes, scalars and padding of each row stride.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int // extra columns in every leading dimension, poisoned with NaN
}

func (tc gemmCase) String() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s/m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d", t(tc.transA), t(tc.transB), tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// operands are the inputs of a case laid out with padding.
type operands struct {
	a, b, c       []float32
	lda, ldb, ldc int
}

// newOperands fills A, B and C with values in [-1, 1) and every padding cell with NaN.
func newOperands(tc gemmCase, rng *rand.Rand) operands {
	aRows, aCols := tc.m, tc.k
	if tc.transA {
		aRows, aCols = tc.k, tc.m
	}
	bRows, bCols := tc.k, tc.n
	if tc.transB {
		bRows, bCols = tc.n, tc.k
	}
	fill := func(rows, cols int) ([]float32, int) {
		ld := max(1, cols+tc.pad)
		x := make([]float32, rows*ld)
		for i := range x {
			if i%ld < cols {
				x[i] = 2*rng.Float32() - 1
			} else {
				x[i] = float32(math.NaN())
			}
		}
		return x, ld
	}
	var o operands
	o.a, o.lda = fill(aRows, aCols)
	o.b, o.ldb = fill(bRows, bCols)
	o.c, o.ldc = fill(tc.m, tc.n)
	return o
}

// checkCase runs f on one case and fails unless C is within a rounding bound of the
// reference, the padding of C is untouched, and A and B are unchanged.
func checkCase(t *testing.T, f sgemmFunc, tc gemmCase, rng *rand.Rand) {
	t.Helper()
	o := newOperands(tc, rng)
	a0, b0, c0 := slices.Clone(o.a), slices.Clone(o.b), slices.Clone(o.c)
	if tc.beta == 0 {
		// Poison C: beta == 0 must not read it.
		for i := range o.c {
			o.c[i] = float32(math.NaN())
		}
		c0 = slices.Clone(o.c)
	}

	f(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, o.c, o.ldc)

	want := slices.Clone(c0)
	SgemmReference(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, want, o.ldc)
	// bound is the reference applied to absolute values: |alpha|·|A|·|B| + |beta|·|C|.
	abs := func(x []float32) []float32 {
		y := make([]float32, len(x))
		for i, v := range x {
			y[i] = float32(math.Abs(float64(v)))
		}
		return y
	}
	bound := abs(c0)
	SgemmReference(tc.transA, tc.transB, tc.m, tc.n, tc.k, abs32(tc.alpha), abs(o.a), o.lda, abs(o.b), o.ldb, abs32(tc.beta), bound, o.ldc)

	if !bitsEqual(o.a, a0) || !bitsEqual(o.b, b0) {
		t.Fatalf("%v: an input changed", tc)
	}
	const eps = 0x1p-24
	bad := 0
	for i := range o.c {
		if i%o.ldc >= tc.n {
			if math.Float32bits(o.c[i]) != math.Float32bits(c0[i]) {
				t.Fatalf("%v: padding C[%d][%d] written: %v", tc, i/o.ldc, i%o.ldc, o.c[i])
			}
			continue
		}
		tol := float64(tc.k+3) * eps * float64(bound[i])
		if d := math.Abs(float64(o.c[i]) - float64(want[i])); !(d <= tol) {
			if bad++; bad <= 3 {
				t.Errorf("%v: C[%d][%d] = %v, want %v ± %.3g", tc, i/o.ldc, i%o.ldc, o.c[i], want[i], tol)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%v: %d of %d elements wrong", tc, bad, tc.m*tc.n)
	}
}

func abs32(x float32) float32 { return float32(math.Abs(float64(x))) }

// bitsEqual compares bit patterns, so that NaNs compare equal to themselves.
func bitsEqual(x, y []float32) bool {
	return slices.EqualFunc(x, y, func(u, v float32) bool { return math.Float32bits(u) == math.Float32bits(v) })
}

var transposes = [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}

// TestBlockedTileEdges covers every remainder of the register tile in m and n, with k
// around the kernel's unroll, on the packed path.
func TestBlockedTileEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{1, 2, 3, 4, 5, mr - 1, mr, mr + 1, 2*mr + 1, nr - 1, nr, nr + 1, 2*nr + 3}
	for _, tr := range transposes {
		for _, m := range sizes {
			for _, n := range sizes {
				for _, k := range []int{1, 3, 4, 5, 9} {
					checkCase(t, sgemmBlocked, gemmCase{tr[0], tr[1], m, n, k, 1, 0, 3}, rng)
				}
			}
		}
	}
}

// TestBlockedPacking covers A read where it lies and packed, with its edges.
func TestBlockedPacking(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, tr := range transposes {
		for _, packA := range []bool{false, true} {
			for _, s := range [][3]int{{mr, nr, 5}, {2*mr + 1, 3*nr - 1, 31}, {mc + 5, nr + 2, kc + 3}, {40, 2*nr + 7, 2*kc + 1}} {
				tc := gemmCase{tr[0], tr[1], s[0], s[1], s[2], 0.75, 0.5, 3}
				checkCase(t, packing(packA), tc, rng)
				tc.beta = 0
				checkCase(t, packing(packA), tc, rng)
			}
		}
	}
}

// TestSgemm covers the paths Sgemm picks between: blocks of A, panels of B, depths
// across kc, both splits across goroutines, and strides larger than widths.
func TestSgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := [][3]int{
		{1, 1, 1}, {7, 5, 3}, {17, 33, 1}, {13, 29, 31},
		{mr*3 + 1, nr*2 - 1, kc - 1}, {mr * 4, nr * 4, kc}, {23, 45, kc + 1}, {50, 35, 2*kc + 7},
		{mc + 1, 3*nr + 5, 70}, {2*mc - 1, 40, 37}, {11, 200, 129}, {5, 700, 33}, {130, 600, 40},
		{300, 37, 520}, {64, 2 * 512, 16},
	}
	scalars := [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}, {2.5, -1}}
	for _, tr := range transposes {
		for si, s := range shapes {
			sc := scalars[si%len(scalars)]
			for _, pad := range []int{0, 5} {
				checkCase(t, Sgemm, gemmCase{tr[0], tr[1], s[0], s[1], s[2], sc[0], sc[1], pad}, rng)
			}
		}
	}
}

// TestSgemmSharedChunks: split by rows, the product is done in chunks of columns and
// depth when op(B) is too big to pack at once.
func TestSgemmSharedChunks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	rng := rand.New(rand.NewPCG(25, 26))
	checkCase(t, Sgemm, gemmCase{false, true, 1600, nc + 5, 3, 1, 0.5, 0}, rng) // 2 chunks of columns
	defer func(max int) { sharedBMax = max }(sharedBMax)
	sharedBMax = 3000
	for _, tr := range transposes {
		checkCase(t, Sgemm, gemmCase{tr[0], tr[1], 200, 45, 2*kc + 30, 1, 0, 1}, rng) // 3 chunks of depth
		checkCase(t, Sgemm, gemmCase{tr[0], tr[1], 300, 45, 40, 1, -1, 0}, rng)
	}
}

// TestSgemmLeadingDimensions uses strides that are multiples of 512, where A is packed
// even for narrow C, and a stride of exactly the width.
func TestSgemmLeadingDimensions(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tr := range transposes {
		checkCase(t, Sgemm, gemmCase{tr[0], tr[1], 40, 48, 500, 1, 0.5, 12}, rng)
		checkCase(t, Sgemm, gemmCase{tr[0], tr[1], 40, 48, 512, 1, 0, 0}, rng)
	}
}

func TestSgemmSmall(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tr := range transposes {
		for _, s := range [][3]int{{1, 1, 1}, {3, 2, 5}, {6, 16, 8}, {9, 7, 11}} {
			checkCase(t, sgemmSmall, gemmCase{tr[0], tr[1], s[0], s[1], s[2], 1.5, -2, 2}, rng)
			checkCase(t, sgemmSmall, gemmCase{tr[0], tr[1], s[0], s[1], s[2], 1, 0, 2}, rng)
		}
	}
}

// TestSgemmDegenerate covers k = 0, alpha = 0 and empty C: only beta·C remains.
func TestSgemmDegenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []gemmCase{
		{false, false, 7, 9, 0, 1, 0, 2},
		{false, true, 7, 9, 0, 1, 3, 2},
		{true, false, 20, 30, 40, 0, 0.5, 1},
		{true, true, 20, 30, 40, 0, 0, 1},
		{false, false, 0, 9, 4, 1, 1, 0},
		{false, false, 9, 0, 4, 1, 1, 0},
	} {
		checkCase(t, Sgemm, tc, rng)
	}
}

// TestSgemmAlphaZeroIgnoresNaN: with alpha = 0, A·B is not formed, as in the reference BLAS.
func TestSgemmAlphaZeroIgnoresNaN(t *testing.T) {
	a := []float32{float32(math.NaN()), 1, 2, 3}
	b := []float32{1, 2, 3, float32(math.Inf(1))}
	c := []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 2, 0, a, 2, b, 2, 2, c, 2)
	if want := []float32{2, 4, 6, 8}; !slices.Equal(c, want) {
		t.Fatalf("C = %v, want %v", c, want)
	}
}

// TestSgemmDeterministic: the bits of C depend on neither the run nor GOMAXPROCS.
func TestSgemmDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, tc := range []gemmCase{
		{false, false, 301, 77, 600, 1, 0.5, 3}, // split by rows
		{true, true, 23, 531, 300, 1, 0, 0},     // split by columns
		{false, true, 100, 1030, 260, -1, 1, 1}, // A packed
	} {
		o := newOperands(tc, rng)
		c0 := slices.Clone(o.c)
		var first []float32
		for _, procs := range []int{1, 2, 3, 4, 7, 2} {
			runtime.GOMAXPROCS(procs)
			c := slices.Clone(c0)
			Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, c, o.ldc)
			if first == nil {
				first = c
			} else if !bitsEqual(c, first) {
				t.Fatalf("%v: GOMAXPROCS=%d changed the result", tc, procs)
			}
		}
	}
}

func TestSgemmPanics(t *testing.T) {
	x := make([]float32, 12)
	for _, tc := range []struct {
		name string
		call func()
		want string
	}{
		{"negative m", func() { Sgemm(false, false, -1, 2, 2, 1, x, 2, x, 2, 0, x, 2) }, "gemm: negative dimension m = -1, n = 2, k = 2"},
		{"small lda", func() { Sgemm(false, false, 2, 2, 3, 1, x, 2, x, 2, 0, x, 2) }, "gemm: lda = 2, must be at least max(1, 3), the columns of a as stored"},
		{"small ldb trans", func() { Sgemm(false, true, 2, 2, 3, 1, x, 3, x, 2, 0, x, 2) }, "gemm: ldb = 2, must be at least max(1, 3), the columns of b as stored"},
		{"short c", func() { Sgemm(false, false, 3, 4, 1, 1, x, 1, x, 4, 0, x[:11], 4) }, "gemm: len(c) = 11, must be at least 12 for 3×4 with stride 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				got := fmt.Sprint(recover())
				if !strings.Contains(got, tc.want) {
					t.Fatalf("panic %q, want %q", got, tc.want)
				}
			}()
			tc.call()
		})
	}
}

// TestKernelGenericReference checks the Go twin of the micro-kernel against a float64
// dot product with every stride layout the driver uses.
func TestKernelGenericReference(t *testing.T) {
	testKernel(t, kernelGeneric)
}

// testKernel checks one kernel against a float64 reference tile.
func testKernel(t *testing.T, kern func(k int, a []float32, rsa, csa int, b []float32, c []float32, ldc int, alpha, beta float32)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(13, 14))
	for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 33, 256} {
		for _, layout := range [][2]int{{1, mr}, {k + 3, 1}, {1, mr + 5}} {
			rsa, csa := layout[0], layout[1]
			a := randomSlice(rng, (mr-1)*rsa+(k-1)*csa+1)
			b := randomSlice(rng, k*nr)
			for _, beta := range []float32{0, 1, -0.75} {
				const ldc = nr + 3
				c := randomSlice(rng, (mr-1)*ldc+nr)
				if beta == 0 {
					for i := range c {
						c[i] = float32(math.NaN())
					}
				}
				c0 := slices.Clone(c)
				kern(k, a, rsa, csa, b, c, ldc, 1.25, beta)
				for i := range mr {
					for j := range nr {
						var dot, bound float64
						for p := range k {
							x := float64(a[i*rsa+p*csa]) * float64(b[p*nr+j])
							dot += x
							bound += math.Abs(x)
						}
						want := 1.25 * dot
						if beta != 0 {
							want += float64(beta) * float64(c0[i*ldc+j])
							bound += math.Abs(float64(beta) * float64(c0[i*ldc+j]))
						}
						if d := math.Abs(float64(c[i*ldc+j]) - want); !(d <= float64(k+3)*0x1p-24*2*bound) {
							t.Fatalf("k=%d rsa=%d csa=%d beta=%g: c[%d][%d] = %v, want %v", k, rsa, csa, beta, i, j, c[i*ldc+j], want)
						}
					}
					for j := nr; i < mr-1 && j < ldc; j++ {
						if math.Float32bits(c[i*ldc+j]) != math.Float32bits(c0[i*ldc+j]) {
							t.Fatalf("k=%d: c[%d][%d] beyond the tile written", k, i, j)
						}
					}
				}
			}
		}
	}
}

func randomSlice(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = 2*rng.Float32() - 1
	}
	return x
}

// TestFma32 checks the single rounding against cases where rounding twice (to float64,
// then to float32) gives the wrong answer, and against math/big on random operands.
func TestFma32(t *testing.T) {
	one := float32(1 + 0x1p-12) // one² = 1 + 2⁻¹¹ + 2⁻²⁴: exactly halfway between floats
	for _, tc := range []struct{ x, y, z, want float32 }{
		{one, one, 0x1p-80, 1 + 0x1p-11 + 0x1p-23}, // just above halfway: up
		{one, one, -0x1p-80, 1 + 0x1p-11},          // just below: down
		{one, one, 0, 1 + 0x1p-11},                 // a tie: to even
		{-one, one, -0x1p-80, -(1 + 0x1p-11 + 0x1p-23)},
		{2, 3, 4, 10},
		{math.MaxFloat32, 2, -math.MaxFloat32, math.MaxFloat32},
		{math.MaxFloat32, 2, 0, float32(math.Inf(1))},
		{0x1p-100, 0x1p-49, 0, 0x1p-149}, // subnormal result
	} {
		if got := fma32(tc.x, tc.y, tc.z); got != tc.want {
			t.Errorf("fma32(%g, %g, %g) = %g, want %g", tc.x, tc.y, tc.z, got, tc.want)
		}
	}
	if got := fma32(float32(math.Inf(1)), 0, 1); !math.IsNaN(float64(got)) {
		t.Errorf("fma32(+Inf, 0, 1) = %g, want NaN", got)
	}
	rng := rand.New(rand.NewPCG(15, 16))
	for range 100000 {
		x := math.Float32frombits(rng.Uint32()&0x807fffff | 0x3f000000 + rng.Uint32N(3)<<23)
		y := math.Float32frombits(rng.Uint32()&0x807fffff | 0x3f000000 + rng.Uint32N(3)<<23)
		z := math.Float32frombits(rng.Uint32()&0x807fffff | 0x3f000000 + rng.Uint32N(60)<<23 - 30<<23)
		if got, want := fma32(x, y, z), fma32Big(x, y, z); got != want {
			t.Fatalf("fma32(%g, %g, %g) = %g, want %g", x, y, z, got, want)
		}
	}
}

// fma32Big is x·y + z rounded once to float32 by math/big.
func fma32Big(x, y, z float32) float32 {
	p := new(big.Float).SetPrec(400).Mul(big.NewFloat(float64(x)), big.NewFloat(float64(y)))
	p.Add(p, big.NewFloat(float64(z)))
	f, _ := p.Float32()
	return f
}

// TestSgemmAllocations: once its workspaces exist, Sgemm allocates nothing of its own, on
// one goroutine or several (see the bound below). (A garbage collection may empty the pool of problem structs, so
// the test takes the best of three runs.)
func TestSgemmAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	w1, w2 := getWorkspace(mc*kc, kc*nc), getWorkspace(mc*kc, kc*nc)
	putWorkspace(w1)
	putWorkspace(w2)
	rng := rand.New(rand.NewPCG(19, 20))
	for _, s := range [][3]int{{40, 30, 20}, {300, 200, 100}} {
		a, b, c := randomSlice(rng, s[0]*s[2]), randomSlice(rng, s[2]*s[1]), make([]float32, s[0]*s[1])
		call := func() { Sgemm(false, false, s[0], s[1], s[2], 1, a, s[2], b, s[1], 0, c, s[1]) }
		call()
		const calls = 200
		fewest := uint64(math.MaxUint64)
		for range 3 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range calls {
				call()
			}
			runtime.ReadMemStats(&after)
			fewest = min(fewest, after.Mallocs-before.Mallocs)
		}
		// Sgemm itself allocates nothing once its workspaces exist, so an allocation per call
		// (200 or more) fails here. The runtime may still allocate when the caller parks in
		// the pool's WaitGroup.Wait (workers slower than the spin, e.g. with -tags noasm or
		// under load): a 112-byte sudog when its P's sudog cache has drained to the other P's,
		// measured 11 in 200 calls with noasm, none with the assembly.
		if fewest >= calls/4 {
			t.Errorf("m, n, k = %v: %d allocations in %d calls", s, fewest, calls)
		}
	}
}
