package layers

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/nn"
)

// countingFuser is the cpu backend with its FusedConv2D calls counted, and among them
// those with a normalization, a residual and a ReLU.
type countingFuser struct {
	device.Backend
	calls, normalized, residual, relu int
}

func (b *countingFuser) FusedConv2D(p *device.FusedConv2DParams, o *device.FusedConv2DOperands) {
	b.calls++
	if o.Mean != nil {
		b.normalized++
	}
	if o.Residual != nil {
		b.residual++
	}
	if p.Activation == device.ReLU {
		b.relu++
	}
	b.Backend.(device.Conv2DFuser).FusedConv2D(p, o)
}

// plainBackend is the cpu backend without FusedConv2D: every layer runs on its own.
type plainBackend struct{ device.Backend }

// fusionModel is two residual blocks in the style of keras.applications' ResNet (conv,
// BatchNormalization, ReLU; a projection shortcut; Add; ReLU), then a conv with its own
// ReLU and one with a sigmoid, with explicit names so that every build has the same
// weights. tap names a layer whose output is a second output of the model (breaking a
// fused chain there), or "".
func fusionModel(t *testing.T, backend device.Backend, tap string) *nn.Model {
	x := nn.Input(9, 9, 5)
	convBN := func(x *nn.Node, name string, filters, kernel, strides int, relu bool) *nn.Node {
		x = NewConv2D(filters, kernel, Conv2DConfig{Name: name + "_conv", Strides: strides, Padding: Same}).Call(x)
		x = NewBatchNormalization(BatchNormalizationConfig{Name: name + "_bn", Epsilon: 1.001e-5}).Call(x)
		if relu {
			x = NewActivation(ReLU, ActivationConfig{Name: name + "_relu"}).Call(x)
		}
		return x
	}
	y := x
	for b, strides := range []int{1, 2} {
		name := []string{"block1", "block2"}[b]
		shortcut := convBN(y, name+"_0", 12, 1, strides, false)
		y = convBN(y, name+"_1", 6, 1, strides, true)
		y = convBN(y, name+"_2", 6, 3, 1, true)
		y = convBN(y, name+"_3", 12, 1, 1, false)
		y = NewAdd(MergeConfig{Name: name + "_add"}).Call(shortcut, y)
		y = NewReLU(ActivationConfig{Name: name + "_out"}).Call(y)
	}
	y = NewConv2D(7, 1, Conv2DConfig{Name: "head_relu", Activation: ReLU}).Call(y)
	y = NewConv2D(3, 3, Conv2DConfig{Name: "head_sigmoid", Activation: Sigmoid}).Call(y)
	outputs := []*nn.Node{y}
	m, err := nn.NewModel([]*nn.Node{x}, outputs, nn.WithBackend(backend), nn.WithSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	if tap != "" {
		node, err := m.LayerOutput(tap)
		if err != nil {
			t.Fatal(err)
		}
		if m, err = nn.NewModel(m.Inputs(), append(outputs, node)); err != nil {
			t.Fatal(err)
		}
	}
	// Moving statistics away from Keras's initial 0 and 1, the same for every build.
	rng := rand.New(rand.NewPCG(1, 1))
	for _, v := range m.Variables() {
		values := make([]float32, v.Len())
		for i := range values {
			switch v.ShortName() {
			case "moving_variance", "gamma":
				values[i] = 0.5 + rng.Float32()
			case "moving_mean", "beta", "bias":
				values[i] = rng.Float32() - 0.5
			default:
				values[i] = v.Read()[i]
			}
		}
		if err := v.Assign(values); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// TestInferenceFusion: in inference the convolutions run as FusedConv2D, each absorbing
// its BatchNormalization, ReLU and residual Add, and the outputs equal those of the same
// model with every layer on its own, also when an output of the model cuts a chain.
func TestInferenceFusion(t *testing.T) {
	cpu, err := device.Open("cpu")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	x := make([]float32, 3*9*9*5)
	for i := range x {
		x[i] = 2*rng.Float32() - 1
	}
	input := tensor.New(tensor.WithShape(3, 9, 9, 5), tensor.WithBacking(x))
	predict := func(m *nn.Model) []*tensor.Dense {
		ys, err := m.PredictAll(context.Background(), []*tensor.Dense{input}, 2)
		if err != nil {
			t.Fatal(err)
		}
		return ys
	}
	want := predict(fusionModel(t, plainBackend{cpu}, ""))[0].Data().([]float32)
	for _, tc := range []struct {
		tap string
		// FusedConv2D calls per batch: all, with a normalization, a residual, a ReLU.
		calls, normalized, residual, relu int
	}{
		// The 8 convs of the blocks and head_relu fuse; head_sigmoid's forward pass adds
		// its bias through FusedConv2D too, and applies its sigmoid on its own.
		{"", 10, 8, 2, 7},
		// The tap cuts block1_1's chain after its BatchNormalization: its ReLU runs alone.
		{"block1_1_bn", 10, 8, 2, 6},
		// block2_3's output is an output: its BatchNormalization, Add and ReLU run alone.
		{"block2_3_conv", 10, 7, 1, 6},
		// A tap at the end of a chain or on a conv with its own ReLU changes nothing.
		{"block1_out", 10, 8, 2, 7},
		{"head_relu", 10, 8, 2, 7},
	} {
		counter := &countingFuser{Backend: cpu}
		m := fusionModel(t, counter, tc.tap)
		got := predict(m)[0].Data().([]float32)
		const batches = 2
		if c := counter; c.calls != tc.calls*batches || c.normalized != tc.normalized*batches ||
			c.residual != tc.residual*batches || c.relu != tc.relu*batches {
			t.Errorf("tap %q: FusedConv2D calls (all, normalized, residual, ReLU) = %d, %d, %d, %d for %d batches, want %d, %d, %d, %d per batch",
				tc.tap, c.calls, c.normalized, c.residual, c.relu, batches, tc.calls, tc.normalized, tc.residual, tc.relu)
		}
		scale := 0.0
		for _, v := range want {
			scale = max(scale, math.Abs(float64(v)))
		}
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*scale {
				t.Fatalf("tap %q: output [%d] = %v, unfused %v", tc.tap, i, got[i], want[i])
			}
		}
	}
}
