package nn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// A LayerDecoder builds a layer from its Keras config (package layers registers one per
// supported class).
type LayerDecoder func(c *KerasConfig) (Layer, error)

var (
	decodersMu sync.RWMutex
	decoders   = map[string]LayerDecoder{}
)

// RegisterLayer makes FromKerasJSON understand a Keras layer class. It panics when the
// class is registered twice (registration happens in package init).
func RegisterLayer(class string, decode LayerDecoder) {
	decodersMu.Lock()
	defer decodersMu.Unlock()
	if _, dup := decoders[class]; dup {
		panic("nn: Keras layer class " + class + " registered twice")
	}
	decoders[class] = decode
}

func decoderFor(class string) (LayerDecoder, error) {
	decodersMu.RLock()
	defer decodersMu.RUnlock()
	if d, ok := decoders[class]; ok {
		return d, nil
	}
	if len(decoders) == 0 {
		return nil, fmt.Errorf("nn: Keras layer class %q: no layer classes are registered; import github.com/org/gotl/layers", class)
	}
	known := make([]string, 0, len(decoders))
	for k := range decoders {
		known = append(known, k)
	}
	sort.Strings(known)
	return nil, fmt.Errorf("nn: unknown Keras layer class %q (supported: %s)", class, strings.Join(known, ", "))
}

// KerasConfig is the config object of one Keras layer, read key by key by the layer's
// decoder. Every key must be read, ignored explicitly, or be null where null means "not
// used"; Err then reports the first problem, naming the layer and the key, so an option
// gotl does not implement is an error rather than silently dropped.
type KerasConfig struct {
	Class string
	Name  string
	raw   map[string]json.RawMessage
	used  map[string]bool
	err   error
}

// NewKerasConfig parses a config object.
func NewKerasConfig(class string, raw json.RawMessage) (*KerasConfig, error) {
	c := &KerasConfig{Class: class, used: map[string]bool{}}
	if err := json.Unmarshal(raw, &c.raw); err != nil {
		return nil, fmt.Errorf("nn: Keras %s config: %w", class, err)
	}
	if name, ok := c.raw["name"]; ok {
		if err := json.Unmarshal(name, &c.Name); err != nil {
			return nil, fmt.Errorf("nn: Keras %s config: name: %w", class, err)
		}
		c.used["name"] = true
	}
	return c, nil
}

func (c *KerasConfig) fail(key string, format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("nn: Keras layer %q (%s): %s: %s", c.Name, c.Class, key, fmt.Sprintf(format, args...))
	}
}

// Has reports whether key is present and not null.
func (c *KerasConfig) Has(key string) bool {
	v, ok := c.raw[key]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

func (c *KerasConfig) decode(key string, dst any) bool {
	c.used[key] = true
	v, ok := c.raw[key]
	if !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		return false
	}
	if err := json.Unmarshal(v, dst); err != nil {
		c.fail(key, "%v", err)
		return false
	}
	return true
}

// Int reads an integer (def when absent or null).
func (c *KerasConfig) Int(key string, def int) int {
	var f float64
	if !c.decode(key, &f) {
		return def
	}
	if f != float64(int(f)) {
		c.fail(key, "%v is not an integer", f)
		return def
	}
	return int(f)
}

// Float reads a number.
func (c *KerasConfig) Float(key string, def float64) float64 {
	v := def
	c.decode(key, &v)
	return v
}

// Bool reads a boolean.
func (c *KerasConfig) Bool(key string, def bool) bool {
	v := def
	c.decode(key, &v)
	return v
}

// String reads a string.
func (c *KerasConfig) String(key string, def string) string {
	v := def
	c.decode(key, &v)
	return v
}

// Ints reads a list of integers, or a single integer repeated n times (Keras's int or
// tuple arguments).
func (c *KerasConfig) Ints(key string, n int, def []int) []int {
	c.used[key] = true
	if !c.Has(key) {
		return def
	}
	var one int
	if err := json.Unmarshal(c.raw[key], &one); err == nil {
		out := make([]int, n)
		for i := range out {
			out[i] = one
		}
		return out
	}
	var list []int
	if err := json.Unmarshal(c.raw[key], &list); err != nil {
		c.fail(key, "want an integer or a list of integers: %v", err)
		return def
	}
	if n > 0 && len(list) != n {
		c.fail(key, "want %d values, got %v", n, list)
		return def
	}
	return list
}

// Raw returns a value undecoded (nil when absent or null).
func (c *KerasConfig) Raw(key string) json.RawMessage {
	c.used[key] = true
	if !c.Has(key) {
		return nil
	}
	return c.raw[key]
}

// Ignore accepts keys that carry no meaning for gotl (dtype, trainable handled apart, ...).
func (c *KerasConfig) Ignore(keys ...string) {
	for _, k := range keys {
		c.used[k] = true
	}
}

// Unsupported accepts keys only when absent or null (regularizers, constraints).
func (c *KerasConfig) Unsupported(keys ...string) {
	for _, k := range keys {
		c.used[k] = true
		if c.Has(k) {
			c.fail(k, "%s is not supported by gotl", strings.TrimSpace(string(c.raw[k])))
		}
	}
}

// Expect accepts key only when absent, null, or equal to one of the allowed JSON values
// (given as Go values, e.g. "channels_last", 1).
func (c *KerasConfig) Expect(key string, allowed ...any) {
	c.used[key] = true
	if !c.Has(key) {
		return
	}
	for _, a := range allowed {
		want, _ := json.Marshal(a)
		var got, w any
		json.Unmarshal(c.raw[key], &got)
		json.Unmarshal(want, &w)
		if fmt.Sprint(got) == fmt.Sprint(w) {
			return
		}
	}
	c.fail(key, "value %s is not supported by gotl (supported: %v)", strings.TrimSpace(string(c.raw[key])), allowed)
}

// Fail records a decoding error for key.
func (c *KerasConfig) Fail(key string, err error) {
	if err != nil {
		c.fail(key, "%v", err)
	}
}

// Err reports the first error met, or a key nobody read.
func (c *KerasConfig) Err() error {
	if c.err != nil {
		return c.err
	}
	var unknown []string
	for k := range c.raw {
		if !c.used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("nn: Keras layer %q (%s): unknown option(s) %s", c.Name, c.Class, strings.Join(unknown, ", "))
	}
	return nil
}

type kerasLayerJSON struct {
	ClassName    string            `json:"class_name"`
	Config       json.RawMessage   `json:"config"`
	Name         string            `json:"name"`
	InboundNodes []json.RawMessage `json:"inbound_nodes"`
}

// check reports a layer entry without a class or a config, naming it by its name or its
// position.
func (lj *kerasLayerJSON) check(i int) error {
	name := lj.Name
	if name == "" {
		name = fmt.Sprintf("#%d", i)
	}
	switch {
	case lj.ClassName == "":
		return fmt.Errorf("nn: Keras layer %s: class_name is missing", name)
	case len(bytes.TrimSpace(lj.Config)) == 0 || bytes.Equal(bytes.TrimSpace(lj.Config), []byte("null")):
		return fmt.Errorf("nn: Keras layer %s (%s): config is missing", name, lj.ClassName)
	}
	return nil
}

type kerasModelJSON struct {
	ClassName string          `json:"class_name"`
	Config    json.RawMessage `json:"config"`
}

// FromKerasJSON builds a model from the JSON of a Keras 2 model.to_json() (classes
// Sequential and Functional/Model, nested models included) for every layer class a
// package registered (import github.com/org/gotl/layers). Unknown classes and options are
// errors that name them. The variables are initialised as for NewModel; load weights
// with LoadWeights.
func FromKerasJSON(data []byte, opts ...ModelOption) (*Model, error) {
	var top kerasModelJSON
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError(data, err)
	}
	if top.ClassName == "" || top.Config == nil {
		return nil, errors.New("nn: Keras JSON: want an object with class_name and config (the output of model.to_json())")
	}
	return decodeModel(top.ClassName, top.Config, opts, true)
}

// jsonError describes a JSON decoding error with its line and column.
func jsonError(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var offset int64
	switch {
	case errors.As(err, &syntax):
		offset = syntax.Offset
	case errors.As(err, &typ):
		return fmt.Errorf("nn: Keras JSON: at byte %d: a %s where the model.to_json() format has an object", typ.Offset, typ.Value)
	default:
		return fmt.Errorf("nn: Keras JSON: %w", err)
	}
	line, col := 1, 1
	for _, c := range data[:min(int(offset), len(data))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("nn: Keras JSON: line %d, column %d: %w", line, col, err)
}

// decodeModel decodes a model; nested models (top false) take the backend and seed
// options but keep their own name.
func decodeModel(class string, config json.RawMessage, opts []ModelOption, top bool) (*Model, error) {
	switch class {
	case "Sequential":
		return decodeSequential(config, opts, top)
	case "Functional", "Model":
		return decodeFunctional(config, opts, top)
	}
	return nil, fmt.Errorf("nn: Keras JSON: model class %q is not supported (want Sequential, Functional or Model)", class)
}

// decodeLayer builds one layer from a class and config: a nested model, an InputLayer, or
// a registered class.
func decodeLayer(class string, config json.RawMessage, opts []ModelOption) (Layer, error) {
	switch class {
	case "Sequential", "Functional", "Model":
		return decodeModel(class, config, opts, false)
	case "InputLayer":
		return decodeInputLayer(config)
	}
	decode, err := decoderFor(class)
	if err != nil {
		return nil, err
	}
	c, err := NewKerasConfig(class, config)
	if err != nil {
		return nil, err
	}
	trainable := c.Bool("trainable", true)
	c.Expect("dtype", "float32")
	l, err := decode(c)
	if err != nil {
		return nil, err
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	l.SetTrainable(trainable)
	return l, nil
}

// kerasShape reads Keras's shapes, where null is an unknown dimension.
func (c *KerasConfig) kerasShape(key string) []int {
	c.used[key] = true
	var dims []*int
	if !c.Has(key) {
		return nil
	}
	if err := json.Unmarshal(c.raw[key], &dims); err != nil {
		c.fail(key, "%v", err)
		return nil
	}
	out := make([]int, len(dims))
	for i, d := range dims {
		out[i] = -1
		if d != nil {
			out[i] = *d
		}
	}
	return out
}

// withName puts the JSON name before the caller's options for the top model (the caller
// may rename it) and after them for a nested one.
func withName(name string, opts []ModelOption, top bool) []ModelOption {
	if top {
		return append([]ModelOption{WithName(name)}, opts...)
	}
	return append(append([]ModelOption(nil), opts...), WithName(name))
}

func decodeSequential(config json.RawMessage, opts []ModelOption, top bool) (*Model, error) {
	var cfg struct {
		Name   string           `json:"name"`
		Layers []kerasLayerJSON `json:"layers"`
	}
	if err := json.Unmarshal(config, &cfg); err != nil {
		return nil, fmt.Errorf("nn: Keras Sequential config: %w", err)
	}
	var layers []Layer
	for i, lj := range cfg.Layers {
		if err := lj.check(i); err != nil {
			return nil, err
		}
		if lj.ClassName == "InputLayer" {
			if i != 0 {
				return nil, fmt.Errorf("nn: Keras Sequential %q: InputLayer at position %d; only the first layer may be one", cfg.Name, i)
			}
			l, err := decodeInputLayer(lj.Config)
			if err != nil {
				return nil, err
			}
			layers = append(layers, l)
			continue
		}
		if i == 0 {
			// Older Keras puts the input shape in the first layer's config.
			c, err := NewKerasConfig(lj.ClassName, lj.Config)
			if err != nil {
				return nil, err
			}
			if shape := c.kerasShape("batch_input_shape"); shape != nil {
				layers = append(layers, NewInputLayer("", shape[1:]...))
				var m map[string]json.RawMessage
				json.Unmarshal(lj.Config, &m)
				delete(m, "batch_input_shape")
				lj.Config, _ = json.Marshal(m)
			}
		}
		l, err := decodeLayer(lj.ClassName, lj.Config, opts)
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
	}
	return NewSequential(layers, withName(cfg.Name, opts, top)...)
}

func decodeInputLayer(config json.RawMessage) (Layer, error) {
	c, err := NewKerasConfig("InputLayer", config)
	if err != nil {
		return nil, err
	}
	shape := c.kerasShape("batch_input_shape")
	c.Expect("dtype", "float32")
	c.Expect("sparse", false)
	c.Expect("ragged", false)
	if err := c.Err(); err != nil {
		return nil, err
	}
	if len(shape) < 2 {
		return nil, fmt.Errorf("nn: Keras InputLayer %q: batch_input_shape %v: want [null, ...]", c.Name, shape)
	}
	return NewInputLayer(c.Name, shape[1:]...), nil
}

// inboundTensor is one entry of a node's inbound list: [layer name, node index, tensor
// index, kwargs].
type inboundTensor struct {
	layer string
}

func parseInbound(layer string, raw []json.RawMessage) ([]inboundTensor, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if len(raw) > 1 {
		return nil, fmt.Errorf("nn: Keras layer %q is called %d times (shared layers are not supported)", layer, len(raw))
	}
	var entries [][]json.RawMessage
	if err := json.Unmarshal(raw[0], &entries); err != nil {
		return nil, fmt.Errorf("nn: Keras layer %q: inbound_nodes: %w", layer, err)
	}
	out := make([]inboundTensor, len(entries))
	for i, e := range entries {
		if len(e) < 3 {
			return nil, fmt.Errorf("nn: Keras layer %q: inbound entry %d: want [name, node, tensor, kwargs]", layer, i)
		}
		var name string
		var tensorIndex int
		if err := json.Unmarshal(e[0], &name); err != nil {
			return nil, fmt.Errorf("nn: Keras layer %q: inbound entry %d: %w", layer, i, err)
		}
		if err := json.Unmarshal(e[2], &tensorIndex); err != nil || tensorIndex != 0 {
			return nil, fmt.Errorf("nn: Keras layer %q: inbound entry %d: tensor index %s (only single-output layers are supported)", layer, i, e[2])
		}
		if len(e) > 3 {
			var kwargs map[string]json.RawMessage
			if err := json.Unmarshal(e[3], &kwargs); err != nil {
				return nil, fmt.Errorf("nn: Keras layer %q: inbound entry %d: kwargs: %w", layer, i, err)
			}
			for k := range kwargs {
				return nil, fmt.Errorf("nn: Keras layer %q: inbound entry %d: call argument %q is not supported", layer, i, k)
			}
		}
		out[i] = inboundTensor{layer: name}
	}
	return out, nil
}

func decodeFunctional(config json.RawMessage, opts []ModelOption, top bool) (*Model, error) {
	var cfg struct {
		Name         string              `json:"name"`
		Layers       []kerasLayerJSON    `json:"layers"`
		InputLayers  [][]json.RawMessage `json:"input_layers"`
		OutputLayers [][]json.RawMessage `json:"output_layers"`
	}
	if err := json.Unmarshal(config, &cfg); err != nil {
		return nil, fmt.Errorf("nn: Keras Functional config: %w", err)
	}
	nodes := map[string]*Node{}
	type pending struct {
		layer   Layer
		name    string
		inbound []inboundTensor
	}
	var todo []pending
	for i, lj := range cfg.Layers {
		if err := lj.check(i); err != nil {
			return nil, err
		}
		var l Layer
		var err error
		l, err = decodeLayer(lj.ClassName, lj.Config, opts)
		if err != nil {
			return nil, err
		}
		name := lj.Name
		if name == "" {
			name = l.Name()
		}
		if m, ok := l.(*Model); ok && name != "" {
			m.name, m.explicit = name, true
		}
		if _, dup := nodes[name]; dup {
			return nil, fmt.Errorf("nn: Keras model %q: two layers are named %q", cfg.Name, name)
		}
		inbound, err := parseInbound(name, lj.InboundNodes)
		if err != nil {
			return nil, err
		}
		if in, ok := l.(*InputLayer); ok {
			s, err := in.Build(nil)
			if err != nil {
				return nil, err
			}
			in.applied = true
			nodes[name] = &Node{layer: in, shape: s}
			continue
		}
		nodes[name] = nil
		todo = append(todo, pending{l, name, inbound})
	}
	// Connect in list order; Keras lists layers inputs-first, but tolerate any order.
	for len(todo) > 0 {
		progress := false
		rest := todo[:0]
		for _, p := range todo {
			ins := make([]*Node, len(p.inbound))
			ready := true
			for i, t := range p.inbound {
				n, known := nodes[t.layer]
				if !known {
					return nil, fmt.Errorf("nn: Keras layer %q takes input from unknown layer %q", p.name, t.layer)
				}
				if n == nil {
					ready = false
					break
				}
				ins[i] = n
			}
			if !ready {
				rest = append(rest, p)
				continue
			}
			if len(ins) == 0 {
				return nil, fmt.Errorf("nn: Keras layer %q has no inbound nodes", p.name)
			}
			n := Apply(p.layer, ins...)
			if n.err != nil {
				return nil, n.err
			}
			nodes[p.name] = n
			progress = true
		}
		todo = rest
		if !progress && len(todo) > 0 {
			return nil, fmt.Errorf("nn: Keras model %q: layers %q and others form a cycle or miss inputs", cfg.Name, todo[0].name)
		}
	}
	ends := func(what string, list [][]json.RawMessage) ([]*Node, error) {
		var out []*Node
		for _, e := range list {
			var name string
			if len(e) == 0 || json.Unmarshal(e[0], &name) != nil {
				return nil, fmt.Errorf("nn: Keras model %q: malformed %s entry", cfg.Name, what)
			}
			n := nodes[name]
			if n == nil {
				return nil, fmt.Errorf("nn: Keras model %q: %s names unknown layer %q", cfg.Name, what, name)
			}
			out = append(out, n)
		}
		return out, nil
	}
	inputs, err := ends("input_layers", cfg.InputLayers)
	if err != nil {
		return nil, err
	}
	outputs, err := ends("output_layers", cfg.OutputLayers)
	if err != nil {
		return nil, err
	}
	return NewModel(inputs, outputs, withName(cfg.Name, opts, top)...)
}
