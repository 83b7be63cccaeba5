package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/gotl/internal/npy"
)

// Bad input gets a clear error, never a panic (issue 2, bar 5): each broken file or
// command line goes through run, which must return exit status 1 (2 for a usage error),
// print one message naming the file, variable, layer or class at fault, and write no output.

// fixture is a copy of a reference case (testdata/refcases) in a temporary directory, for
// a test to break.
type fixture struct {
	dir, config, weights, input, output string
}

// conv is the case most fixtures start from: Conv2D(4, 3, padding="same") on (2, 7, 9, 3),
// variables conv2d/kernel (3, 3, 3, 4) and conv2d/bias (4).
const convCase = "conv2d_same_s1_k3_odd"

func newFixture(t *testing.T, refCase string) *fixture {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(refDir, refCase)
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		dir:     dir,
		config:  filepath.Join(dir, "model.json"),
		weights: filepath.Join(dir, "weights"),
		input:   filepath.Join(dir, "input.npy"),
		output:  filepath.Join(dir, "y.npy"),
	}
}

// path names a new file in the fixture.
func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

// write writes a file of the fixture, creating its directory.
func (f *fixture) write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// truncate keeps the first n bytes of a file.
func (f *fixture) truncate(t *testing.T, path string, n int64) {
	t.Helper()
	if err := os.Truncate(path, n); err != nil {
		t.Fatal(err)
	}
}

// writeNPY writes a float32 array of the given shape (values 0, 1, 2, ...).
func (f *fixture) writeNPY(t *testing.T, path string, shape ...int) {
	t.Helper()
	n := 1
	for _, d := range shape {
		n *= d
	}
	a := npy.Array{Shape: shape, Data: make([]float32, n)}
	for i := range a.Data {
		a.Data[i] = float32(i)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(path, a); err != nil {
		t.Fatal(err)
	}
}

// rawNPY is an .npy file (format 1.0) with any header dict and data, for the dtypes and
// layouts that npy.Write does not produce.
func rawNPY(descr string, fortran bool, shape string, data []byte) []byte {
	order := "False"
	if fortran {
		order = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, order, shape)
	pad := 64 - (10+len(dict)+1)%64
	header := dict + strings.Repeat(" ", pad%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	b.WriteByte(byte(len(header)))
	b.WriteByte(byte(len(header) >> 8))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

// edit replaces old by new in the model JSON; old must occur.
func (f *fixture) edit(t *testing.T, old, new string) {
	t.Helper()
	data, err := os.ReadFile(f.config)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("model.json does not contain %s", old)
	}
	f.write(t, f.config, bytes.Replace(data, []byte(old), []byte(new), 1))
}

// setLayer replaces the class and config of the i-th layer of the model JSON.
func (f *fixture) setLayer(t *testing.T, i int, class, config string) {
	t.Helper()
	data, err := os.ReadFile(f.config)
	if err != nil {
		t.Fatal(err)
	}
	var model struct {
		ClassName string `json:"class_name"`
		Config    struct {
			Name         string                       `json:"name"`
			Layers       []map[string]json.RawMessage `json:"layers"`
			InputLayers  json.RawMessage              `json:"input_layers"`
			OutputLayers json.RawMessage              `json:"output_layers"`
		} `json:"config"`
	}
	if err := json.Unmarshal(data, &model); err != nil {
		t.Fatal(err)
	}
	model.Config.Layers[i]["class_name"], _ = json.Marshal(class)
	model.Config.Layers[i]["config"] = json.RawMessage(config)
	if data, err = json.Marshal(model); err != nil {
		t.Fatal(err)
	}
	f.write(t, f.config, data)
}

func (f *fixture) predictArgs() []string {
	return []string{"predict", "-config", f.config, "-weights", f.weights, "-input", f.input, "-output", f.output}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		refCase string                         // default convCase
		prepare func(t *testing.T, f *fixture) // breaks the fixture
		args    func(f *fixture) []string      // default f.predictArgs()
		code    int                            // exit status
		want    []string                       // in stderr, after expanding {config} etc.
		summary bool                           // `gotl summary -config` fails the same way
	}{
		// Inputs.
		{
			name:    "truncated input data",
			prepare: func(t *testing.T, f *fixture) { f.truncate(t, f.input, 300) },
			code:    1,
			want:    []string{"{input}", "truncated", "(2, 7, 9, 3)"},
		},
		{
			name:    "truncated input header",
			prepare: func(t *testing.T, f *fixture) { f.truncate(t, f.input, 40) },
			code:    1,
			want:    []string{"{input}", "truncated"},
		},
		{
			name:    "empty input file",
			prepare: func(t *testing.T, f *fixture) { f.truncate(t, f.input, 0) },
			code:    1,
			want:    []string{"{input}"},
		},
		{
			name:    "input of rank 3",
			prepare: func(t *testing.T, f *fixture) { f.writeNPY(t, f.input, 2, 7, 9) },
			code:    1,
			want:    []string{"{input}", "input_1", "(None, 7, 9, 3)", "(2, 7, 9)"},
		},
		{
			name:    "input of rank 5",
			prepare: func(t *testing.T, f *fixture) { f.writeNPY(t, f.input, 2, 7, 9, 3, 1) },
			code:    1,
			want:    []string{"{input}", "input_1", "(None, 7, 9, 3)", "(2, 7, 9, 3, 1)"},
		},
		{
			name:    "input with 5 channels",
			prepare: func(t *testing.T, f *fixture) { f.writeNPY(t, f.input, 2, 7, 9, 5) },
			code:    1,
			want:    []string{"{input}", "input_1", "(None, 7, 9, 3)", "(2, 7, 9, 5)"},
		},
		{
			name:    "input of the wrong height",
			prepare: func(t *testing.T, f *fixture) { f.writeNPY(t, f.input, 2, 5, 9, 3) },
			code:    1,
			want:    []string{"{input}", "input_1", "(None, 7, 9, 3)", "(2, 5, 9, 3)"},
		},
		{
			name:    "image input to a Dense model",
			refCase: "dense_relu",
			prepare: func(t *testing.T, f *fixture) { f.writeNPY(t, f.input, 3, 13, 1, 1) },
			code:    1,
			want:    []string{"{input}", "input_1", "(None, 13)", "(3, 13, 1, 1)"},
		},
		{
			name:    "input without samples",
			prepare: func(t *testing.T, f *fixture) { f.writeNPY(t, f.input, 0, 7, 9, 3) },
			code:    1,
			want:    []string{"{input}", "(0, 7, 9, 3)"},
		},
		{
			name:    "scalar input",
			prepare: func(t *testing.T, f *fixture) { f.writeNPY(t, f.input) },
			code:    1,
			want:    []string{"{input}", "scalar"},
		},
		{
			name: "complex input",
			prepare: func(t *testing.T, f *fixture) {
				f.write(t, f.input, rawNPY("<c8", false, "(2, 7, 9, 3)", make([]byte, 2*7*9*3*8)))
			},
			code: 1,
			want: []string{"{input}", "<c8"},
		},
		{
			name: "string input",
			prepare: func(t *testing.T, f *fixture) {
				f.write(t, f.input, rawNPY("<U1", false, "(2,)", make([]byte, 2*4)))
			},
			code: 1,
			want: []string{"{input}", "<U1"},
		},
		{
			name: "Fortran-order input",
			prepare: func(t *testing.T, f *fixture) {
				f.write(t, f.input, rawNPY("<f4", true, "(2, 7, 9, 3)", make([]byte, 2*7*9*3*4)))
			},
			code: 1,
			want: []string{"{input}", "Fortran"},
		},
		{
			name:    "missing input file",
			prepare: func(t *testing.T, f *fixture) { f.input = f.path("absent.npy") },
			code:    1,
			want:    []string{"{input}"},
		},
		{
			name:    "output in a missing directory",
			prepare: func(t *testing.T, f *fixture) { f.output = f.path("absent/dir/y.npy") },
			code:    1,
			want:    []string{"{output}"},
		},

		// Weights.
		{
			name:    "truncated weight",
			prepare: func(t *testing.T, f *fixture) { f.truncate(t, filepath.Join(f.weights, "conv2d", "kernel.npy"), 200) },
			code:    1,
			want:    []string{`"conv2d/kernel"`, "{weights}/conv2d/kernel.npy", "truncated"},
		},
		{
			name: "weight of the wrong shape",
			prepare: func(t *testing.T, f *fixture) {
				f.writeNPY(t, filepath.Join(f.weights, "conv2d", "kernel.npy"), 3, 3, 4, 3)
			},
			code: 1,
			want: []string{"{weights}", `"conv2d/kernel"`, "[3 3 4 3]", "[3 3 3 4]"},
		},
		{
			name:    "weight of the wrong rank",
			prepare: func(t *testing.T, f *fixture) { f.writeNPY(t, filepath.Join(f.weights, "conv2d", "bias.npy"), 1, 4) },
			code:    1,
			want:    []string{"{weights}", `"conv2d/bias"`, "[1 4]", "[4]"},
		},
		{
			name:    "BatchNormalization variable of the wrong shape",
			refCase: "batchnorm_eps1e-3",
			prepare: func(t *testing.T, f *fixture) {
				f.writeNPY(t, filepath.Join(f.weights, "batch_normalization", "moving_variance.npy"), 8)
			},
			code: 1,
			want: []string{`"batch_normalization/moving_variance"`, "[8]", "[7]"},
		},
		{
			name:    "missing variable",
			prepare: func(t *testing.T, f *fixture) { os.Remove(filepath.Join(f.weights, "conv2d", "bias.npy")) },
			code:    1,
			want:    []string{"{weights}", `"conv2d/bias"`, "missing"},
		},
		{
			name:    "missing BatchNormalization variable",
			refCase: "batchnorm_eps1.001e-5",
			prepare: func(t *testing.T, f *fixture) {
				os.Remove(filepath.Join(f.weights, "batch_normalization", "moving_mean.npy"))
			},
			code: 1,
			want: []string{`"batch_normalization/moving_mean"`, "missing"},
		},
		{
			name:    "extra variable",
			prepare: func(t *testing.T, f *fixture) { f.writeNPY(t, filepath.Join(f.weights, "conv2d", "extra.npy"), 4) },
			code:    1,
			want:    []string{"{weights}", `"conv2d/extra"`, "not a variable"},
		},
		{
			name:    "gamma for a BatchNormalization without scale",
			refCase: "batchnorm_noscale_eps1e-3",
			prepare: func(t *testing.T, f *fixture) {
				f.writeNPY(t, filepath.Join(f.weights, "batch_normalization", "gamma.npy"), 7)
			},
			code: 1,
			want: []string{`"batch_normalization/gamma"`, "not a variable"},
		},
		{
			name:    "weights of another model",
			prepare: func(t *testing.T, f *fixture) { f.weights = filepath.Join(refDir, "dense_relu", "weights") },
			code:    1,
			want:    []string{`"dense/kernel"`, `"conv2d/kernel"`, `"conv2d/bias"`},
		},
		{
			name: "complex weight",
			prepare: func(t *testing.T, f *fixture) {
				f.write(t, filepath.Join(f.weights, "conv2d", "bias.npy"), rawNPY("<c8", false, "(4,)", make([]byte, 4*8)))
			},
			code: 1,
			want: []string{`"conv2d/bias"`, "<c8"},
		},
		{
			name:    "missing weights directory",
			prepare: func(t *testing.T, f *fixture) { f.weights = f.path("absent") },
			code:    1,
			want:    []string{"{weights}"},
		},
		{
			name: "truncated .npz",
			prepare: func(t *testing.T, f *fixture) {
				f.write(t, f.path("w.npz"), []byte("PK\x03\x04 not really a zip archive"))
				f.weights = f.path("w.npz")
			},
			code: 1,
			want: []string{"{weights}"},
		},

		// Model JSON.
		{
			name:    "malformed JSON",
			prepare: func(t *testing.T, f *fixture) { f.truncate(t, f.config, 200) },
			code:    1,
			want:    []string{"{config}", "JSON"},
			summary: true,
		},
		{
			name:    "JSON that is not a model",
			prepare: func(t *testing.T, f *fixture) { f.write(t, f.config, []byte(`[1, 2, 3]`)) },
			code:    1,
			want:    []string{"{config}", "JSON"},
			summary: true,
		},
		{
			name:    "unknown model class",
			prepare: func(t *testing.T, f *fixture) { f.edit(t, `"class_name": "Functional"`, `"class_name": "Subclassed"`) },
			code:    1,
			want:    []string{"{config}", `"Subclassed"`},
			summary: true,
		},
		{
			name:    "unknown layer class",
			prepare: func(t *testing.T, f *fixture) { f.edit(t, `"class_name": "Conv2D"`, `"class_name": "Conv3D"`) },
			code:    1,
			want:    []string{"{config}", `unknown Keras layer class "Conv3D"`, "Conv2D"},
			summary: true,
		},
		{
			name: "a regularizer",
			prepare: func(t *testing.T, f *fixture) {
				f.edit(t, `"kernel_regularizer": null`, `"kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.01}}`)
			},
			code:    1,
			want:    []string{"{config}", `"conv2d"`, "Conv2D", "kernel_regularizer", "not supported"},
			summary: true,
		},
		{
			name: "unknown layer option",
			prepare: func(t *testing.T, f *fixture) {
				f.edit(t, `"use_bias": true`, `"use_bias": true, "depth_multiplier": 2`)
			},
			code:    1,
			want:    []string{"{config}", `"conv2d"`, "depth_multiplier"},
			summary: true,
		},
		{
			name:    "channels_first",
			prepare: func(t *testing.T, f *fixture) { f.edit(t, `"channels_last"`, `"channels_first"`) },
			code:    1,
			want:    []string{"{config}", `"conv2d"`, "data_format", "channels_first"},
			summary: true,
		},
		{
			name:    "unknown activation",
			prepare: func(t *testing.T, f *fixture) { f.edit(t, `"activation": "linear"`, `"activation": "gelu"`) },
			code:    1,
			want:    []string{"{config}", `"conv2d"`, "activation", `"gelu"`},
			summary: true,
		},
		{
			name:    "unknown padding",
			prepare: func(t *testing.T, f *fixture) { f.edit(t, `"padding": "same"`, `"padding": "full"`) },
			code:    1,
			want:    []string{"{config}", `"conv2d"`, "padding", `"full"`},
			summary: true,
		},
		{
			name:    "no filters",
			prepare: func(t *testing.T, f *fixture) { f.edit(t, `"filters": 4`, `"filters": 0`) },
			code:    1,
			want:    []string{"{config}", `"conv2d"`, "filters", "0"},
			summary: true,
		},
		{
			name: "kernel larger than the input",
			prepare: func(t *testing.T, f *fixture) {
				f.edit(t, `"kernel_size": [3, 3], "strides": [1, 1], "padding": "same"`, `"kernel_size": [9, 9], "strides": [1, 1], "padding": "valid"`)
			},
			code:    1,
			want:    []string{"{config}", `"conv2d"`, "(None, 7, 9, 3)"},
			summary: true,
		},
		{
			name:    "inbound from an unknown layer",
			prepare: func(t *testing.T, f *fixture) { f.edit(t, `[["input_1", 0, 0, {}]]`, `[["input_9", 0, 0, {}]]`) },
			code:    1,
			want:    []string{"{config}", `"conv2d"`, `"input_9"`},
			summary: true,
		},
		{
			name: "output from an unknown layer",
			prepare: func(t *testing.T, f *fixture) {
				f.edit(t, `"output_layers": [["conv2d", 0, 0]]`, `"output_layers": [["conv2d_9", 0, 0]]`)
			},
			code:    1,
			want:    []string{"{config}", `"conv2d_9"`},
			summary: true,
		},
		{
			name: "arbitrary Lambda",
			prepare: func(t *testing.T, f *fixture) {
				f.setLayer(t, 1, "Lambda", `{"name": "conv2d", "trainable": true, "dtype": "float32", "function": ["4wEAAAAA", null, null], "function_type": "lambda", "module": "__main__", "output_shape": null, "output_shape_type": "raw", "output_shape_module": null, "arguments": {}}`)
			},
			code:    1,
			want:    []string{"{config}", `"conv2d"`, "Lambda", `"__main__"`},
			summary: true,
		},
		{
			name:    "missing config file",
			prepare: func(t *testing.T, f *fixture) { f.config = f.path("absent.json") },
			code:    1,
			want:    []string{"{config}"},
			summary: true,
		},

		// Command line.
		{
			name: "missing -config",
			args: func(f *fixture) []string {
				return []string{"predict", "-weights", f.weights, "-input", f.input, "-output", f.output}
			},
			code: 2,
			want: []string{"-config is required"},
		},
		{
			name: "missing -weights",
			args: func(f *fixture) []string {
				return []string{"predict", "-config", f.config, "-input", f.input, "-output", f.output}
			},
			code: 2,
			want: []string{"-weights is required"},
		},
		{
			name: "missing -input",
			args: func(f *fixture) []string {
				return []string{"predict", "-config", f.config, "-weights", f.weights, "-output", f.output}
			},
			code: 2,
			want: []string{"-input is required"},
		},
		{
			name: "missing -output",
			args: func(f *fixture) []string {
				return []string{"predict", "-config", f.config, "-weights", f.weights, "-input", f.input}
			},
			code: 2,
			want: []string{"-output is required"},
		},
		{
			name: "summary without -config",
			args: func(f *fixture) []string { return []string{"summary"} },
			code: 2,
			want: []string{"-config is required"},
		},
		{
			name: "batch 0",
			args: func(f *fixture) []string { return append(f.predictArgs(), "-batch", "0") },
			code: 2,
			want: []string{"-batch", "0"},
		},
		{
			name: "batch not a number",
			args: func(f *fixture) []string { return append(f.predictArgs(), "-batch", "many") },
			code: 2,
			want: []string{"-batch", `"many"`},
		},
		{
			name: "unknown flag",
			args: func(f *fixture) []string { return append(f.predictArgs(), "-device", "tpu") },
			code: 2,
			want: []string{"-device"},
		},
		{
			name: "unexpected argument",
			args: func(f *fixture) []string { return append(f.predictArgs(), "extra.npy") },
			code: 2,
			want: []string{`"extra.npy"`},
		},
		{
			name: "unknown command",
			args: func(f *fixture) []string { return []string{"train", "-config", f.config} },
			code: 2,
			want: []string{`"train"`, "usage"},
		},
		{
			name: "no command",
			args: func(f *fixture) []string { return nil },
			code: 2,
			want: []string{"usage"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			refCase := tc.refCase
			if refCase == "" {
				refCase = convCase
			}
			f := newFixture(t, refCase)
			if tc.prepare != nil {
				tc.prepare(t, f)
			}
			expand := strings.NewReplacer("{config}", f.config, "{weights}", f.weights, "{input}", f.input, "{output}", f.output)
			check := func(args []string) {
				code, stdout, stderr := gotl(t, args...)
				if code != tc.code {
					t.Fatalf("gotl %s: exit status %d, want %d\nstderr:\n%s", strings.Join(args, " "), code, tc.code, stderr)
				}
				for _, w := range tc.want {
					if w = expand.Replace(w); !strings.Contains(stderr, w) {
						t.Errorf("gotl %s: stderr does not mention %q:\n%s", args[0], w, stderr)
					}
				}
				if tc.code == 1 {
					if stdout != "" {
						t.Errorf("gotl %s: stdout %q, want nothing", args[0], stdout)
					}
					if prefix := "gotl " + args[0] + ": "; !strings.HasPrefix(stderr, prefix) {
						t.Errorf("stderr does not start with %q:\n%s", prefix, stderr)
					}
				}
				if _, err := os.Stat(f.output); err == nil {
					t.Errorf("gotl %s wrote %s", args[0], f.output)
				}
				t.Logf("exit status %d: %s", code, strings.TrimSpace(stderr))
			}
			if tc.args != nil {
				check(tc.args(f))
			} else {
				check(f.predictArgs())
			}
			if tc.summary {
				check([]string{"summary", "-config", f.config})
			}
		})
	}
}
