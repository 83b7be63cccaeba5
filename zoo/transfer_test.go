package zoo_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/optim"
	"github.com/org/gotl/zoo"
)

// kerasSummary14 is KERAS.md §1.4's summary of the workflow's model (TF 2.4-2.6 renderer):
// ResNet101 at 224×224 without the top, frozen, under Flatten, BatchNormalization,
// Dense(256, relu), Dropout(0.5), Dense(15, softmax). Table rows are padded to 65 columns.
var kerasSummary14 = padRows(`Model: "sequential"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
resnet101 (Functional)       (None, 7, 7, 2048)        42658176
_________________________________________________________________
flatten (Flatten)            (None, 100352)            0
_________________________________________________________________
batch_normalization (BatchNo (None, 100352)            401408
_________________________________________________________________
dense (Dense)                (None, 256)               25690368
_________________________________________________________________
dropout (Dropout)            (None, 256)               0
_________________________________________________________________
dense_1 (Dense)              (None, 15)                3855
=================================================================
Total params: 68,753,807
Trainable params: 25,894,927
Non-trainable params: 42,858,880
_________________________________________________________________
`)

// padRows pads the table rows (not the title, rules or totals) to 65 columns.
func padRows(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l == "" || strings.HasPrefix(l, "Model:") || strings.Contains(l, "params:") || strings.Trim(l, "_=") == "" {
			continue
		}
		lines[i] = l + strings.Repeat(" ", 65-len(l))
	}
	return strings.Join(lines, "\n")
}

// transferModel is the seed's model: base frozen under the workflow's head.
func transferModel(t *testing.T, base *nn.Model) *nn.Model {
	t.Helper()
	base.SetTrainable(false)
	m, err := nn.NewSequential([]nn.Layer{
		base,
		layers.NewFlatten(),
		layers.NewBatchNormalization(),
		layers.NewDense(256, layers.DenseConfig{Activation: layers.ReLU}),
		layers.NewDropout(0.5),
		layers.NewDense(15, layers.DenseConfig{Activation: layers.Softmax}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func trainableParams(m *nn.Model) (trainable, nonTrainable int) {
	for _, v := range m.TrainableVariables() {
		trainable += v.Len()
	}
	return trainable, m.CountParams() - trainable
}

// TestTransferSummary: the workflow's model prints exactly Keras's summary, and unfreezing
// the base (all of it, from a named layer, from an index) gives Keras's trainable counts.
func TestTransferSummary(t *testing.T) {
	base, err := zoo.ResNet101(zoo.Config{InputShape: []int{224, 224, 3}})
	if err != nil {
		t.Fatal(err)
	}
	m := transferModel(t, base)
	if got := m.Summary(); got != kerasSummary14 {
		t.Errorf("summary:\n%s\nwant (KERAS.md §1.4):\n%s", got, kerasSummary14)
	}
	base.SetTrainable(true)
	if tr, non := trainableParams(m); tr != 68_447_759 || non != 306_048 {
		t.Errorf("unfrozen: %d trainable, %d non-trainable; want 68,447,759 and 306,048", tr, non)
	}
	if s := m.Summary(); !strings.Contains(s, "Trainable params: 68,447,759\nNon-trainable params: 306,048\n") {
		t.Errorf("unfrozen summary totals:\n%s", s[len(s)-150:])
	}

	// Unfreezing from conv5_block1_1_conv trains the layers from its model.layers index on
	// (conv5_block1_0_conv included: Keras lists it after conv5_block1_2_relu), plus the head.
	arch := readArch(t, "resnet101")
	const head = 25_894_927
	from := slices.IndexFunc(arch.Layers, func(l archLayer) bool { return l.Name == "conv5_block1_1_conv" })
	want := head
	for _, l := range arch.Layers[from:] {
		if l.Name != "avg_pool" && l.Name != "predictions" {
			want += l.TrainableParams
		}
	}
	if err := base.UnfreezeFromLayer("conv5_block1_1_conv"); err != nil {
		t.Fatal(err)
	}
	if tr, _ := trainableParams(m); tr != want || want == head {
		t.Errorf("unfrozen from conv5_block1_1_conv: %d trainable, want %d", tr, want)
	}
	for name, trainable := range map[string]bool{
		"conv5_block1_0_conv": true, "conv5_block1_1_bn": true, "conv5_block3_out": true,
		"conv4_block23_out": false, "conv4_block23_3_bn": false, "conv1_conv": false, "input_1": false,
	} {
		l, err := base.Layer(name)
		if err != nil {
			t.Fatal(err)
		}
		if l.Trainable() != trainable {
			t.Errorf("%s: trainable %v, want %v", name, l.Trainable(), trainable)
		}
	}
	if err := base.UnfreezeFrom(from); err != nil {
		t.Fatal(err)
	}
	if tr, _ := trainableParams(m); tr != want {
		t.Errorf("UnfreezeFrom(%d): %d trainable, want %d", from, tr, want)
	}
	if err := base.UnfreezeFrom(0); err != nil {
		t.Fatal(err)
	}
	if tr, _ := trainableParams(m); tr != 68_447_759 {
		t.Errorf("UnfreezeFrom(0): %d trainable", tr)
	}
	if err := base.UnfreezeFromLayer("conv9_block1_1_conv"); err == nil {
		t.Error("unfreezing from a missing layer: no error")
	}
}

// TestTransferFunctional: the same head on a base in the functional API, and KERAS.md §10's
// frozen totals for ResNet101V2.
func TestTransferFunctional(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ResNet101V2 with a 25M-parameter head")
	}
	base, err := zoo.ResNet101V2(zoo.Config{InputShape: []int{224, 224, 3}})
	if err != nil {
		t.Fatal(err)
	}
	base.SetTrainable(false)
	x := nn.Input(224, 224, 3)
	y := base.Call(x)
	y = layers.NewFlatten().Call(y)
	y = layers.NewBatchNormalization().Call(y)
	y = layers.NewDense(256, layers.DenseConfig{Activation: layers.ReLU}).Call(y)
	y = layers.NewDropout(0.5).Call(y)
	y = layers.NewDense(15, layers.DenseConfig{Activation: layers.Softmax}).Call(y)
	m, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	if tr, non := trainableParams(m); m.CountParams() != 68_722_191 || tr != 25_894_927 || non != 42_827_264 {
		t.Errorf("totals %d / %d / %d, want 68,722,191 / 25,894,927 / 42,827,264", m.CountParams(), tr, non)
	}
	if names := []string{m.Layers()[0].Name(), m.Layers()[1].Name()}; !slices.Equal(names, []string{"input_2", "resnet101v2"}) {
		t.Errorf("first layers %v, want [input_2 resnet101v2] (the base holds input_1)", names)
	}
}

// oneBatch is a dataset of one batch.
type oneBatch struct{ b nn.Batch }

func (d *oneBatch) Len() int                                            { return 1 }
func (d *oneBatch) Batch(ctx context.Context, i int) (*nn.Batch, error) { return &d.b, nil }

// TestTransferTraining trains the head on a frozen base, then part of the base: frozen
// variables (BatchNormalization's moving statistics included) stay as they are, the others
// move; an unfrozen BatchNormalization updates its moving statistics (TF2).
func TestTransferTraining(t *testing.T) {
	base, err := zoo.ResNet50(zoo.Config{InputShape: []int{32, 32, 3}})
	if err != nil {
		t.Fatal(err)
	}
	m := transferModel(t, base)
	const n = 4
	x := make([]float32, n*32*32*3)
	for i := range x {
		x[i] = float32(i%255) - 120
	}
	y := make([]float32, n*15)
	for i := range n {
		y[i*15+i] = 1
	}
	ds := &oneBatch{nn.Batch{
		X: []*tensor.Dense{tensor.New(tensor.WithShape(n, 32, 32, 3), tensor.WithBacking(x))},
		Y: tensor.New(tensor.WithShape(n, 15), tensor.WithBacking(y)),
	}}
	step := func() map[string][]float32 {
		t.Helper()
		before := map[string][]float32{}
		for _, v := range m.Variables() {
			before[v.Name()] = v.Read()
		}
		sgd, err := optim.NewSGD(optim.SGDConfig{LearningRate: 0.05})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(sgd, nn.CategoricalCrossentropy{}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Fit(context.Background(), ds, nn.FitConfig{Verbose: nn.Silent}); err != nil {
			t.Fatal(err)
		}
		return before
	}
	changed := func(before map[string][]float32, name string) bool {
		t.Helper()
		for _, v := range m.Variables() {
			if v.Name() == name {
				return !slices.Equal(before[name], v.Read())
			}
		}
		t.Fatalf("no variable %s", name)
		return false
	}
	before := step()
	for name, want := range map[string]bool{
		"dense/kernel": true, "dense_1/bias": true, "batch_normalization/moving_mean": true,
		"conv1_conv/kernel": false, "conv5_block3_3_conv/kernel": false,
		"conv5_block3_3_bn/gamma": false, "conv5_block3_3_bn/moving_mean": false, "conv2_block1_1_bn/moving_variance": false,
	} {
		if changed(before, name) != want {
			t.Errorf("frozen base: %s changed %v, want %v", name, !want, want)
		}
	}
	if err := base.UnfreezeFromLayer("conv5_block3_1_conv"); err != nil {
		t.Fatal(err)
	}
	before = step()
	for name, want := range map[string]bool{
		"conv5_block3_1_conv/kernel": true, "conv5_block3_3_bn/gamma": true, "conv5_block3_3_bn/moving_mean": true,
		"conv5_block2_3_conv/kernel": false, "conv5_block2_3_bn/moving_variance": false, "conv1_conv/bias": false,
	} {
		if changed(before, name) != want {
			t.Errorf("unfrozen from conv5_block3_1_conv: %s changed %v, want %v", name, !want, want)
		}
	}
}
