// Package golden gives tests the shared zoo reference fixtures (testdata/, copied from the
// team's shared/golden; see testdata/README.md for how they were made) and the
// counter-v1 scheme that regenerates their weights and inputs without weight files.
package golden

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sync"
	"testing"

	"gorgonia.org/tensor"

	"github.com/org/gotl/internal/npy"
	"github.com/org/gotl/nn"
)

// splitmix64, fnv1a64 and U implement counter-v1's hash (testdata/README.md §1); all
// arithmetic wraps mod 2^64.
func splitmix64(z uint64) uint64 {
	z += 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func fnv1a64(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

// U is u(name, seed, i) in [0, 1), a multiple of 2^-53.
func U(name string, seed, i uint64) float64 {
	return float64(splitmix64((fnv1a64(name)^(seed*0x9E3779B97F4A7C15))+i)>>11) * 0x1p-53
}

// Variable returns the counter-v1 values of the variable "<layer>/<variable>" with the
// given Keras shape, damped ×0.1 when damped is set.
func Variable(layer, variable string, shape []int, seed uint64, damped bool) []float32 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	fanIn := 1
	if len(shape) > 0 {
		fanIn = n / shape[len(shape)-1]
	}
	scale := math.Sqrt(3) * math.Sqrt(2/float64(fanIn))
	name := layer + "/" + variable
	out := make([]float32, n)
	for i := range out {
		u := U(name, seed, uint64(i))
		var x float64
		switch variable {
		case "kernel":
			x = (2*u - 1) * scale
		case "bias", "beta", "moving_mean":
			x = (2*u - 1) * 0.05
		case "gamma", "moving_variance":
			x = 0.8 + float64(0.4*u) // float64(): keeps the compiler from fusing an FMA
		}
		if damped {
			x *= 0.1
		}
		out[i] = float32(x)
	}
	return out
}

// Input returns the counter-v1 NHWC input batch (b, h, w, 3) for input seed s.
func Input(s uint64, b, h, w int) []float32 {
	const c = 3
	out := make([]float32, b*h*w*c)
	for n := 0; n < b; n++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for ch := 0; ch < c; ch++ {
					i := ((n*h+y)*w+x)*c + ch
					j := ((n*4+4*y/h)*4+4*x/w)*c + ch
					grid := 2*U("input_grid", s, uint64(j)) - 1
					noise := 2*U("input", s, uint64(i)) - 1
					out[i] = float32(grid + 0.25*noise)
				}
			}
		}
	}
	return out
}

// damping is the residual-branch damping rule per model family: the layer-name pattern
// and the variable multiplied by 0.1.
var damping = map[string]struct {
	pattern  *regexp.Regexp
	variable string
}{
	"resnet50": {resnetV1, "gamma"}, "resnet101": {resnetV1, "gamma"}, "resnet152": {resnetV1, "gamma"},
	"resnet50v2": {resnetV2, "kernel"}, "resnet101v2": {resnetV2, "kernel"}, "resnet152v2": {resnetV2, "kernel"},
	"inception_resnet_v2": {regexp.MustCompile(`^block(35|17|8)_\d+_conv$`), "kernel"},
}

var (
	resnetV1 = regexp.MustCompile(`^conv\d_block\d+_3_bn$`)
	resnetV2 = regexp.MustCompile(`^conv\d_block\d+_3_conv$`)
)

// Damped reports whether counter-v1 damps the variable of a layer of the given model.
func Damped(model, layer, variable string) bool {
	d, ok := damping[model]
	return ok && d.variable == variable && d.pattern.MatchString(layer)
}

// cache keeps the values of the last (model, seed) generated, so that the several fixtures
// of one model, run one after the other, generate them once.
var cache struct {
	sync.Mutex
	key  string
	vals map[string][]float32
}

// SetWeights gives every variable of m its counter-v1 value for the given model family
// ("resnet50", ..., "vgg19") and seed, generating them on all CPUs.
func SetWeights(m *nn.Model, model string, seed uint64) error {
	cache.Lock()
	defer cache.Unlock()
	if key := fmt.Sprint(model, "/", seed); cache.key != key {
		cache.key, cache.vals = key, map[string][]float32{}
	}
	vars := m.Variables()
	keys := make([]string, len(vars))
	var missing []int
	for i, v := range vars {
		keys[i] = fmt.Sprint(v.Name(), v.Shape())
		if _, ok := cache.vals[keys[i]]; !ok {
			missing = append(missing, i)
		}
	}
	vals := make([][]float32, len(vars))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				v := vars[i]
				layer := v.Layer().Name()
				vals[i] = Variable(layer, v.ShortName(), v.Shape(), seed, Damped(model, layer, v.ShortName()))
			}
		}()
	}
	for _, i := range missing {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, i := range missing {
		cache.vals[keys[i]] = vals[i]
	}
	for i, v := range vars {
		if err := v.Assign(cache.vals[keys[i]]); err != nil {
			return err
		}
	}
	return nil
}

// Fixture is one reference configuration of testdata/.
type Fixture struct {
	Name       string   `json:"name"`
	Model      string   `json:"model"`
	IncludeTop bool     `json:"include_top"`
	Pooling    *string  `json:"pooling"`
	Classes    *int     `json:"classes"`
	Size       [2]int   `json:"size"`
	Batch      int      `json:"batch"`
	Seed       uint64   `json:"seed"`
	InputSeed  uint64   `json:"input_seed"`
	Taps       []string `json:"taps"`
	Tolerance  float64  `json:"tolerance_rel_to_max_abs"`
}

// Dir is the fixtures' directory.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata")
}

// Fixtures lists the fixtures of testdata/index.json.
func Fixtures() ([]Fixture, error) {
	data, err := os.ReadFile(filepath.Join(Dir(), "index.json"))
	if err != nil {
		return nil, err
	}
	var index struct {
		Fixtures []Fixture `json:"fixtures"`
	}
	if err := json.Unmarshal(data, &index); err != nil {
		return nil, fmt.Errorf("golden: index.json: %w", err)
	}
	return index.Fixtures, nil
}

// Path is the path of a file of the fixture ("model.json", "output.npy", "taps/x.npy").
func (f Fixture) Path(file string) string { return filepath.Join(Dir(), f.Name, file) }

// Read reads one of the fixture's .npy files.
func (f Fixture) Read(file string) (npy.Array, error) { return npy.ReadFile(f.Path(file)) }

// Input is the fixture's counter input.
func (f Fixture) Input() []float32 { return Input(f.InputSeed, f.Batch, f.Size[0], f.Size[1]) }

// RelError is max|got − want| / max|want|, the fixtures' tolerance measure.
func RelError(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var diff, scale float64
	for i := range want {
		diff = math.Max(diff, math.Abs(float64(got[i])-float64(want[i])))
		scale = math.Max(scale, math.Abs(float64(want[i])))
	}
	if math.IsNaN(diff) {
		return math.Inf(1)
	}
	return diff / scale
}

// Check gives m (built for fixture f) the counter-v1 weights, runs it on the fixture's
// input and compares its output and taps with the float64 reference within the fixture's
// tolerance, reporting to t.
func Check(t testing.TB, m *nn.Model, f Fixture) {
	t.Helper()
	if err := SetWeights(m, f.Model, f.Seed); err != nil {
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
	batch := tensor.New(tensor.WithShape(f.Batch, f.Size[0], f.Size[1], 3), tensor.WithBacking(x))
	ys, err := probe.PredictAll(context.Background(), []*tensor.Dense{batch}, f.Batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, y := range ys {
		file := "output.npy"
		if i > 0 {
			file = "taps/" + f.Taps[i-1] + ".npy"
		}
		want, err := f.Read(file)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(y.Shape(), tensor.Shape(want.Shape)) {
			t.Fatalf("%s: shape %v, want %v", file, y.Shape(), want.Shape)
		}
		if e := RelError(y.Data().([]float32), want.Data); e > f.Tolerance {
			t.Errorf("%s: relative error %.3g > %.1g", file, e, f.Tolerance)
		} else {
			t.Logf("%s: relative error %.3g", file, e)
		}
	}
}
