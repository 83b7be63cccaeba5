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

// TestKerasJSONGolden builds every shared reference model from its tf.keras model.json and
// checks the layer order against the JSON (Keras's model.layers order); for one
// configuration per family it gives the model the counter-v1 weights and compares the
// output and the taps with the float64 reference.
func TestKerasJSONGolden(t *testing.T) {
	fixtures, err := golden.Fixtures()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		// Numerics for one configuration per family (package zoo runs them all through
		// its builders); the layer order for every configuration.
		numerics := map[string]bool{"resnet50-top10-64x64": true, "resnet50v2-notop-avg-64x64": true,
			"inception_resnet_v2-notop-avg-75x75": true, "vgg16-notop-avg-32x32": true}[f.Name]
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
			if numerics {
				golden.Check(t, m, f)
			}
		})
	}
}
