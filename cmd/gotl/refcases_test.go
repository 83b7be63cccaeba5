package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/org/gotl/internal/npy"
)

// Forward results against an independent reference (issue 2, bar 3): every case under
// testdata/refcases (single-layer Keras models made by tools/refcases.py with the shared
// float64 reference harness; see its README.md) goes through `gotl predict` and must match
// within refTolerance of the output's largest magnitude.

const (
	refDir       = "testdata/refcases"
	refTolerance = 1e-5 // max|got - want| <= refTolerance * max|want|
)

// refManifest is testdata/refcases/manifest.json, written by tools/refcases.py.
type refManifest struct {
	Tolerance string    `json:"tolerance"`
	Cases     []refCase `json:"cases"`
}

type refCase struct {
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Layers       []string `json:"layers"` // "<class> <name>", in Keras model.layers order
	InputShape   []int    `json:"input_shape"`
	OutputShape  []int    `json:"output_shape"`
	Params       int      `json:"params"`
	Variables    []string `json:"variables"` // "<layer>/<variable>"
	MaxAbsOutput float64  `json:"max_abs_output"`
}

func (c refCase) path(file string) string { return filepath.Join(refDir, c.Name, file) }

func readRefManifest(t *testing.T) refManifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(refDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m refManifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s/manifest.json: %v", refDir, err)
	}
	if len(m.Cases) == 0 {
		t.Fatalf("%s/manifest.json lists no cases", refDir)
	}
	return m
}

// gotl runs the command in-process and returns its exit status, stdout and stderr. A
// panic fails the test with its stack instead of killing the test binary.
func gotl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("gotl %s panicked: %v\n%s", strings.Join(args, " "), p, debug.Stack())
			}
		}()
		code = run(context.Background(), args, &out, &errOut)
	}()
	return code, out.String(), errOut.String()
}

func readNPY(t *testing.T, path string) npy.Array {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// compare returns max|got - want| and where it is, after checking the shapes; NaN in
// got counts as an infinite error.
func compare(got, want npy.Array) (maxErr float64, at int, err error) {
	if !slices.Equal(got.Shape, want.Shape) {
		return 0, 0, fmt.Errorf("output shape %v, want %v", got.Shape, want.Shape)
	}
	for i, w := range want.Data {
		d := math.Abs(float64(got.Data[i]) - float64(w))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		if d > maxErr {
			maxErr, at = d, i
		}
	}
	return maxErr, at, nil
}

func maxAbs(data []float32) float64 {
	m := 0.0
	for _, v := range data {
		m = max(m, math.Abs(float64(v)))
	}
	return m
}

// unravel turns a flat C-order index into coordinates.
func unravel(i int, shape []int) []int {
	at := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		at[k] = i % shape[k]
		i /= shape[k]
	}
	return at
}

// TestReferenceCasesComplete checks that the manifest and the case directories agree, so
// that a case cannot drop out of TestReferenceCases unnoticed.
func TestReferenceCasesComplete(t *testing.T) {
	m := readRefManifest(t)
	listed := map[string]bool{}
	for _, c := range m.Cases {
		if listed[c.Name] {
			t.Errorf("case %s is listed twice", c.Name)
		}
		listed[c.Name] = true
		for _, f := range []string{"model.json", "input.npy", "output.npy"} {
			if _, err := os.Stat(c.path(f)); err != nil {
				t.Errorf("case %s: %v", c.Name, err)
			}
		}
	}
	entries, err := os.ReadDir(refDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !listed[e.Name()] {
			t.Errorf("%s/%s is not in manifest.json", refDir, e.Name())
		}
	}
}

func TestReferenceCases(t *testing.T) {
	m := readRefManifest(t)
	worst, worstCase := 0.0, ""
	for _, c := range m.Cases {
		t.Run(c.Name, func(t *testing.T) {
			want := readNPY(t, c.path("output.npy"))
			if !slices.Equal(want.Shape, c.OutputShape) {
				t.Fatalf("output.npy has shape %v, manifest says %v", want.Shape, c.OutputShape)
			}
			scale := maxAbs(want.Data)
			if scale == 0 {
				t.Fatal("output.npy is all zeros: the case checks nothing")
			}
			weights := c.path("weights")
			if len(c.Variables) == 0 {
				weights = t.TempDir() // git keeps no empty directory; -weights is required
			}
			// The whole batch at once, then one sample per batch (Predict joins the batches).
			for _, batch := range []string{"32", "1"} {
				out := filepath.Join(t.TempDir(), "y.npy")
				code, _, stderr := gotl(t, "predict", "-config", c.path("model.json"), "-weights", weights,
					"-input", c.path("input.npy"), "-output", out, "-batch", batch)
				if code != 0 {
					t.Fatalf("%s\ngotl predict -batch %s: exit status %d\n%s", c.Description, batch, code, stderr)
				}
				got := readNPY(t, out)
				maxErr, at, err := compare(got, want)
				if err != nil {
					t.Fatalf("%s, -batch %s: %v", c.Description, batch, err)
				}
				rel := maxErr / scale
				if !(maxErr <= refTolerance*scale) {
					t.Errorf("%s, -batch %s: max|got - want| = %.3g at %v (got %g, want %g) is %.3g of max|want| = %g; allowed %g",
						c.Description, batch, maxErr, unravel(at, want.Shape), got.Data[at], want.Data[at], rel, scale, refTolerance)
				}
				if rel > worst {
					worst, worstCase = rel, c.Name
				}
			}
		})
	}
	t.Logf("%d cases; largest max|got - want| / max|want| = %.3g (%s)", len(m.Cases), worst, worstCase)
}

// TestReferenceCasesSummary runs `gotl summary` on every case: it must succeed and show
// every layer (in a row starting with "name (Class)", which the summary cuts to its first
// column's width like Keras) and the reference's parameter count.
func TestReferenceCasesSummary(t *testing.T) {
	m := readRefManifest(t)
	for _, c := range m.Cases {
		t.Run(c.Name, func(t *testing.T) {
			code, stdout, stderr := gotl(t, "summary", "-config", c.path("model.json"))
			if code != 0 {
				t.Fatalf("gotl summary: exit status %d\n%s", code, stderr)
			}
			for _, l := range c.Layers {
				class, name, _ := strings.Cut(l, " ")
				want := name + " (" + class + ")"
				want = want[:min(len(want), summaryNameWidth)]
				if !strings.Contains(stdout, "\n"+want) {
					t.Errorf("summary has no row for %s:\n%s", l, stdout)
				}
			}
			if want := "Total params: " + thousandsSep(c.Params) + "\n"; !strings.Contains(stdout, want) {
				t.Errorf("summary lacks %q:\n%s", strings.TrimSpace(want), stdout)
			}
		})
	}
}

// summaryNameWidth is the part of the "name (Class)" field that the narrower (65-column)
// summary table always shows.
const summaryNameWidth = 28

// thousandsSep writes n with comma separators, as Keras's summary does.
func thousandsSep(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
