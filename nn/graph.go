package nn

import (
	"fmt"
)

// Node is a symbolic tensor of the functional API: the output of a layer applied to other
// nodes (Keras's KerasTensor). Building a graph never panics: a node that could not be
// built carries its error, the nodes built from it carry the same error, and NewModel
// returns it.
type Node struct {
	layer  Layer
	inputs []*Node
	shape  Shape
	err    error
}

// Shape is the node's per-sample shape.
func (n *Node) Shape() Shape { return n.shape }

// Layer is the layer whose output the node is.
func (n *Node) Layer() Layer { return n.layer }

// Inputs are the nodes the layer was applied to, in order.
func (n *Node) Inputs() []*Node { return n.inputs }

// Err is the error met while building the node (nil if it is sound).
func (n *Node) Err() error { return n.err }

// InputLayer is the layer behind Input: it receives a model input.
type InputLayer struct {
	Base
	shape Shape
}

// NewInputLayer returns an input layer for samples of the given shape (-1 for a dimension
// known only at run time); name may be empty (auto-named input_1, input_2, ...).
func NewInputLayer(name string, shape ...int) *InputLayer {
	l := &InputLayer{shape: Shape(shape).Clone()}
	l.Init(l, "InputLayer", name)
	return l
}

// Build implements Layer.
func (l *InputLayer) Build(in []Shape) (Shape, error) {
	if len(in) != 0 {
		return nil, l.Errorf("an input layer takes no inputs, got %d", len(in))
	}
	for _, d := range l.shape {
		if d == 0 || d < -1 {
			return nil, l.Errorf("shape %v: dimensions must be positive (or -1 for unknown)", []int(l.shape))
		}
	}
	return l.shape, nil
}

// Forward implements Layer: the model feeds input tensors directly, so this is the
// identity.
func (l *InputLayer) Forward(ctx *Context, in []*Tensor) (*Tensor, error) { return in[0], nil }

// Backward implements Layer.
func (l *InputLayer) Backward(ctx *Context, dy *Tensor, needDx []bool) ([]*Tensor, error) {
	return nil, nil
}

// Input returns a model input of the given per-sample shape (Keras's Input(shape=...)).
// Use -1 for a dimension known only at run time.
func Input(shape ...int) *Node { return NamedInput("", shape...) }

// NamedInput is Input with an explicit layer name.
func NamedInput(name string, shape ...int) *Node {
	l := NewInputLayer(name, shape...)
	if err := CheckName("InputLayer", name); err != nil {
		return &Node{layer: l, err: err}
	}
	s, err := l.Build(nil)
	l.applied = true
	return &Node{layer: l, shape: s, err: err}
}

// Apply connects layer l to the input nodes and returns its output node (Keras's
// layer(x) or layer([x, y])). Errors (a wrong shape, a layer used twice) are carried by
// the node; see Node.
func Apply(l Layer, in ...*Node) *Node {
	n := &Node{layer: l, inputs: in}
	for i, x := range in {
		if x == nil {
			n.err = l.LayerBase().Errorf("input %d is nil", i)
			return n
		}
		if x.err != nil {
			n.err = x.err
			return n
		}
	}
	b := l.LayerBase()
	if b.self == nil {
		n.err = fmt.Errorf("nn: layer of type %T was not initialised (its constructor must call Base.Init)", l)
		return n
	}
	if err := CheckName(b.class, b.name); err != nil {
		n.err = err
		return n
	}
	if b.applied {
		n.err = b.Errorf("the layer is already connected in a graph; gotl does not share a layer between several nodes (create another layer)")
		return n
	}
	shapes := make([]Shape, len(in))
	for i, x := range in {
		shapes[i] = x.shape
	}
	out, err := l.Build(shapes)
	if err != nil {
		n.err = err
		return n
	}
	b.applied = true
	n.shape = out
	return n
}

// Call applies the layer to the nodes: layers.NewDense(10, cfg).Call(x) is Apply(dense, x).
func (b *Base) Call(in ...*Node) *Node { return Apply(b.self, in...) }
