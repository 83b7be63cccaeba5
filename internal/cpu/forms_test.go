package cpu

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/org/gotl/internal/cpu/gemm"
	"github.com/org/gotl/internal/device"
)

// TestFusedConv2DFollowsWrites: the folded kernel kept with w is made again after any of
// the variables it was folded from is written, through whichever backend operation, so
// the result always equals a FusedConv2D on fresh buffers (which fold afresh).
func TestFusedConv2DFollowsWrites(t *testing.T) {
	var b Backend
	rng := rand.New(rand.NewPCG(3, 4))
	p := &device.FusedConv2DParams{
		Conv: device.Conv2DParams{N: 2, H: 6, W: 5, InC: 4, OutH: 6, OutW: 5, OutC: 9, KH: 3, KW: 3,
			StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1},
		Epsilon: 1e-3, Activation: device.ReLU,
	}
	random := func(n int, lo, hi float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = lo + (hi-lo)*rng.Float32()
		}
		return v
	}
	upload := func(v []float32) device.Buffer {
		buffer := b.Alloc(len(v))
		b.Upload(buffer, v)
		return buffer
	}
	c := p.Conv.OutC
	host := [][]float32{random(p.Conv.InputLen(), -1, 1), random(p.Conv.KernelLen(), -1, 1), random(c, -1, 1),
		random(c, 0.5, 1.5), random(c, -1, 1), random(c, -0.5, 0.5), random(c, 0.5, 2)}
	operands := func(buffers []device.Buffer) *device.FusedConv2DOperands {
		return &device.FusedConv2DOperands{X: buffers[0], W: buffers[1], Bias: buffers[2], Gamma: buffers[3],
			Beta: buffers[4], Mean: buffers[5], Variance: buffers[6], Y: buffers[7]}
	}
	var kept []device.Buffer
	for _, v := range host {
		kept = append(kept, upload(v))
	}
	kept = append(kept, b.Alloc(p.Conv.OutputLen()))
	b.FusedConv2D(p, operands(kept))

	check := func(what string) {
		t.Helper()
		b.FusedConv2D(p, operands(kept))
		fresh := make([]device.Buffer, len(kept))
		for i, buffer := range kept {
			fresh[i] = upload(Slice(buffer))
		}
		b.FusedConv2D(p, operands(fresh))
		if got, want := Slice(kept[7]), Slice(fresh[7]); !slices.Equal(got, want) {
			t.Errorf("after %s: the kept kernel gives a different result from a fresh one", what)
		}
	}
	check("nothing")
	b.Upload(kept[1], random(p.Conv.KernelLen(), -1, 1))
	check("uploading w")
	b.Axpby(c, 0.5, kept[2], 1, kept[2])
	check("Axpby into the bias")
	b.Adam(&device.AdamParams{LearningRate: 0.1, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 1}, c, kept[3],
		upload(random(c, -1, 1)), b.Alloc(c), b.Alloc(c), nil)
	check("an Adam step on gamma")
	b.SGD(&device.SGDParams{LearningRate: 0.1}, c, kept[4], upload(random(c, -1, 1)), nil)
	check("an SGD step on beta")
	rows := 5
	b.BatchNormTraining(&device.BatchNormParams{Rows: rows, C: c, Epsilon: 1e-3, Momentum: 0.5}, upload(random(rows*c, -3, 3)),
		nil, nil, b.Alloc(rows*c), b.Alloc(c), b.Alloc(c), kept[5], kept[6])
	check("a training batch normalization updating the moving statistics")
	b.Fill(kept[6], c, 4)
	check("filling the variance")
	p.Epsilon = 0.5
	check("a new epsilon")
	if y := Slice(kept[7]); slices.ContainsFunc(y, func(v float32) bool { return math.IsNaN(float64(v)) }) {
		t.Error("NaN in the output")
	}
}

// TestGemmPackedOperand: Gemm keeps op(B) packed from the second product on, with the
// bits of Sgemm, and packs it again once B is written.
func TestGemmPackedOperand(t *testing.T) {
	var b Backend
	rng := rand.New(rand.NewPCG(6, 7))
	for _, transB := range []bool{false, true} {
		const m, n, k, ldb = 13, 37, 70, 71
		random := func(n int) device.Buffer {
			v := make([]float32, n)
			for i := range v {
				v[i] = 2*rng.Float32() - 1
			}
			buffer := b.Alloc(n)
			b.Upload(buffer, v)
			return buffer
		}
		a, bm := random(m*k), random(max(k, n)*ldb)
		check := func(what string) {
			t.Helper()
			got := b.Alloc(m * n)
			b.Gemm(false, transB, m, n, k, 1, a, k, bm, ldb, 0, got, n)
			want := make([]float32, m*n)
			gemm.Sgemm(false, transB, m, n, k, 1, Slice(a), k, Slice(bm), ldb, 0, want, n)
			if !slices.Equal(Slice(got), want) {
				t.Errorf("transB=%v, %s: Gemm differs from Sgemm", transB, what)
			}
		}
		check("first product")
		check("second product (packed)")
		check("third product (kept)")
		if f := bm.(*buffer).forms; f == nil || !f.operand.made {
			t.Fatalf("transB=%v: op(B) not kept after three products", transB)
		}
		b.Axpby(m*k, 0.5, a, 1, bm)
		check("after a write to B")
		check("second product after the write")
	}
}

// TestConvFormsFollowWrites: the packed forms kept with a convolution kernel (forward,
// transposed, turned) are made again after the kernel is written, so every pass equals the
// same pass on a fresh kernel buffer.
func TestConvFormsFollowWrites(t *testing.T) {
	var b Backend
	rng := rand.New(rand.NewPCG(8, 8))
	random := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = 2*rng.Float32() - 1
		}
		return v
	}
	upload := func(v []float32) device.Buffer {
		buffer := b.Alloc(len(v))
		b.Upload(buffer, v)
		return buffer
	}
	for _, p := range []device.Conv2DParams{
		{N: 2, H: 6, W: 5, InC: 16, OutH: 6, OutW: 5, OutC: 7, KH: 3, KW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1},
		{N: 2, H: 7, W: 7, InC: 5, OutH: 4, OutW: 4, OutC: 6, KH: 3, KW: 3, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1},
		{N: 2, H: 4, W: 3, InC: 9, OutH: 4, OutW: 3, OutC: 20, KH: 1, KW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1},
	} {
		x, dy, w := upload(random(p.InputLen())), upload(random(p.OutputLen())), upload(random(p.KernelLen()))
		check := func(what string) {
			t.Helper()
			fresh := upload(Slice(w))
			for _, pass := range []struct {
				name string
				run  func(w, out device.Buffer)
				n    int
			}{
				{"Conv2D", func(w, y device.Buffer) { b.Conv2D(&p, x, w, y) }, p.OutputLen()},
				{"Conv2DBackwardData", func(w, dx device.Buffer) { b.Conv2DBackwardData(&p, dy, w, dx) }, p.InputLen()},
			} {
				kept, want := b.Alloc(pass.n), b.Alloc(pass.n)
				pass.run(w, kept)
				pass.run(fresh, want)
				if !slices.Equal(Slice(kept), Slice(want)) {
					t.Errorf("%+v %s after %s: the kept forms give another result than a fresh kernel", p, pass.name, what)
				}
			}
		}
		check("nothing")
		check("nothing again (forms kept)")
		b.Upload(w, random(p.KernelLen()))
		check("an upload")
		b.SGD(&device.SGDParams{LearningRate: 0.5}, p.KernelLen(), w, upload(random(p.KernelLen())), nil)
		check("an SGD step")
	}
}
