package nn_test

import (
	"strings"
	"testing"

	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
)

// pad right-pads each line to width, as Keras's print_row leaves them.
func pad(width int, lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		if len(l) < width && !strings.HasPrefix(l, "Model:") && !strings.HasPrefix(l, "Total") && !strings.HasPrefix(l, "Trainable") && !strings.HasPrefix(l, "Non-trainable") {
			l += strings.Repeat(" ", width-len(l))
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func TestSummarySequential(t *testing.T) {
	m := sequentialHead(t)
	want := pad(65,
		`Model: "sequential"`,
		`_________________________________________________________________`,
		`Layer (type)                 Output Shape              Param #`,
		`=================================================================`,
		`conv2d (Conv2D)              (None, 4, 4, 3)           57`,
		`_________________________________________________________________`,
		`batch_normalization (BatchNo (None, 4, 4, 3)           12`,
		`_________________________________________________________________`,
		`flatten (Flatten)            (None, 48)                0`,
		`_________________________________________________________________`,
		`dense (Dense)                (None, 3)                 147`,
		`=================================================================`,
		`Total params: 216`,
		`Trainable params: 210`,
		`Non-trainable params: 6`,
		`_________________________________________________________________`,
	)
	if got := m.Summary(); got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
}

func TestSummaryFunctional(t *testing.T) {
	x := nn.Input(3)
	a := layers.NewDense(2, layers.DenseConfig{Name: "a"}).Call(x)
	b := layers.NewDense(2, layers.DenseConfig{Name: "a_very_long_layer_name_that_is_cut"}).Call(x)
	y := layers.NewAdd(layers.MergeConfig{Name: "sum"}).Call(a, b)
	m, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y}, nn.WithName("two_branches"))
	if err != nil {
		t.Fatal(err)
	}
	want := pad(98,
		`Model: "two_branches"`,
		`__________________________________________________________________________________________________`,
		`Layer (type)                    Output Shape         Param #     Connected to`,
		`==================================================================================================`,
		`input_1 (InputLayer)            [(None, 3)]          0`,
		`__________________________________________________________________________________________________`,
		`a (Dense)                       (None, 2)            8           input_1[0][0]`,
		`__________________________________________________________________________________________________`,
		`a_very_long_layer_name_that_is_ (None, 2)            8           input_1[0][0]`,
		`__________________________________________________________________________________________________`,
		`sum (Add)                       (None, 2)            0           a[0][0]`,
		`                                                                 a_very_long_layer_name_that_is_cu`,
		`==================================================================================================`,
		`Total params: 16`,
		`Trainable params: 16`,
		`Non-trainable params: 0`,
		`__________________________________________________________________________________________________`,
	)
	if got := m.Summary(); got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
}
