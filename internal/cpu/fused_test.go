package cpu

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

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
