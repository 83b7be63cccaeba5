package zoo_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/org/gotl/internal/golden"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/zoo"
)

// shortFixtures is the -short subset: one fixture per family, the top among them.
var shortFixtures = map[string]bool{
	"resnet50-top10-64x64":                true,
	"resnet50v2-notop-avg-64x64":          true,
	"inception_resnet_v2-notop-avg-75x75": true,
	"vgg16-notop-avg-32x32":               true,
}

// TestGolden builds every golden configuration with the zoo builders, checks the model
// against the fixture's tf.keras model.json (layer names, order, classes, inbound layers,
// key configuration) and the reference output shapes, gives it the counter-v1 weights and
// compares the output and the taps with the float64 reference within the fixture's
// tolerance.
func TestGolden(t *testing.T) {
	fixtures, err := golden.Fixtures()
	if err != nil {
		t.Fatal(err)
	}
	if len(fixtures) != 19 {
		t.Fatalf("%d fixtures, want 19", len(fixtures))
	}
	shapes := fixtureShapes(t)
	seen := map[string]bool{}
	for _, f := range fixtures {
		seen[f.Model] = true
		if testing.Short() && !shortFixtures[f.Name] {
			continue
		}
		t.Run(f.Name, func(t *testing.T) { checkFixture(t, f, shapes[f.Name]) })
	}
	if len(seen) != 9 {
		t.Errorf("the fixtures cover %d models, want 9", len(seen))
	}
}

func fixtureConfig(t *testing.T, f golden.Fixture) zoo.Config {
	cfg := zoo.Config{IncludeTop: f.IncludeTop, InputShape: []int{f.Size[0], f.Size[1], 3}}
	if f.Classes != nil {
		cfg.Classes = *f.Classes
	}
	if f.Pooling != nil {
		p, err := zoo.ParsePooling(*f.Pooling)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Pooling = p
	}
	return cfg
}

func checkFixture(t *testing.T, f golden.Fixture, shapes [][2]json.RawMessage) {
	m, err := zoo.Build(f.Model, fixtureConfig(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != f.Model {
		t.Errorf("model name %q, want %q", m.Name(), f.Model)
	}
	checkAgainstKerasJSON(t, m, f.Path("model.json"))
	checkShapes(t, m, shapes)
	if t.Failed() {
		return
	}
	golden.Check(t, m, f)
}

// kerasModel is the part of a tf.keras model.to_json() the tests read.
type kerasModel struct {
	Config struct {
		Name   string       `json:"name"`
		Layers []kerasLayer `json:"layers"`
	} `json:"config"`
}

type kerasLayer struct {
	ClassName    string         `json:"class_name"`
	Name         string         `json:"name"`
	Config       map[string]any `json:"config"`
	InboundNodes [][][]any      `json:"inbound_nodes"`
}

// checkAgainstKerasJSON compares m with a tf.keras model.to_json(): the same layers in the
// same order, with the same classes, inbound layers and configuration.
func checkAgainstKerasJSON(t *testing.T, m *nn.Model, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var km kerasModel
	if err := json.Unmarshal(data, &km); err != nil {
		t.Fatal(err)
	}
	if km.Config.Name != m.Name() {
		t.Errorf("model name %q, Keras %q", m.Name(), km.Config.Name)
	}
	got := m.Layers()
	var gotNames, wantNames []string
	for _, l := range got {
		gotNames = append(gotNames, l.Name())
	}
	for _, l := range km.Config.Layers {
		wantNames = append(wantNames, l.Name)
	}
	if !slices.Equal(gotNames, wantNames) {
		t.Fatalf("layers differ from Keras's model.layers:\ngot  %v\nwant %v", gotNames, wantNames)
	}
	for i, k := range km.Config.Layers {
		l := got[i]
		if l.ClassName() != k.ClassName {
			t.Errorf("layer %d %q: class %s, Keras %s", i, k.Name, l.ClassName(), k.ClassName)
			continue
		}
		node, err := m.LayerOutput(k.Name)
		if err != nil {
			t.Fatal(err)
		}
		var inbound, want []string
		for _, x := range node.Inputs() {
			inbound = append(inbound, x.Layer().Name())
		}
		for _, n := range k.InboundNodes {
			for _, in := range n {
				want = append(want, in[0].(string))
			}
		}
		if !slices.Equal(inbound, want) {
			t.Errorf("layer %q: inputs %v, Keras %v", k.Name, inbound, want)
		}
		if diff := configDiff(l, node.Shape(), k.Config); diff != "" {
			t.Errorf("layer %q: %s", k.Name, diff)
		}
	}
}

// configDiff compares the configuration of a layer with its Keras config and describes the
// first difference ("" if none).
func configDiff(l nn.Layer, out nn.Shape, c map[string]any) string {
	type field struct {
		key       string
		got, want any
	}
	pair := func(v [2]int) []any { return []any{float64(v[0]), float64(v[1])} }
	var fields []field
	add := func(key string, got any) { fields = append(fields, field{key, got, c[key]}) }
	switch l := l.(type) {
	case *nn.InputLayer:
		shape := []any{nil}
		for _, d := range out {
			shape = append(shape, float64(d))
		}
		add("batch_input_shape", shape)
	case *layers.Conv2D:
		add("filters", float64(l.Filters()))
		add("kernel_size", pair(l.KernelSize()))
		add("strides", pair(l.Strides()))
		add("dilation_rate", pair(l.DilationRate()))
		add("padding", l.Padding().String())
		add("use_bias", l.UseBias())
		add("activation", l.Activation().String())
	case *layers.BatchNormalization:
		add("epsilon", l.Epsilon())
		add("momentum", l.Momentum())
		add("center", l.Center())
		add("scale", l.Scale())
	case *layers.Dense:
		add("units", float64(l.Units()))
		add("activation", l.Activation().String())
		add("use_bias", l.UseBias())
	case *layers.Activation:
		add("activation", l.Function().String())
	case *layers.ZeroPadding2D:
		p := l.Padding()
		add("padding", []any{pair(p[0]), pair(p[1])})
	case *layers.MaxPooling2D:
		add("pool_size", pair(l.PoolSize()))
		add("strides", pair(l.Strides()))
		add("padding", l.Padding().String())
	case *layers.AveragePooling2D:
		add("pool_size", pair(l.PoolSize()))
		add("strides", pair(l.Strides()))
		add("padding", l.Padding().String())
	case *layers.Concatenate:
		if a := l.Axis(); a != -1 && float64(a) != c["axis"] {
			return fmt.Sprintf("axis %d, Keras %v", a, c["axis"])
		}
	case *layers.ScaleSum:
		args, _ := c["arguments"].(map[string]any)
		if args["scale"] != l.Scale() {
			return fmt.Sprintf("scale %v, Keras %v", l.Scale(), args["scale"])
		}
	}
	for _, f := range fields {
		if fmt.Sprint(f.got) != fmt.Sprint(normalize(f.key, f.want)) {
			return fmt.Sprintf("%s %v, Keras %v", f.key, f.got, f.want)
		}
	}
	return ""
}

// normalize maps Keras's spellings onto gotl's: padding "SAME" → "same".
func normalize(key string, v any) any {
	if s, ok := v.(string); ok && key == "padding" {
		switch s {
		case "SAME":
			return "same"
		case "VALID":
			return "valid"
		}
	}
	return v
}

func fixtureShapes(t *testing.T) map[string][][2]json.RawMessage {
	data, err := os.ReadFile(filepath.Join("testdata", "fixture_shapes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Fixtures map[string][][2]json.RawMessage `json:"fixtures"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	return file.Fixtures
}

// checkShapes compares every layer's per-sample output shape with the reference's.
func checkShapes(t *testing.T, m *nn.Model, want [][2]json.RawMessage) {
	t.Helper()
	if len(want) != len(m.Layers()) {
		t.Fatalf("%d layers, the reference has %d", len(m.Layers()), len(want))
	}
	for i, l := range m.Layers() {
		var name string
		var shape []*int
		if err := json.Unmarshal(want[i][0], &name); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want[i][1], &shape); err != nil {
			t.Fatal(err)
		}
		node, err := m.LayerOutput(l.Name())
		if err != nil {
			t.Fatal(err)
		}
		if name != l.Name() || !sameShape(node.Shape(), shape) {
			t.Errorf("layer %d: %s %v, reference %s %s", i, l.Name(), node.Shape(), name, want[i][1])
		}
	}
}

// sameShape compares a gotl shape (-1 unknown) with a Keras one (null unknown).
func sameShape(got nn.Shape, want []*int) bool {
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		if (w == nil) != (got[i] == -1) || (w != nil && *w != got[i]) {
			return false
		}
	}
	return true
}
