package zoo_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/org/gotl/nn"
	"github.com/org/gotl/zoo"
)

// archSpec is the part of a reference architecture file (testdata/arch) the tests read.
type archSpec struct {
	Model  string `json:"model"`
	Totals struct {
		Layers        int `json:"layers"`
		Total         int `json:"total_params"`
		Trainable     int `json:"trainable_params"`
		NonTrainable  int `json:"non_trainable_params"`
		Published     int `json:"published_total_params"`
		WeightVarible int `json:"weight_variables"`
	} `json:"totals"`
	Layers []archLayer `json:"layers"`
}

type archLayer struct {
	Index         int      `json:"index"`
	CreationIndex int      `json:"creation_index"`
	Name          string   `json:"name"`
	Class         string   `json:"class"`
	Inbound       []string `json:"inbound"`
	OutputShape   []*int   `json:"output_shape"`
	Weights       []struct {
		Name      string `json:"name"`
		Shape     []int  `json:"shape"`
		Trainable bool   `json:"trainable"`
	} `json:"weights"`
	Params          int `json:"params"`
	TrainableParams int `json:"trainable_params"`
}

func readArch(t *testing.T, model string) *archSpec {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "arch", model+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var a archSpec
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// published are the keras.applications totals with the top (KERAS.md §7.1, the
// keras.applications documentation).
var published = map[string]struct{ layers, total, trainable int }{
	"resnet50":            {177, 25_636_712, 25_583_592},
	"resnet101":           {347, 44_707_176, 44_601_832},
	"resnet152":           {517, 60_419_944, 60_268_520},
	"resnet50v2":          {192, 25_613_800, 25_568_360},
	"resnet101v2":         {379, 44_675_560, 44_577_896},
	"resnet152v2":         {566, 60_380_648, 60_236_904},
	"inception_resnet_v2": {782, 55_873_736, 55_813_192},
	"vgg16":               {23, 138_357_544, 138_357_544},
	"vgg19":               {26, 143_667_240, 143_667_240},
}

// TestArchitecture builds every model with the top at its default size and compares it,
// layer by layer, with the reference architecture (Keras's model.layers order, names,
// classes, inbound layers, output shapes, variables, parameter counts) and its totals
// with the published ones, also as Summary prints them.
func TestArchitecture(t *testing.T) {
	for _, name := range zoo.Names() {
		if testing.Short() && name != "resnet50" && name != "resnet50v2" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			a := readArch(t, name)
			m, err := zoo.Build(name, zoo.Config{IncludeTop: true})
			if err != nil {
				t.Fatal(err)
			}
			compareArch(t, m, a)
			p := published[name]
			if a.Totals.Total != p.total || a.Totals.Published != p.total || a.Totals.Layers != p.layers {
				t.Errorf("reference totals %+v disagree with the published %+v", a.Totals, p)
			}
			checkTotals(t, m, p.layers, p.total, p.trainable)
			checkLayerList(t, m)
		})
	}
}

var update = flag.Bool("update", false, "rewrite ../tools/zoo_layers/*.json")

// checkLayerList compares zoo.Layers of a model with the top at the default size with the
// list tools/keras2npy.py uses (tools/zoo_layers/<model>.json); -update rewrites it.
func checkLayerList(t *testing.T, m *nn.Model) {
	t.Helper()
	path := filepath.Join("..", "tools", "zoo_layers", m.Name()+".json")
	data := writeLayerList(t, m, map[bool]string{true: path}[*update])
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("%s is out of date; rerun with -update", path)
	}
	var back zoo.LayerList
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	top := 0
	for _, l := range back.Layers {
		if l.Top {
			top++
		}
	}
	wantTop := map[bool]int{false: 1, true: 3}[strings.HasPrefix(m.Name(), "vgg")]
	if back.Format != zoo.LayerListFormat || !back.IncludeTop || back.Classes != 1000 || top != wantTop {
		t.Errorf("layer list: format %q, include_top %v, classes %d, %d top layers (want %d)", back.Format, back.IncludeTop, back.Classes, top, wantTop)
	}
}

// checkTotals checks the layer count and the Summary's totals lines.
func checkTotals(t *testing.T, m *nn.Model, layers, total, trainable int) {
	t.Helper()
	if n := len(m.Layers()); n != layers {
		t.Errorf("%d layers, want %d", n, layers)
	}
	if n := m.CountParams(); n != total {
		t.Errorf("%d parameters, want %d", n, total)
	}
	summary := m.Summary()
	for _, line := range []string{
		"Total params: " + commas(total),
		"Trainable params: " + commas(trainable),
		"Non-trainable params: " + commas(total-trainable),
	} {
		if !strings.Contains(summary, "\n"+line+"\n") {
			t.Errorf("Summary lacks %q; its end:\n%s", line, summary[max(0, len(summary)-300):])
		}
	}
}

func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func compareArch(t *testing.T, m *nn.Model, a *archSpec) {
	t.Helper()
	got := m.Layers()
	if len(got) != len(a.Layers) {
		t.Fatalf("%d layers, the reference has %d", len(got), len(a.Layers))
	}
	errors := 0
	fail := func(format string, args ...any) {
		if errors++; errors <= 10 {
			t.Errorf(format, args...)
		}
	}
	for i, want := range a.Layers {
		l := got[i]
		if l.Name() != want.Name || l.ClassName() != want.Class {
			fail("layer %d: %s (%s), reference %s (%s)", i, l.Name(), l.ClassName(), want.Name, want.Class)
			continue
		}
		node, err := m.LayerOutput(l.Name())
		if err != nil {
			t.Fatal(err)
		}
		var inbound []string
		for _, x := range node.Inputs() {
			inbound = append(inbound, x.Layer().Name())
		}
		if !slices.Equal(inbound, want.Inbound) && len(inbound)+len(want.Inbound) > 0 {
			fail("%s: inputs %v, reference %v", l.Name(), inbound, want.Inbound)
		}
		if !sameShape(node.Shape(), want.OutputShape[1:]) {
			fail("%s: output shape %v, reference %v", l.Name(), node.Shape(), shapeString(want.OutputShape))
		}
		vars := l.Variables()
		if len(vars) != len(want.Weights) {
			fail("%s: %d variables, reference %d", l.Name(), len(vars), len(want.Weights))
			continue
		}
		params := 0
		for j, w := range want.Weights {
			v := vars[j]
			params += v.Len()
			if v.ShortName() != w.Name || !slices.Equal(v.Shape(), w.Shape) || v.Trainable() != w.Trainable {
				fail("%s: variable %s %v trainable %v, reference %s %v trainable %v", l.Name(), v.ShortName(), v.Shape(), v.Trainable(), w.Name, w.Shape, w.Trainable)
			}
		}
		if params != want.Params {
			fail("%s: %d parameters, reference %d", l.Name(), params, want.Params)
		}
	}
	trainable, total := 0, m.CountParams()
	for _, v := range m.TrainableVariables() {
		trainable += v.Len()
	}
	if total != a.Totals.Total || trainable != a.Totals.Trainable || len(m.Variables()) != a.Totals.WeightVarible {
		t.Errorf("totals %d / %d trainable / %d variables, reference %d / %d / %d", total, trainable, len(m.Variables()), a.Totals.Total, a.Totals.Trainable, a.Totals.WeightVarible)
	}
}

func shapeString(s []*int) string {
	var parts []string
	for _, d := range s {
		if d == nil {
			parts = append(parts, "None")
		} else {
			parts = append(parts, strconv.Itoa(*d))
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// notopRow is one row of the reference's include_top=False table (testdata/arch/SUMMARY.md).
type notopRow struct {
	layers                   [3]int // pooling none, avg, max
	total, trainable, frozen int
}

func readNotopTable(t *testing.T) map[string]notopRow {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "arch", "SUMMARY.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]notopRow{}
	inTable := false
	num := func(s string) int {
		n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(s), ",", ""))
		if err != nil {
			t.Fatalf("SUMMARY.md: %q: %v", s, err)
		}
		return n
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## include_top=False") {
			inTable = true
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if !inTable || len(cells) != 7 || strings.Contains(line, "---") || strings.Contains(line, "model") {
			continue
		}
		rows[strings.TrimSpace(cells[0])] = notopRow{
			layers: [3]int{num(cells[1]), num(cells[2]), num(cells[3])},
			total:  num(cells[4]), trainable: num(cells[5]), frozen: num(cells[6]),
		}
	}
	if len(rows) != 9 {
		t.Fatalf("SUMMARY.md: %d include_top=False rows, want 9", len(rows))
	}
	return rows
}

// TestNoTop checks the layer counts and totals without the top against the reference table
// (and KERAS.md §10: ResNet101 notop has 345 layers, 346 with pooling), with max pooling
// (TestGolden compares pooling none and avg with Keras's layer lists) and, for ResNet101,
// with each pooling.
func TestNoTop(t *testing.T) {
	rows := readNotopTable(t)
	if r := rows["resnet101"]; r.layers != [3]int{345, 346, 346} || r.total != 42_658_176 {
		t.Fatalf("reference table row resnet101 = %+v", r)
	}
	for _, name := range zoo.Names() {
		info, _ := zoo.Lookup(name)
		poolings := []zoo.Pooling{zoo.PoolingMax}
		if name == "resnet101" {
			poolings = []zoo.Pooling{zoo.PoolingNone, zoo.PoolingAvg, zoo.PoolingMax}
		} else if testing.Short() {
			continue
		}
		for _, p := range poolings {
			t.Run(fmt.Sprint(name, "-", p), func(t *testing.T) {
				row := rows[name]
				size := info.MinSize
				m, err := zoo.Build(name, zoo.Config{Pooling: p, InputShape: []int{size, size + 3, 3}})
				if err != nil {
					t.Fatal(err)
				}
				checkTotals(t, m, row.layers[p], row.total, row.trainable)
				out := m.Outputs()[0].Shape()
				if p == zoo.PoolingNone && len(out) != 3 || p != zoo.PoolingNone && len(out) != 1 {
					t.Errorf("output shape %v with pooling %v", out, p)
				}
				last := m.Layers()[len(m.Layers())-1]
				wantClass := map[zoo.Pooling]string{zoo.PoolingAvg: "GlobalAveragePooling2D", zoo.PoolingMax: "GlobalMaxPooling2D"}[p]
				if p != zoo.PoolingNone && last.ClassName() != wantClass {
					t.Errorf("last layer %s (%s), want a %s", last.Name(), last.ClassName(), wantClass)
				}
			})
		}
	}
}

// TestDefaultInputShape: without the top and without InputShape the input is (-1, -1, 3)
// and the model runs at any size from the minimum up; with the top it is the default size.
func TestDefaultInputShape(t *testing.T) {
	m, err := zoo.ResNet50(zoo.Config{Pooling: zoo.PoolingAvg})
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Inputs()[0].Shape(); !s.Equal(nn.Shape{-1, -1, 3}) {
		t.Errorf("input shape %v, want (-1, -1, 3)", s)
	}
	if got := m.Layers()[0].Name(); got != "input_1" {
		t.Errorf("input layer %q, want input_1", got)
	}
	if !strings.Contains(m.Summary(), "input_1 (InputLayer)            [(None, None, None,  0") { // cut at the column, as Keras ≤ 2.6
		t.Errorf("Summary does not show the unknown input size:\n%s", m.Summary()[:600])
	}
	m, err = zoo.ResNet50(zoo.Config{IncludeTop: true, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Inputs()[0].Shape(); !s.Equal(nn.Shape{224, 224, 3}) {
		t.Errorf("input shape %v, want (224, 224, 3)", s)
	}
	if s := m.Outputs()[0].Shape(); !s.Equal(nn.Shape{3}) {
		t.Errorf("output shape %v, want (3)", s)
	}
}
