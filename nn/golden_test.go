package nn_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

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
			golden.Check(t, m, f)
		})
	}
}
