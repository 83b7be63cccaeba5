package nn_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"gorgonia.org/tensor"

	"github.com/org/gotl/internal/golden"
	_ "github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
)

// TestKerasJSONGolden builds every shared reference model from its tf.keras model.json,
// checks the layer order against the JSON (Keras's model.layers order), gives it the
// counter-v1 weights and compares the output and the taps with the float64 reference.
func TestKerasJSONGolden(t *testing.T) {
	fixtures, err := golden.Fixtures()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		if testing.Short() && f.Model != "resnet50" && f.Model != "vgg16" {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			data, err := os.ReadFile(f.Path("model.json"))
			if err != nil {
				t.Fatal(err)
			}
			m, err := nn.FromKerasJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			var js struct {
				Config struct {
					Layers []struct{ Name string } `json:"layers"`
				} `json:"config"`
			}
			if err := json.Unmarshal(data, &js); err != nil {
				t.Fatal(err)
			}
			var want, got []string
			for _, l := range js.Config.Layers {
				want = append(want, l.Name)
			}
			for _, l := range m.Layers() {
				got = append(got, l.Name())
			}
			if !slices.Equal(got, want) {
				t.Fatalf("layer order differs from Keras's:\ngot  %v\nwant %v", got, want)
			}
			if err := golden.SetWeights(m, f.Model, f.Seed); err != nil {
				t.Fatal(err)
			}
			x := f.Input()
			in, err := f.Read("input.npy")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(in.Data, x) {
				t.Fatal("the counter input differs from input.npy")
			}
			outputs := []*nn.Node{m.Outputs()[0]}
			for _, tap := range f.Taps {
				n, err := m.LayerOutput(tap)
				if err != nil {
					t.Fatal(err)
				}
				outputs = append(outputs, n)
			}
			probe, err := nn.NewModel(m.Inputs(), outputs)
			if err != nil {
				t.Fatal(err)
			}
			ys, err := probe.PredictAll(context.Background(), []*tensor.Dense{tensor.New(tensor.WithShape(f.Batch, f.Size[0], f.Size[1], 3), tensor.WithBacking(x))}, f.Batch)
			if err != nil {
				t.Fatal(err)
			}
			files := append([]string{"output.npy"}, f.Taps...)
			for i, y := range ys {
				file := files[i]
				if i > 0 {
					file = "taps/" + file + ".npy"
				}
				want, err := f.Read(file)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(y.Shape(), tensor.Shape(want.Shape)) {
					t.Fatalf("%s: shape %v, want %v", file, y.Shape(), want.Shape)
				}
				if e := golden.RelError(y.Data().([]float32), want.Data); e > f.Tolerance {
					t.Errorf("%s: relative error %.3g > %.1g", file, e, f.Tolerance)
				} else {
					t.Logf("%s: relative error %.3g", file, e)
				}
			}
		})
	}
}
