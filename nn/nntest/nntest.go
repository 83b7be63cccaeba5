// Package nntest checks layers: backward passes against central finite differences in
// float64 on the reference backend, and the float32 CPU backend against the reference.
package nntest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/org/gotl/nn"
)

// Case is one layer configuration to check.
type Case struct {
	Name string
	// New returns a fresh layer (it is called once per model built).
	New func() nn.Layer
	// NewOn, when set, replaces New for layers that live on a backend already (a model
	// used as a layer): it builds the layer on the named device.
	NewOn func(device string) nn.Layer
	// Inputs are the full input shapes, batch first.
	Inputs [][]int
	// Inference runs the forward pass in inference mode (the default is training mode).
	Inference bool
	// Seed seeds the weights, inputs and dropout masks.
	Seed uint64
	// Positive lists variables whose values must stay positive (moving_variance is always
	// drawn positive).
	Positive []string
}

// model builds the one-layer model of c on the named backend.
func (c Case) model(device string) (*nn.Model, error) {
	var l nn.Layer
	if c.NewOn != nil {
		l = c.NewOn(device)
	} else {
		l = c.New()
	}
	ins := make([]*nn.Node, len(c.Inputs))
	for i, s := range c.Inputs {
		ins[i] = nn.Input(s[1:]...)
	}
	return nn.NewModel(ins, []*nn.Node{nn.Apply(l, ins...)}, nn.WithDevice(device), nn.WithSeed(c.Seed))
}

// values draws float32-representable test values for a variable or an input.
func values(rng *rand.Rand, n int, positive bool) []float64 {
	v := make([]float64, n)
	for i := range v {
		if positive {
			v[i] = float64(float32(0.5 + rng.Float64()))
		} else {
			v[i] = float64(float32(rng.NormFloat64()))
		}
	}
	return v
}

// setup builds c's model on device, gives its variables and inputs seeded values and
// returns the model, the host copies and the input tensors.
func (c Case) setup(device string) (*nn.Model, [][]float64, []*nn.Tensor, error) {
	m, err := c.model(device)
	if err != nil {
		return nil, nil, nil, err
	}
	b := m.Backend()
	rng := rand.New(rand.NewPCG(c.Seed, 7))
	for _, v := range m.Variables() {
		pos := v.ShortName() == "moving_variance"
		for _, p := range c.Positive {
			pos = pos || p == v.ShortName()
		}
		b.Upload64(v.Value(), values(rng, v.Len(), pos))
	}
	host := make([][]float64, len(c.Inputs))
	ins := make([]*nn.Tensor, len(c.Inputs))
	for i, s := range c.Inputs {
		n := 1
		for _, d := range s {
			n *= d
		}
		host[i] = values(rng, n, false)
		ins[i] = &nn.Tensor{Shape: append([]int(nil), s...), Buf: b.Alloc(n)}
		b.Upload64(ins[i].Buf, host[i])
	}
	return m, host, ins, nil
}

func (c Case) context() *nn.Context {
	return nn.NewContext(!c.Inference, rand.New(rand.NewPCG(c.Seed, 11)))
}

// forward runs the model and returns its output values.
func forward(c Case, m *nn.Model, ins []*nn.Tensor) ([]float64, []int, error) {
	y, err := m.Forward(c.context(), ins)
	if err != nil {
		return nil, nil, err
	}
	out := make([]float64, y.Len())
	m.Backend().Download64(out, y.Buf)
	return out, append([]int(nil), y.Shape...), nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// gradients runs forward and backward with dy = r and returns the gradients of the inputs
// and of the trainable variables (in m.TrainableVariables order).
func gradients(c Case, m *nn.Model, ins []*nn.Tensor, r []float64) ([][]float64, [][]float64, error) {
	b := m.Backend()
	ctx := c.context()
	y, err := m.Forward(ctx, ins)
	if err != nil {
		return nil, nil, err
	}
	dy := &nn.Tensor{Shape: append([]int(nil), y.Shape...), Buf: b.Alloc(len(r))}
	b.Upload64(dy.Buf, r)
	need := make([]bool, len(ins))
	for i := range need {
		need[i] = true
	}
	dxs, err := m.Backward(ctx, dy, need)
	if err != nil {
		return nil, nil, err
	}
	var gx, gv [][]float64
	for i, dx := range dxs {
		if dx == nil {
			return nil, nil, fmt.Errorf("no gradient for input %d", i)
		}
		g := make([]float64, ins[i].Len())
		b.Download64(g, dx.Buf)
		gx = append(gx, g)
	}
	for _, v := range m.TrainableVariables() {
		g := make([]float64, v.Len())
		b.Download64(g, v.Grad())
		gv = append(gv, g)
	}
	return gx, gv, nil
}

// probe picks up to k indices of an n-element tensor: the first, the last and a seeded
// random sample.
func probe(n, k int, rng *rand.Rand) []int {
	if n <= k {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := []int{0, n - 1}
	for len(idx) < k {
		idx = append(idx, rng.IntN(n))
	}
	return idx
}

// relError is max|a − b| over the probed indices divided by the largest |a| of the whole
// analytical gradient, or by floor when that is smaller: a gradient that is zero in exact
// arithmetic (a bias before BatchNormalization) is measured against the other gradients.
func relError(analytic, numeric []float64, idx []int, floor float64) float64 {
	scale := floor
	for _, v := range analytic {
		scale = math.Max(scale, math.Abs(v))
	}
	worst := 0.0
	for _, i := range idx {
		worst = math.Max(worst, math.Abs(analytic[i]-numeric[i]))
	}
	if scale == 0 {
		return worst
	}
	return worst / scale
}

// CheckGradients compares the layer's backward pass with central differences of the
// scalar Σ r·y (r random) in float64 on the reference backend, for every input and every
// trainable variable, and fails t when a relative error exceeds tol (1e-6 when 0).
// It returns the largest error found.
func CheckGradients(t testing.TB, c Case, tol float64) float64 {
	t.Helper()
	if tol == 0 {
		tol = 1e-6
	}
	m, host, ins, err := c.setup("reference")
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	b := m.Backend()
	y, _, err := forward(c, m, ins)
	if err != nil {
		t.Fatalf("%s: forward: %v", c.Name, err)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 13))
	r := values(rng, len(y), false)
	gx, gv, err := gradients(c, m, ins, r)
	if err != nil {
		t.Fatalf("%s: backward: %v", c.Name, err)
	}
	const h = 1e-5
	loss := func() float64 {
		y, _, err := forward(c, m, ins)
		if err != nil {
			t.Fatalf("%s: forward: %v", c.Name, err)
		}
		return dot(r, y)
	}
	// floor is 1e-3 of the largest gradient of the case.
	floor := 0.0
	for _, g := range append(append([][]float64(nil), gx...), gv...) {
		for _, v := range g {
			floor = math.Max(floor, 1e-3*math.Abs(v))
		}
	}
	worst := 0.0
	check := func(what string, analytic []float64, set func(vals []float64), vals []float64) {
		idx := probe(len(vals), 48, rng)
		numeric := make([]float64, len(vals))
		for _, i := range idx {
			orig := vals[i]
			vals[i] = orig + h
			set(vals)
			plus := loss()
			vals[i] = orig - h
			set(vals)
			minus := loss()
			vals[i] = orig
			set(vals)
			numeric[i] = (plus - minus) / (2 * h)
		}
		e := relError(analytic, numeric, idx, floor)
		worst = math.Max(worst, e)
		if e > tol || math.IsNaN(e) {
			t.Errorf("%s: gradient of %s: relative error %.3g > %.1g", c.Name, what, e, tol)
		}
	}
	for i := range ins {
		check(fmt.Sprintf("input %d", i), gx[i], func(v []float64) { b.Upload64(ins[i].Buf, v) }, host[i])
	}
	for j, v := range m.TrainableVariables() {
		vals := make([]float64, v.Len())
		b.Download64(vals, v.Value())
		check(v.Name(), gv[j], func(x []float64) { b.Upload64(v.Value(), x) }, vals)
	}
	return worst
}

// CompareBackends runs the case on the float32 "cpu" backend and on the float64 reference
// with the same float32-representable weights and inputs, and fails t when the output,
// the input gradients or the variable gradients differ by more than tol relative to their
// largest magnitude (1e-5 when 0). Variables updated by the forward pass (moving
// statistics) are compared too.
func CompareBackends(t testing.TB, c Case, tol float64) {
	t.Helper()
	if tol == 0 {
		tol = 1e-5
	}
	type result struct {
		y      []float64
		shape  []int
		gx, gv [][]float64
		vars   [][]float64
	}
	run := func(device string) result {
		m, _, ins, err := c.setup(device)
		if err != nil {
			t.Fatalf("%s on %s: %v", c.Name, device, err)
		}
		var res result
		if res.y, res.shape, err = forward(c, m, ins); err != nil {
			t.Fatalf("%s on %s: %v", c.Name, device, err)
		}
		if !c.Inference {
			r := values(rand.New(rand.NewPCG(c.Seed, 13)), len(res.y), false)
			if res.gx, res.gv, err = gradients(c, m, ins, r); err != nil {
				t.Fatalf("%s on %s: %v", c.Name, device, err)
			}
		}
		for _, v := range m.Variables() {
			vals := make([]float64, v.Len())
			m.Backend().Download64(vals, v.Value())
			res.vars = append(res.vars, vals)
		}
		return res
	}
	ref, cpu := run("reference"), run("cpu")
	floor := 0.0
	for _, g := range append(append([][]float64(nil), ref.gx...), ref.gv...) {
		for _, v := range g {
			floor = math.Max(floor, 1e-3*math.Abs(v))
		}
	}
	compare := func(what string, want, got []float64) {
		if len(want) != len(got) {
			t.Fatalf("%s: %s: %d values on cpu, %d on reference", c.Name, what, len(got), len(want))
		}
		all := make([]int, len(want))
		for i := range all {
			all[i] = i
		}
		if e := relError(want, got, all, floor); e > tol || math.IsNaN(e) {
			t.Errorf("%s: %s: cpu differs from reference by %.3g relative (tolerance %.1g)", c.Name, what, e, tol)
		}
	}
	if fmt.Sprint(ref.shape) != fmt.Sprint(cpu.shape) {
		t.Fatalf("%s: output shape %v on cpu, %v on reference", c.Name, cpu.shape, ref.shape)
	}
	compare("output", ref.y, cpu.y)
	for i := range ref.gx {
		compare(fmt.Sprintf("gradient of input %d", i), ref.gx[i], cpu.gx[i])
	}
	for i := range ref.gv {
		compare(fmt.Sprintf("gradient of variable %d", i), ref.gv[i], cpu.gv[i])
	}
	for i := range ref.vars {
		compare(fmt.Sprintf("variable %d after the pass", i), ref.vars[i], cpu.vars[i])
	}
}

// Shapes formats input shapes for case names.
func Shapes(s [][]int) string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, "+")
}
