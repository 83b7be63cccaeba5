package layers

import (
	"fmt"
	"testing"

	"github.com/org/gotl/nn"
	"github.com/org/gotl/nn/nntest"
)

// cases lists every layer in the configurations the gradient checks and the cpu-vs-
// reference comparisons cover: strides 1-3 on odd sizes, dilation 2, both paddings,
// batch 1, BatchNormalization in training mode, every activation.
func cases() []nntest.Case {
	var cs []nntest.Case
	add := func(name string, inputs [][]int, newLayer func() nn.Layer) {
		cs = append(cs, nntest.Case{Name: name + " " + nntest.Shapes(inputs), New: newLayer, Inputs: inputs, Seed: uint64(len(cs) + 1)})
	}
	for _, pad := range []Padding{Valid, Same} {
		for _, s := range []int{1, 2, 3} {
			add(fmt.Sprintf("Conv2D 3x3 s%d %v", s, pad), [][]int{{2, 7, 9, 3}}, func() nn.Layer {
				return NewConv2D(4, 3, Conv2DConfig{Strides: s, Padding: pad})
			})
		}
		add(fmt.Sprintf("Conv2D 3x3 dilation 2 %v", pad), [][]int{{1, 9, 8, 2}}, func() nn.Layer {
			return NewConv2D(3, 3, Conv2DConfig{DilationRate: 2, Padding: pad})
		})
		add(fmt.Sprintf("Conv2D 1x7 s2 relu no bias %v", pad), [][]int{{1, 5, 11, 3}}, func() nn.Layer {
			return NewConv2DKernel(5, 1, 7, Conv2DConfig{Strides: 2, Padding: pad, Activation: ReLU, NoBias: true})
		})
	}
	add("Conv2D 7x7 s2 same tanh", [][]int{{1, 13, 13, 3}}, func() nn.Layer {
		return NewConv2D(2, 7, Conv2DConfig{Strides: 2, Padding: Same, Activation: Tanh})
	})
	add("Conv2D 1x1", [][]int{{3, 4, 5, 6}}, func() nn.Layer { return NewConv2D(7, 1) })
	add("Dense", [][]int{{3, 5}}, func() nn.Layer { return NewDense(4) })
	add("Dense rank 3 sigmoid", [][]int{{2, 3, 5}}, func() nn.Layer { return NewDense(4, DenseConfig{Activation: Sigmoid}) })
	add("Dense softmax", [][]int{{1, 6}}, func() nn.Layer { return NewDense(5, DenseConfig{Activation: Softmax}) })
	add("Dense no bias elu", [][]int{{4, 3}}, func() nn.Layer { return NewDense(2, DenseConfig{NoBias: true, Activation: ELU}) })
	add("BatchNormalization 4-D", [][]int{{3, 4, 5, 6}}, func() nn.Layer { return NewBatchNormalization() })
	add("BatchNormalization 2-D", [][]int{{5, 7}}, func() nn.Layer { return NewBatchNormalization() })
	add("BatchNormalization no scale eps 1.001e-5", [][]int{{2, 3, 3, 4}}, func() nn.Layer {
		return NewBatchNormalization(BatchNormalizationConfig{NoScale: true, Epsilon: 1.001e-5})
	})
	add("BatchNormalization no center", [][]int{{4, 3}}, func() nn.Layer {
		return NewBatchNormalization(BatchNormalizationConfig{NoCenter: true})
	})
	for _, f := range []ActivationFunc{Linear, ReLU, Softmax, Sigmoid, Tanh, Softplus, Softsign, ELU, SELU, Swish, ReLU6} {
		add("Activation "+f.String(), [][]int{{2, 3, 5}}, func() nn.Layer { return NewActivation(f) })
	}
	add("ReLU", [][]int{{2, 9}}, func() nn.Layer { return NewReLU() })
	add("Dropout 0.3", [][]int{{4, 10}}, func() nn.Layer { return NewDropout(0.3) })
	add("Flatten", [][]int{{2, 3, 4, 5}}, func() nn.Layer { return NewFlatten() })
	for _, pad := range []Padding{Valid, Same} {
		add(fmt.Sprintf("MaxPooling2D 3 s2 %v", pad), [][]int{{2, 7, 9, 3}}, func() nn.Layer {
			return NewMaxPooling2D(3, Pooling2DConfig{Strides: 2, Padding: pad})
		})
		add(fmt.Sprintf("AveragePooling2D 3 s1 %v", pad), [][]int{{1, 5, 6, 2}}, func() nn.Layer {
			return NewAveragePooling2D(3, Pooling2DConfig{Strides: 1, Padding: pad})
		})
		add(fmt.Sprintf("AveragePooling2D 2 %v", pad), [][]int{{2, 5, 7, 2}}, func() nn.Layer {
			return NewAveragePooling2D(2, Pooling2DConfig{Padding: pad})
		})
	}
	add("GlobalAveragePooling2D", [][]int{{2, 3, 5, 4}}, func() nn.Layer { return NewGlobalAveragePooling2D() })
	add("GlobalMaxPooling2D", [][]int{{2, 3, 5, 4}}, func() nn.Layer { return NewGlobalMaxPooling2D() })
	add("GlobalAveragePooling2D keepdims", [][]int{{1, 4, 4, 3}}, func() nn.Layer {
		return NewGlobalAveragePooling2D(GlobalPooling2DConfig{KeepDims: true})
	})
	add("ZeroPadding2D asymmetric", [][]int{{2, 3, 4, 2}}, func() nn.Layer { return NewZeroPadding2DSides(1, 2, 0, 3) })
	add("Add", [][]int{{2, 3, 4}, {2, 3, 4}, {2, 3, 4}}, func() nn.Layer { return NewAdd() })
	add("Concatenate channels", [][]int{{2, 3, 3, 2}, {2, 3, 3, 5}}, func() nn.Layer { return NewConcatenate() })
	add("Concatenate axis 1", [][]int{{2, 1, 4}, {2, 3, 4}}, func() nn.Layer { return NewConcatenate(ConcatenateConfig{Axis: 1}) })
	add("ScaleSum 0.17", [][]int{{2, 3, 3, 4}, {2, 3, 3, 4}}, func() nn.Layer { return NewScaleSum(0.17) })
	return cs
}

func TestGradients(t *testing.T) {
	worst := 0.0
	for _, c := range cases() {
		worst = max(worst, nntest.CheckGradients(t, c, 1e-6))
	}
	t.Logf("largest relative gradient error: %.3g", worst)
}

func TestCPUMatchesReference(t *testing.T) {
	for _, c := range cases() {
		nntest.CompareBackends(t, c, 0)
	}
}

func TestInferenceMatchesReference(t *testing.T) {
	for _, c := range cases() {
		c.Inference = true
		nntest.CompareBackends(t, c, 0)
	}
}
