package nn_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
)

func names(ls []nn.Layer) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name())
	}
	return out
}

// TestAutoNames checks tf.keras's automatic names: per class, 0-based, in creation order,
// skipping names taken explicitly; inputs are input_1, input_2.
func TestAutoNames(t *testing.T) {
	x := nn.Input(8, 8, 3)
	c1 := layers.NewConv2D(4, 3)
	c2 := layers.NewConv2D(4, 3, layers.Conv2DConfig{Name: "conv2d_1"})
	c3 := layers.NewConv2D(4, 3)
	bn := layers.NewBatchNormalization()
	h := c3.Call(c2.Call(c1.Call(x)))
	h = bn.Call(h)
	h = layers.NewGlobalMaxPooling2D().Call(h)
	y := layers.NewDense(2).Call(h)
	m, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"input_1", "conv2d", "conv2d_1", "conv2d_2", "batch_normalization", "global_max_pooling2d", "dense"}
	if got := names(m.Layers()); !slices.Equal(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
	if m.Name() != "model" {
		t.Errorf("model name %q, want model", m.Name())
	}
	if got := nn.SnakeCase("ReLU") + " " + nn.SnakeCase("GlobalAveragePooling2D") + " " + nn.SnakeCase("Conv2DTranspose"); got != "re_lu global_average_pooling2d conv2d_transpose" {
		t.Errorf("SnakeCase: %s", got)
	}
}

// TestKerasLayerOrder builds the start of a ResNet v1 block, creating the shortcut conv
// first as keras_applications does; Keras lists it after _2_relu (KERAS.md §1.1).
func TestKerasLayerOrder(t *testing.T) {
	named := func(name string) layers.Conv2DConfig { return layers.Conv2DConfig{Name: name} }
	x := nn.Input(8, 8, 4)
	shortcut := layers.NewConv2D(8, 1, named("b_0_conv")).Call(x)
	shortcut = layers.NewBatchNormalization(layers.BatchNormalizationConfig{Name: "b_0_bn"}).Call(shortcut)
	h := layers.NewConv2D(2, 1, named("b_1_conv")).Call(x)
	h = layers.NewBatchNormalization(layers.BatchNormalizationConfig{Name: "b_1_bn"}).Call(h)
	h = layers.NewActivation(layers.ReLU, layers.ActivationConfig{Name: "b_1_relu"}).Call(h)
	h = layers.NewConv2D(2, 3, layers.Conv2DConfig{Name: "b_2_conv", Padding: layers.Same}).Call(h)
	h = layers.NewBatchNormalization(layers.BatchNormalizationConfig{Name: "b_2_bn"}).Call(h)
	h = layers.NewActivation(layers.ReLU, layers.ActivationConfig{Name: "b_2_relu"}).Call(h)
	h = layers.NewConv2D(8, 1, named("b_3_conv")).Call(h)
	h = layers.NewBatchNormalization(layers.BatchNormalizationConfig{Name: "b_3_bn"}).Call(h)
	h = layers.NewAdd(layers.MergeConfig{Name: "b_add"}).Call(shortcut, h)
	y := layers.NewActivation(layers.ReLU, layers.ActivationConfig{Name: "b_out"}).Call(h)
	m, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"input_1", "b_1_conv", "b_1_bn", "b_1_relu", "b_2_conv", "b_2_bn", "b_2_relu",
		"b_0_conv", "b_3_conv", "b_0_bn", "b_3_bn", "b_add", "b_out"}
	if got := names(m.Layers()); !slices.Equal(got, want) {
		t.Errorf("order %v\nwant  %v", got, want)
	}
}

func TestGraphErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func() error
		want  string
	}{
		{"shape mismatch names the layer", func() error {
			x := nn.Input(4)
			y := layers.NewConv2D(3, 3, layers.Conv2DConfig{Name: "c"}).Call(x)
			_, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
			return err
		}, `Conv2D "c": expected input of rank 4`},
		{"invalid config names field and value", func() error {
			x := nn.Input(8, 8, 3)
			y := layers.NewConv2D(0, 3, layers.Conv2DConfig{Name: "c"}).Call(x)
			_, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
			return err
		}, `Conv2D "c": filters must be > 0, got 0`},
		{"strides with dilation", func() error {
			x := nn.Input(8, 8, 3)
			y := layers.NewConv2D(2, 3, layers.Conv2DConfig{Strides: 2, DilationRate: 2}).Call(x)
			_, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
			return err
		}, "strides > 1 cannot be combined with dilation > 1"},
		{"disconnected", func() error {
			a, b := nn.Input(3), nn.NamedInput("other", 3)
			y := layers.NewAdd().Call(a, b)
			_, err := nn.NewModel([]*nn.Node{a}, []*nn.Node{y})
			return err
		}, `graph disconnected: it needs input "other"`},
		{"duplicate names", func() error {
			x := nn.Input(3)
			h := layers.NewDense(2, layers.DenseConfig{Name: "d"}).Call(x)
			y := layers.NewDense(2, layers.DenseConfig{Name: "d"}).Call(h)
			_, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
			return err
		}, `two layers are named "d"`},
		{"shared layer", func() error {
			x := nn.Input(3)
			d := layers.NewDense(3)
			y := d.Call(d.Call(x))
			_, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
			return err
		}, "already connected"},
		{"bad name", func() error {
			x := nn.Input(3)
			y := layers.NewDense(3, layers.DenseConfig{Name: "a/b"}).Call(x)
			_, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
			return err
		}, `name "a/b"`},
		{"flatten of unknown size", func() error {
			x := nn.Input(-1, -1, 3)
			y := layers.NewFlatten().Call(x)
			_, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
			return err
		}, "every dimension known"},
		{"two configs", func() error {
			x := nn.Input(3)
			y := layers.NewDense(3, layers.DenseConfig{}, layers.DenseConfig{}).Call(x)
			_, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
			return err
		}, "pass at most one"},
		{"sequential without input", func() error {
			_, err := nn.NewSequential([]nn.Layer{layers.NewDense(3)})
			return err
		}, "cannot infer the input shape"},
	}
	for _, tt := range tests {
		err := tt.build()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	var se *nn.ShapeError
	x := nn.Input(4)
	y := layers.NewConv2D(3, 3).Call(x)
	if _, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y}); !errors.As(err, &se) {
		t.Errorf("shape error %v is not a *nn.ShapeError", err)
	}
}

// sequentialHead builds Input(4,4,2) → Conv2D → BN → Flatten → Dense(3) as a Sequential.
func sequentialHead(t *testing.T) *nn.Model {
	t.Helper()
	m, err := nn.NewSequential([]nn.Layer{
		nn.NewInputLayer("", 4, 4, 2),
		layers.NewConv2D(3, 3, layers.Conv2DConfig{Padding: layers.Same}),
		layers.NewBatchNormalization(),
		layers.NewFlatten(),
		layers.NewDense(3, layers.DenseConfig{Activation: layers.Softmax}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrainableCounts(t *testing.T) {
	base := sequentialHead(t)
	x := nn.Input(4, 4, 2)
	y := layers.NewDense(5).Call(base.Call(x))
	m, err := nn.NewModel([]*nn.Node{x}, []*nn.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	// conv 3·3·2·3+3 = 57, bn 4·3 = 12 (6 non-trainable), dense 48·3+3 = 147, dense 3·5+5 = 20.
	count := func(vs []*nn.Variable) int {
		n := 0
		for _, v := range vs {
			n += v.Len()
		}
		return n
	}
	check := func(what string, trainable, non int) {
		t.Helper()
		if got := count(m.TrainableVariables()); got != trainable {
			t.Errorf("%s: %d trainable, want %d", what, got, trainable)
		}
		if got := count(m.NonTrainableVariables()); got != non {
			t.Errorf("%s: %d non-trainable, want %d", what, got, non)
		}
	}
	check("all trainable", 57+6+147+20, 6)
	base.SetTrainable(false)
	check("base frozen", 20, 57+12+147)
	if err := base.UnfreezeFrom(2); err != nil { // base layers: conv2d, batch_normalization, flatten, dense
		t.Fatal(err)
	}
	check("base unfrozen from flatten", 147+20, 57+12)
	if err := base.UnfreezeFromLayer("batch_normalization"); err != nil {
		t.Fatal(err)
	}
	check("base unfrozen from batch_normalization", 6+147+20, 57+6)
	if err := m.Freeze("dense_1"); err != nil {
		t.Fatal(err)
	}
	check("head frozen", 6+147, 57+6+20)
	if err := m.Freeze("nope"); err == nil || !strings.Contains(err.Error(), `no layer "nope"`) {
		t.Errorf("Freeze of an unknown layer: %v", err)
	}
}
