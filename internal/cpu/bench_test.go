package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/org/gotl/internal/device"
)

// convBenchShapes are convolutions of the models gotl trains: a ResNet stage-4 3x3 at
// batch 8, the first (one input channel) and second convolutions of a Fashion-MNIST
// network at batch 64, a ResNet bottleneck's pointwise reduction and a stride-2 3x3.
var convBenchShapes = []struct {
	name string
	p    device.Conv2DParams
}{
	{"resnet-3x3-256-14x14-batch8", device.Conv2DParams{N: 8, H: 14, W: 14, InC: 256, OutH: 14, OutW: 14, OutC: 256,
		KH: 3, KW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1}},
	{"fashion-3x3-1to32-28x28-batch64", device.Conv2DParams{N: 64, H: 28, W: 28, InC: 1, OutH: 28, OutW: 28, OutC: 32,
		KH: 3, KW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1}},
	{"fashion-3x3-32to64-14x14-batch64", device.Conv2DParams{N: 64, H: 14, W: 14, InC: 32, OutH: 14, OutW: 14, OutC: 64,
		KH: 3, KW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1}},
	{"resnet-1x1-1024to256-14x14-batch8", device.Conv2DParams{N: 8, H: 14, W: 14, InC: 1024, OutH: 14, OutW: 14, OutC: 256,
		KH: 1, KW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}},
	{"resnet-3x3-128-stride2-28x28-batch8", device.Conv2DParams{N: 8, H: 28, W: 28, InC: 128, OutH: 14, OutW: 14, OutC: 128,
		KH: 3, KW: 3, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: 0, PadLeft: 0}},
}

// BenchmarkConv2D reports GFLOP/s, 2·N·OutH·OutW·OutC·KH·KW·InC per call, of each pass.
func BenchmarkConv2D(b *testing.B) {
	var backend Backend
	for _, s := range convBenchShapes {
		p := s.p
		random := rand.New(rand.NewPCG(1, 2))
		buffer := func(n int) device.Buffer {
			buffer := backend.Alloc(n)
			for i := range Slice(buffer) {
				Slice(buffer)[i] = random.Float32()*2 - 1
			}
			return buffer
		}
		x, w, y := buffer(p.InputLen()), buffer(p.KernelLen()), buffer(p.OutputLen())
		flops := 2 * float64(p.OutputLen()) * float64(p.KH*p.KW*p.InC)
		for _, pass := range []struct {
			name string
			run  func()
		}{
			{"forward", func() { backend.Conv2D(&p, x, w, y) }},
			{"backward-data", func() { backend.Conv2DBackwardData(&p, y, w, x) }},
			{"backward-filter", func() { backend.Conv2DBackwardFilter(&p, x, y, w) }},
		} {
			b.Run(s.name+"/"+pass.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					pass.run()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
