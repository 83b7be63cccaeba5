package nn_test

import (
	"testing"

	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/nn/nntest"
)

// residualBlock is a small model with a shortcut (a node feeding two consumers, whose
// gradients the graph must sum), a two-branch concatenation and BatchNormalization.
func residualBlock(device string) nn.Layer {
	x := nn.Input(5, 5, 3)
	a := layers.NewConv2D(3, 3, layers.Conv2DConfig{Padding: layers.Same}).Call(x)
	a = layers.NewBatchNormalization().Call(a)
	a = layers.NewActivation(layers.Tanh).Call(a)
	b := layers.NewConv2D(2, 1).Call(x)
	cat := layers.NewConcatenate().Call(a, b)
	up := layers.NewConv2D(3, 1).Call(cat)
	sum := layers.NewScaleSum(0.3).Call(x, up)
	y := layers.NewAdd().Call(sum, x)
	m, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y}, nn.WithDevice(device))
	if err != nil {
		panic(err)
	}
	return m
}

// TestNestedModelGradients checks a model used as a layer, in training mode, against
// finite differences, and the cpu backend against the reference.
func TestNestedModelGradients(t *testing.T) {
	c := nntest.Case{Name: "residual block", NewOn: residualBlock, Inputs: [][]int{{2, 5, 5, 3}}, Seed: 3}
	nntest.CheckGradients(t, c, 1e-6)
	nntest.CompareBackends(t, c, 0)
}

// TestFrozenPartGradients: with the first convolution frozen, the gradient still flows
// through it to the input, and its BatchNormalization runs in inference mode.
func TestFrozenPartGradients(t *testing.T) {
	c := nntest.Case{Name: "partly frozen block", Inputs: [][]int{{2, 5, 5, 3}}, Seed: 4, NewOn: func(device string) nn.Layer {
		m := residualBlock(device).(*nn.Model)
		if err := m.SetTrainableRange(1, 3, false); err != nil { // conv2d, batch_normalization
			panic(err)
		}
		return m
	}}
	nntest.CheckGradients(t, c, 1e-6)
	nntest.CompareBackends(t, c, 0)
}
