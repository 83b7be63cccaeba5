// Package devicetest is the conformance suite of device.Backend implementations: it runs
// every operation of a backend on random and odd shapes and compares the results with the
// float64 reference backend (package ref).
//
// Each case uploads float32-representable inputs, so that a float32 backend and the
// reference solve the same problem, into buffers a few elements longer than the operation
// needs. Every element of an output buffer starts as NaN, so a cell the backend fails to
// write shows up; the elements past the logical length must still be NaN afterwards (the
// backend wrote nothing beyond), and every input buffer must come back unchanged. Outputs
// are compared with the reference relative to the largest reference magnitude of each
// output, with a tolerance that suits float32.
package devicetest

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/internal/ref"
)

// tolerance is the largest accepted |got − want| / max|want| of an output: a few
// hundred float32 roundings, which covers sums of a few thousand terms.
const tolerance = 2e-5

// slack is how many elements each buffer has beyond what the operation uses.
const slack = 3

// operand is one buffer of a case.
type operand struct {
	// data is the initial contents, length values; nil for a pure output, which starts
	// all NaN.
	data   []float64
	length int
	// output marks a buffer the operation writes (compared with the reference);
	// any other buffer must come back unchanged.
	output bool
	// holes marks an output whose logical range has cells the operation must leave alone
	// (the gaps of a matrix stored with a wider row stride): where the reference leaves
	// NaN, so must the backend.
	holes bool
}

// input is a buffer the operation only reads.
func input(data []float64) operand { return operand{data: data, length: len(data)} }

// output is a buffer of n elements the operation overwrites.
func output(n int) operand { return operand{length: n, output: true} }

// inPlace is a buffer the operation reads and updates.
func inPlace(data []float64) operand { return operand{data: data, length: len(data), output: true} }

// unused is o for a call that leaves the buffer out (passes nil, or an optimizer slot it
// does not use): the buffer must come back unchanged.
func unused(o operand) operand { return operand{data: o.data, length: o.length} }

// initial is the host image of the operand's buffer before the operation: its data, NaN
// elsewhere.
func (o operand) initial() []float64 {
	host := make([]float64, o.length+slack)
	for i := range host {
		host[i] = math.NaN()
	}
	copy(host, o.data)
	return host
}

// testCase is one call of one operation.
type testCase struct {
	name     string
	operands []operand
	// run calls the operation on buffers holding the operands, in order, and returns its
	// scalar results, if any.
	run func(b device.Backend, buffers []device.Buffer) []float64
	// fused marks a case of device.Conv2DFuser, skipped on backends without it.
	fused bool
}

// supports reports whether b implements what c calls.
func (c *testCase) supports(b device.Backend) bool {
	_, fuser := b.(device.Conv2DFuser)
	return !c.fused || fuser
}

// result is what a case left in a backend: each buffer whole (slack included) and the
// scalar results.
type result struct {
	buffers [][]float64
	scalars []float64
}

// execute runs c on b in fresh buffers and returns what it left in them.
func execute(b device.Backend, c *testCase) result {
	buffers := make([]device.Buffer, len(c.operands))
	for i, o := range c.operands {
		host := o.initial()
		buffers[i] = b.Alloc(len(host))
		b.Upload64(buffers[i], host)
	}
	var r result
	r.scalars = c.run(b, buffers)
	for _, buffer := range buffers {
		host := make([]float64, buffer.Len())
		b.Download64(host, buffer)
		r.buffers = append(r.buffers, host)
	}
	return r
}

// RunAll runs every case on b and on the reference backend and reports each difference.
func RunAll(t *testing.T, b device.Backend) {
	var reference ref.Backend
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			if !c.supports(b) {
				t.Skipf("%s does not implement device.Conv2DFuser", b.Name())
			}
			compare(t, c, execute(reference, c), execute(b, c))
		})
	}
}

// CheckDeterministic runs every case on b once for each GOMAXPROCS value in procs and
// requires bit-identical results.
func CheckDeterministic(t *testing.T, b device.Backend, procs ...int) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range cases() {
		if !c.supports(b) {
			continue
		}
		var first result
		for i, p := range procs {
			runtime.GOMAXPROCS(p)
			r := execute(b, c)
			if i == 0 {
				first = r
				continue
			}
			if where := firstDifference(first, r); where != "" {
				t.Errorf("%s: GOMAXPROCS %d and %d differ: %s", c.name, procs[0], p, where)
			}
		}
	}
}

// firstDifference describes the first bit that differs between two results, or is "".
func firstDifference(a, b result) string {
	for i := range a.buffers {
		for j := range a.buffers[i] {
			if math.Float64bits(a.buffers[i][j]) != math.Float64bits(b.buffers[i][j]) {
				return fmt.Sprintf("buffer %d [%d]: %g vs %g", i, j, a.buffers[i][j], b.buffers[i][j])
			}
		}
	}
	for i := range a.scalars {
		if math.Float64bits(a.scalars[i]) != math.Float64bits(b.scalars[i]) {
			return fmt.Sprintf("scalar %d: %g vs %g", i, a.scalars[i], b.scalars[i])
		}
	}
	return ""
}

// compare reports each way in which got, from the backend under test, falls short of
// want, from the reference, for case c.
func compare(t *testing.T, c *testCase, want, got result) {
	t.Helper()
	for i, o := range c.operands {
		w, g := want.buffers[i], got.buffers[i]
		if !o.output {
			if j := firstChange(o.initial(), g); j >= 0 {
				t.Errorf("input buffer %d was modified at [%d]: %g became %g", i, j, o.initial()[j], g[j])
			}
			continue
		}
		for j := o.length; j < len(g); j++ {
			if !math.IsNaN(g[j]) {
				t.Errorf("output buffer %d: wrote [%d] = %g past its logical length %d", i, j, g[j], o.length)
				break
			}
		}
		compareOutput(t, fmt.Sprintf("output buffer %d", i), o.holes, w[:o.length], g[:o.length])
	}
	compareOutput(t, "scalar result", false, want.scalars, got.scalars)
}

// firstChange is the first index where two host images differ (NaN equals NaN), or −1.
func firstChange(before, after []float64) int {
	for j := range before {
		if before[j] != after[j] && !(math.IsNaN(before[j]) && math.IsNaN(after[j])) {
			return j
		}
	}
	return -1
}

// compareOutput checks got against want relative to max|want|.
func compareOutput(t *testing.T, name string, holes bool, want, got []float64) {
	t.Helper()
	scale := 0.0
	for _, v := range want {
		if !math.IsNaN(v) {
			scale = max(scale, math.Abs(v))
		}
	}
	scale = max(scale, math.SmallestNonzeroFloat32)
	worst, worstAt := 0.0, -1
	for j, w := range want {
		switch {
		case math.IsNaN(w) && !holes:
			t.Errorf("%s: the reference left [%d] unwritten", name, j)
			return
		case math.IsNaN(w) && !math.IsNaN(got[j]):
			t.Errorf("%s: wrote [%d] = %g, a cell the operation must not touch", name, j, got[j])
			return
		case math.IsNaN(w):
		case math.IsNaN(got[j]):
			t.Errorf("%s: [%d] is NaN (unwritten?), want %g", name, j, w)
			return
		default:
			if err := math.Abs(got[j]-w) / scale; err > worst {
				worst, worstAt = err, j
			}
		}
	}
	if worst > tolerance {
		t.Errorf("%s: [%d] = %.9g, want %.9g: error %.3g of the largest magnitude %.4g (tolerance %.3g)",
			name, worstAt, got[worstAt], want[worstAt], worst, scale, tolerance)
	}
}
