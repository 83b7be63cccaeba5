package nn

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/org/gotl/internal/device"
)

// Layer is one step of a model: it builds its variables for the shapes it is connected
// to, computes its output for a batch, and, given the gradient of the output, the
// gradients of its inputs and of its trainable variables.
//
// A layer type embeds Base (which implements LayerBase and the naming, trainability and
// variable bookkeeping) and implements Build, Forward and Backward.
type Layer interface {
	// LayerBase returns the embedded Base.
	LayerBase() *Base
	// Name is the layer's unique name within a model (Keras layer.name).
	Name() string
	// ClassName is the Keras class name, as Summary prints it ("Conv2D").
	ClassName() string
	// Trainable reports the layer's own trainable flag.
	Trainable() bool
	// SetTrainable sets the trainable flag (recursively for a Model, as Keras does).
	SetTrainable(bool)
	// Variables lists the layer's variables (recursively for a Model).
	Variables() []*Variable

	// Build validates the per-sample input shapes (one per input; -1 for unknown
	// dimensions), declares the layer's variables with AddVariable and returns the
	// per-sample output shape. It is called once, when the layer is applied to nodes.
	Build(in []Shape) (Shape, error)
	// Forward computes the output for a batch. The returned tensor belongs to the layer and
	// stays valid until its next Forward; Forward keeps what Backward needs.
	Forward(ctx *Context, in []*Tensor) (*Tensor, error)
	// Backward takes the gradient of the loss with respect to the output of the last
	// Forward (in training mode), writes the gradients of the layer's trainable variables
	// when the layer is trainable, and returns the gradients of the inputs for which needDx
	// is true (nil elsewhere). It must not modify dy; a returned gradient may alias dy.
	Backward(ctx *Context, dy *Tensor, needDx []bool) ([]*Tensor, error)
}

// Context carries what a forward or backward pass needs beyond its inputs.
type Context struct {
	// Training is true inside Fit's training step: Dropout drops, BatchNormalization uses
	// batch statistics (unless frozen, see layers.BatchNormalization).
	Training bool
	rng      *rand.Rand
}

// NewContext returns a context for a pass; rng supplies dropout masks (nil: a fixed seed).
func NewContext(training bool, rng *rand.Rand) *Context {
	if rng == nil {
		rng = rand.New(rand.NewPCG(0, 0))
	}
	return &Context{Training: training, rng: rng}
}

// Rand is the random stream for dropout-like layers.
func (c *Context) Rand() *rand.Rand { return c.rng }

// Initializer fills a new variable. values has len = the product of shape, in C order over
// the Keras shape; rng is seeded for this variable alone (from the model seed and the
// variable's full name), so the values do not depend on the order layers are built in.
type Initializer interface {
	Initialize(values []float64, shape []int, rng *rand.Rand)
}

// Zero stands for exactly 0 in a float option whose zero value selects a non-zero Keras
// default: optim.AdamConfig{Beta1: nn.Zero} is Keras's Adam(beta_1=0.0),
// layers.BatchNormalizationConfig{Momentum: nn.Zero} is momentum=0. (Its value is one no
// option would take.)
const Zero = -0x1p-1022

// Option resolves a float option whose zero value means a Keras default: def when v is 0,
// 0 when v is Zero, else v.
func Option(v, def float64) float64 {
	switch v {
	case 0:
		return def
	case Zero:
		return 0
	}
	return v
}

// creation counts layers as they are constructed; auto names are given in creation order,
// as Keras does.
var creation atomic.Uint64

// Base holds what every layer shares: its name, class, trainable flag, variables and
// backend. Layer types embed it and call Init from their constructor.
type Base struct {
	self      Layer
	class     string
	name      string
	explicit  bool // the user gave the name
	trainable bool
	seq       uint64
	vars      []*Variable
	backend   device.Backend
	applied   bool // applied to a node (layers are not shared between nodes)
}

var validName = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)

// Init sets up the base of layer self, of Keras class class. An empty name is replaced by
// an automatic one (snake_case class plus a counter) when the layer joins a model.
func (b *Base) Init(self Layer, class, name string) {
	b.self = self
	b.class = class
	b.name = name
	b.explicit = name != ""
	b.trainable = true
	b.seq = creation.Add(1)
}

// CheckName returns an error when an explicit name cannot serve as a file name component.
func CheckName(class, name string) error {
	if name != "" && !validName.MatchString(name) {
		return fmt.Errorf("nn: %s name %q: only letters, digits, '_', '.' and '-' are allowed", class, name)
	}
	return nil
}

// LayerBase implements Layer.
func (b *Base) LayerBase() *Base { return b }

// Name is the layer's name; before the layer joins a model an unnamed layer reports
// "<snake_case class> (unnamed)".
func (b *Base) Name() string {
	if b.name == "" {
		return SnakeCase(b.class) + " (unnamed)"
	}
	return b.name
}

// ClassName is the Keras class name.
func (b *Base) ClassName() string { return b.class }

// Trainable reports the layer's trainable flag.
func (b *Base) Trainable() bool { return b.trainable }

// SetTrainable sets the layer's trainable flag.
func (b *Base) SetTrainable(v bool) { b.trainable = v }

// Variables lists the layer's variables in creation order (Keras weight order).
func (b *Base) Variables() []*Variable { return b.vars }

// Backend is the backend the layer's variables live on (nil before its model is built).
func (b *Base) Backend() device.Backend { return b.backend }

// AddVariable declares a variable of the given Keras shape; its value is allocated and
// initialised when the layer's model is built. trainable is false for statistics such as
// BatchNormalization's moving mean, which are never trained.
func (b *Base) AddVariable(name string, shape []int, init Initializer, trainable bool) *Variable {
	v := &Variable{layer: b, name: name, shape: append([]int(nil), shape...), init: init, trainable: trainable}
	b.vars = append(b.vars, v)
	return v
}

// Ensure returns t (allocated when nil) with the given shape, growing its buffer when it
// is too small and reusing it otherwise. Layers keep their outputs and gradients in
// tensors managed this way, so a steady-state step allocates nothing.
func (b *Base) Ensure(t *Tensor, shape ...int) *Tensor {
	if t == nil {
		t = &Tensor{}
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if t.Buf == nil || t.Buf.Len() < n {
		t.Buf = b.backend.Alloc(n)
	}
	t.Shape = append(t.Shape[:0], shape...)
	return t
}

// Errorf returns an error that names the layer: `nn: Conv2D "conv1": ...`.
func (b *Base) Errorf(format string, args ...any) error {
	return fmt.Errorf("nn: %s %q: %s", b.class, b.Name(), fmt.Sprintf(format, args...))
}

// ShapeErrorf returns a *ShapeError naming the layer.
func (b *Base) ShapeErrorf(want, got string) error {
	return &ShapeError{Layer: fmt.Sprintf("%s %q", b.class, b.Name()), Want: want, Got: got}
}

// Variable is a named array of a layer: Keras's weights (kernel, bias, gamma, beta,
// moving_mean, moving_variance), held on the layer's backend.
type Variable struct {
	layer     *Base
	name      string
	shape     []int
	init      Initializer
	trainable bool
	value     device.Buffer
	grad      device.Buffer
	// seed is the model seed the initial values derive from; pending says they are not
	// drawn yet. Drawing waits for the first use, so a model whose weights are then loaded
	// (or only summarised) never pays for its initializers.
	seed    uint64
	pending bool
}

// Name is the full name "<layer>/<variable>", the key in weight files.
func (v *Variable) Name() string { return v.layer.Name() + "/" + v.name }

// ShortName is the variable's own name ("kernel").
func (v *Variable) ShortName() string { return v.name }

// Layer is the layer that owns the variable.
func (v *Variable) Layer() Layer { return v.layer.self }

// Shape is the variable's Keras shape.
func (v *Variable) Shape() []int { return v.shape }

// Len is the number of values.
func (v *Variable) Len() int {
	n := 1
	for _, d := range v.shape {
		n *= d
	}
	return n
}

// Trainable reports whether the optimizer updates the variable: it is a trainable kind
// (not a moving statistic) and its layer is trainable.
func (v *Variable) Trainable() bool { return v.trainable && v.layer.trainable }

// TrainableKind reports whether the variable is of a trainable kind, whatever its layer's
// flag (false for BatchNormalization's moving statistics).
func (v *Variable) TrainableKind() bool { return v.trainable }

// Backend is the backend holding the variable.
func (v *Variable) Backend() device.Backend { return v.layer.backend }

// Value is the buffer holding the variable's values (nil before the model is built).
func (v *Variable) Value() device.Buffer {
	if v.pending {
		v.initialize()
	}
	return v.value
}

// Grad is the buffer the layer writes the variable's gradient to during Backward,
// allocated on first use.
func (v *Variable) Grad() device.Buffer {
	if v.grad == nil {
		v.grad = v.layer.backend.Alloc(v.Len())
	}
	return v.grad
}

// Read copies the values to host memory.
func (v *Variable) Read() []float32 {
	out := make([]float32, v.Len())
	if buf := v.Value(); buf != nil {
		v.layer.backend.Download(out, buf)
	}
	return out
}

// Assign sets the values from host memory; len(values) must equal Len().
func (v *Variable) Assign(values []float32) error {
	if len(values) != v.Len() {
		return fmt.Errorf("nn: variable %s: %d values for shape %v (%d)", v.Name(), len(values), v.shape, v.Len())
	}
	if v.value == nil && !v.pending {
		return fmt.Errorf("nn: variable %s: layer is not part of a built model", v.Name())
	}
	if v.pending {
		v.value, v.pending = v.layer.backend.Alloc(v.Len()), false
	}
	v.layer.backend.Upload(v.value, values)
	return nil
}

// materialize binds the variable to its model: its initial values derive from seed and
// its full name and are drawn on first use (see Value).
func (v *Variable) materialize(seed uint64) {
	v.value, v.grad = nil, nil
	v.seed, v.pending = seed, true
}

// initialize allocates the variable and fills it with its initializer, from a random stream
// derived from the model seed and the variable's full name.
func (v *Variable) initialize() {
	backend := v.layer.backend
	v.value, v.pending = backend.Alloc(v.Len()), false
	if v.init == nil {
		return
	}
	values := make([]float64, v.Len())
	v.init.Initialize(values, v.shape, rand.New(rand.NewPCG(v.seed, fnv64(v.Name()))))
	backend.Upload64(v.value, values)
}

// fnv64 is FNV-1a, used to derive per-name random streams.
func fnv64(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

// SnakeCase turns a Keras class name into its auto-name prefix exactly as tf.keras's
// to_snake_case does: Conv2D → conv2d, BatchNormalization → batch_normalization,
// MaxPooling2D → max_pooling2d, ReLU → re_lu.
func SnakeCase(class string) string {
	s := snakeWord.ReplaceAllString(class, "${1}_${2}")
	return strings.ToLower(snakeCamel.ReplaceAllString(s, "${1}_${2}"))
}

var (
	snakeWord  = regexp.MustCompile(`(.)([A-Z][a-z0-9]+)`)
	snakeCamel = regexp.MustCompile(`([a-z])([A-Z])`)
)
