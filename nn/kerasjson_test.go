package nn_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/org/gotl/nn"
)

const sequentialJSON = `{"class_name": "Sequential", "config": {"name": "sequential", "layers": [
 {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 28, 28, 1], "dtype": "float32", "sparse": false, "ragged": false, "name": "conv2d_input"}},
 {"class_name": "Conv2D", "config": {"name": "conv2d", "trainable": true, "dtype": "float32", "filters": 8, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": true, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}},
 {"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d", "trainable": true, "dtype": "float32", "pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}},
 {"class_name": "Flatten", "config": {"name": "flatten", "trainable": true, "dtype": "float32", "data_format": "channels_last"}},
 {"class_name": "Dropout", "config": {"name": "dropout", "trainable": true, "dtype": "float32", "rate": 0.3, "noise_shape": null, "seed": null}},
 {"class_name": "Dense", "config": {"name": "dense", "trainable": false, "dtype": "float32", "units": 10, "activation": "softmax", "use_bias": true, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}}
]}, "keras_version": "2.8.0", "backend": "tensorflow"}`

func TestFromKerasJSONSequential(t *testing.T) {
	m, err := nn.FromKerasJSON([]byte(sequentialJSON))
	if err != nil {
		t.Fatal(err)
	}
	if got := names(m.Layers()); !slices.Equal(got, []string{"conv2d", "max_pooling2d", "flatten", "dropout", "dense"}) {
		t.Errorf("layers %v", got)
	}
	if m.Layers()[4].Trainable() {
		t.Error("trainable: false was not honoured")
	}
	if n := m.CountParams(); n != 3*3*8+8+14*14*8*10+10 {
		t.Errorf("%d params", n)
	}
	if !strings.Contains(m.Summary(), "Total params: 15,770") {
		t.Errorf("summary:\n%s", m.Summary())
	}
}

func TestFromKerasJSONErrors(t *testing.T) {
	replace := func(old, new string) string { return strings.Replace(sequentialJSON, old, new, 1) }
	tests := []struct {
		name, json, want string
	}{
		{"not JSON", "{\n \"class_name\": ", "nn: Keras JSON: line 2, column 16: unexpected end of JSON input"},
		{"an array", `[1, 2]`, "at byte 1: a array where the model.to_json() format has an object"},
		{"null config", replace(`{"class_name": "Flatten", "config": {"name": "flatten", "trainable": true, "dtype": "float32", "data_format": "channels_last"}}`, `{"class_name": "Flatten", "config": null}`), "Keras layer #3 (Flatten): config is missing"},
		{"not a model", `{"a": 1}`, "want an object with class_name and config"},
		{"unknown class", replace(`"class_name": "Flatten"`, `"class_name": "Reshape"`), `unknown Keras layer class "Reshape" (supported: Activation, Add,`},
		{"unknown option", replace(`"rate": 0.3,`, `"rate": 0.3, "fancy": 1,`), `Keras layer "dropout" (Dropout): unknown option(s) fancy`},
		{"regularizer", replace(`"kernel_regularizer": null`, `"kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.01}}`), `kernel_regularizer: {"class_name": "L2", "config": {"l2": 0.01}} is not supported`},
		{"channels_first", replace(`"data_format": "channels_last", "dilation_rate"`, `"data_format": "channels_first", "dilation_rate"`), `data_format: value "channels_first" is not supported`},
		{"bad activation", replace(`"activation": "relu"`, `"activation": "mish"`), `activation: unknown activation "mish"`},
		{"bad padding", replace(`"padding": "same"`, `"padding": "causal"`), `padding: unknown padding "causal"`},
		{"model class", `{"class_name": "Subclassed", "config": {}}`, `model class "Subclassed" is not supported`},
		{"float64", replace(`"dtype": "float32", "filters"`, `"dtype": "float64", "filters"`), `dtype: value "float64" is not supported`},
	}
	for _, tt := range tests {
		_, err := nn.FromKerasJSON([]byte(tt.json))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

const nestedJSON = `{"class_name": "Functional", "config": {"name": "outer", "layers": [
 {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_2"}, "name": "input_2", "inbound_nodes": []},
 {"class_name": "Functional", "config": {"name": "inner", "layers": [
   {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_1"}, "name": "input_1", "inbound_nodes": []},
   {"class_name": "Dense", "config": {"name": "d1", "units": 3}, "name": "d1", "inbound_nodes": [[["input_1", 0, 0, {}]]]},
   {"class_name": "Dense", "config": {"name": "d2", "units": 3}, "name": "d2", "inbound_nodes": [[["input_1", 0, 0, {}]]]},
   {"class_name": "Concatenate", "config": {"name": "cat", "axis": -1}, "name": "cat", "inbound_nodes": [[["d1", 0, 0, {}], ["d2", 0, 0, {}]]]}
  ], "input_layers": [["input_1", 0, 0]], "output_layers": [["cat", 0, 0]]}, "name": "inner", "inbound_nodes": [[["input_2", 0, 0, {}]]]},
 {"class_name": "Dense", "config": {"name": "head", "units": 2, "activation": "softmax"}, "name": "head", "inbound_nodes": [[["inner", 1, 0, {}]]]}
], "input_layers": [["input_2", 0, 0]], "output_layers": [["head", 0, 0]]}}`

func TestFromKerasJSONNested(t *testing.T) {
	m, err := nn.FromKerasJSON([]byte(nestedJSON), nn.WithDevice("reference"))
	if err != nil {
		t.Fatal(err)
	}
	if got := names(m.Layers()); !slices.Equal(got, []string{"input_2", "inner", "head"}) {
		t.Errorf("layers %v", got)
	}
	if m.Name() != "outer" || m.Backend().Name() != "reference" {
		t.Errorf("model %q on %q", m.Name(), m.Backend().Name())
	}
	if m.CountParams() != 2*(4*3+3)+6*2+2 {
		t.Errorf("%d params", m.CountParams())
	}
	var keys []string
	for _, v := range m.Variables() {
		keys = append(keys, v.Name())
	}
	if !slices.Equal(keys, []string{"d1/kernel", "d1/bias", "d2/kernel", "d2/bias", "head/kernel", "head/bias"}) {
		t.Errorf("variables %v", keys)
	}
}
