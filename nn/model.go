package nn

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"

	_ "github.com/org/gotl/internal/cpu" // registers the "cpu" backend, the default
	"github.com/org/gotl/internal/device"
)

// Model is a graph of layers with inputs and outputs: Keras's functional Model, or a
// Sequential when made by NewSequential. A Model is itself a Layer, so a model can be
// one step of a larger one (a frozen zoo base under a new classifier head).
type Model struct {
	Base
	inputs     []*Node
	outputs    []*Node
	nodes      []*Node // execution order: every node after its inputs
	layers     []Layer // Keras's model.layers order
	sequential bool
	seed       uint64

	byLayer map[Layer]*Node
	// Per-node run state, indexed like nodes.
	index     map[*Node]int
	inputPos  []int // position among the model inputs, or -1
	inIdx     [][]int
	consumers []int
	outs      []*Tensor
	args      [][]*Tensor
	grads     []*Tensor
	acc       []*Tensor
	gradCount []int
	reqGrad   []bool
	needDx    [][]bool
	outIdx    []int
	outTensor []*Tensor
	inGrads   []*Tensor
	// fusion is the plan of the inference pass (nil until the first one): which nodes run
	// a fused pass for the chain of nodes after them.
	fusion []fusionStep
	rng    *rand.Rand
	// planned says reqGrad and needDx hold for the trainable state at the time and for
	// inputs needing gradients as in plannedFor; SetTrainable and Fit clear it.
	planned    bool
	plannedFor []bool
	noGrads    []bool

	compiled *compiled
}

type modelOptions struct {
	name    string
	backend device.Backend
	device  string
	seed    uint64
	seedSet bool
}

// ModelOption configures NewModel and NewSequential.
type ModelOption func(*modelOptions)

// WithName names the model (Keras's name=); the default is "model" ("sequential").
func WithName(name string) ModelOption { return func(o *modelOptions) { o.name = name } }

// WithDevice selects the backend by name ("cpu", "reference", "cuda"); the default is
// the GOTL_DEVICE environment variable, else "cpu".
func WithDevice(name string) ModelOption { return func(o *modelOptions) { o.device = name } }

// WithBackend selects an already opened backend.
func WithBackend(b Backend) ModelOption { return func(o *modelOptions) { o.backend = b } }

// WithSeed sets the seed from which the initial weights and the dropout stream derive
// (default 0: runs are reproducible unless asked otherwise).
func WithSeed(seed uint64) ModelOption {
	return func(o *modelOptions) { o.seed = seed; o.seedSet = true }
}

// NewModel builds a functional model from its input and output nodes (Keras's
// Model(inputs, outputs)). Layers without a name are named here, in creation order, as
// tf.keras names them (conv2d, conv2d_1, ...), unique across nested models; the
// variables are then allocated on the backend and initialised from the seed.
func NewModel(inputs, outputs []*Node, opts ...ModelOption) (*Model, error) {
	return newModel(inputs, outputs, false, opts)
}

func newModel(inputs, outputs []*Node, sequential bool, opts []ModelOption) (*Model, error) {
	var o modelOptions
	for _, f := range opts {
		f(&o)
	}
	m := &Model{inputs: inputs, outputs: outputs, sequential: sequential, seed: o.seed}
	class := "Functional"
	if sequential {
		class = "Sequential"
	}
	m.Init(m, class, o.name)
	if err := CheckName(class, o.name); err != nil {
		return nil, err
	}
	if len(inputs) == 0 || len(outputs) == 0 {
		return nil, fmt.Errorf("nn: model %q needs at least one input and one output", m.Name())
	}
	for _, n := range append(append([]*Node(nil), inputs...), outputs...) {
		if n == nil {
			return nil, fmt.Errorf("nn: model %q: nil node among its inputs or outputs", m.Name())
		}
		if n.err != nil {
			return nil, n.err
		}
	}
	for i, n := range inputs {
		if _, ok := n.layer.(*InputLayer); !ok {
			return nil, fmt.Errorf("nn: model %q: input %d is the output of %s %q, not an Input", m.Name(), i, n.layer.ClassName(), n.layer.Name())
		}
	}
	if err := m.mapGraph(); err != nil {
		return nil, err
	}
	if err := nameLayers(m); err != nil {
		return nil, err
	}
	backend := o.backend
	if backend == nil && o.device != "" {
		b, err := device.Open(o.device)
		if err != nil {
			return nil, err
		}
		backend = b
	}
	if backend == nil {
		backend = inheritedBackend(m)
	}
	if backend == nil {
		b, err := device.Default()
		if err != nil {
			return nil, err
		}
		backend = b
	}
	if err := m.materialize(backend); err != nil {
		return nil, err
	}
	m.rng = rand.New(rand.NewPCG(o.seed, fnv64("dropout")))
	return m, nil
}

// mapGraph finds the nodes between the inputs and the outputs, orders them for execution
// and orders the layers as Keras's _map_graph_network does (KERAS.md §1.1): depth from
// the outputs, deepest first, ties broken by first visit in a depth-first walk from the
// outputs.
func (m *Model) mapGraph() error {
	var (
		postOrder  []*Node
		firstVisit = map[Layer]int{}
		done       = map[*Node]bool{}
		inProgress = map[*Node]bool{}
		isInput    = map[*Node]int{}
	)
	for i, n := range m.inputs {
		if _, dup := isInput[n]; dup {
			return fmt.Errorf("nn: model %q: input %q given twice", m.Name(), n.layer.Name())
		}
		isInput[n] = i
	}
	var visit func(n *Node) error
	visit = func(n *Node) error {
		if done[n] {
			return nil
		}
		if inProgress[n] {
			return fmt.Errorf("nn: model %q: the graph has a cycle through %q", m.Name(), n.layer.Name())
		}
		if _, ok := firstVisit[n.layer]; !ok {
			firstVisit[n.layer] = len(firstVisit)
		}
		inProgress[n] = true
		if _, ok := n.layer.(*InputLayer); ok {
			if _, given := isInput[n]; !given {
				return fmt.Errorf("nn: model %q: graph disconnected: it needs input %q, which is not among the model's inputs", m.Name(), n.layer.Name())
			}
		}
		for _, x := range n.inputs {
			if err := visit(x); err != nil {
				return err
			}
		}
		delete(inProgress, n)
		done[n] = true
		postOrder = append(postOrder, n)
		return nil
	}
	for _, out := range m.outputs {
		if err := visit(out); err != nil {
			return err
		}
	}
	// Inputs not connected to any output still belong to the model (depth 0).
	for _, in := range m.inputs {
		if !done[in] {
			done[in] = true
			firstVisit[in.layer] = -1
			postOrder = append([]*Node{in}, postOrder...)
		}
	}
	depth := map[*Node]int{}
	for i := len(postOrder) - 1; i >= 0; i-- {
		n := postOrder[i]
		d := depth[n]
		for _, p := range n.inputs {
			if depth[p] < d+1 {
				depth[p] = d + 1
			}
		}
	}
	m.layers = m.layers[:0]
	layerDepth := make(map[Layer]int, len(postOrder))
	for _, n := range postOrder {
		m.layers = append(m.layers, n.layer)
		layerDepth[n.layer] = depth[n]
	}
	sort.SliceStable(m.layers, func(i, j int) bool {
		a, b := m.layers[i], m.layers[j]
		if layerDepth[a] != layerDepth[b] {
			return layerDepth[a] > layerDepth[b]
		}
		return firstVisit[a] < firstVisit[b]
	})
	m.nodes = postOrder
	m.index = make(map[*Node]int, len(postOrder))
	for i, n := range postOrder {
		m.index[n] = i
	}
	nn := len(postOrder)
	m.inputPos = make([]int, nn)
	m.inIdx = make([][]int, nn)
	m.consumers = make([]int, nn)
	m.outs = make([]*Tensor, nn)
	m.args = make([][]*Tensor, nn)
	m.grads = make([]*Tensor, nn)
	m.acc = make([]*Tensor, nn)
	m.gradCount = make([]int, nn)
	m.reqGrad = make([]bool, nn)
	m.needDx = make([][]bool, nn)
	for i, n := range postOrder {
		m.inputPos[i] = -1
		if p, ok := isInput[n]; ok {
			m.inputPos[i] = p
		}
		m.inIdx[i] = make([]int, len(n.inputs))
		m.args[i] = make([]*Tensor, len(n.inputs))
		m.needDx[i] = make([]bool, len(n.inputs))
		for j, x := range n.inputs {
			k := m.index[x]
			m.inIdx[i][j] = k
			m.consumers[k]++
		}
	}
	m.outIdx = make([]int, len(m.outputs))
	for j, out := range m.outputs {
		m.outIdx[j] = m.index[out]
		m.consumers[m.index[out]]++
	}
	m.outTensor = make([]*Tensor, len(m.outputs))
	m.inGrads = make([]*Tensor, len(m.inputs))
	return nil
}

// allLayers lists every layer of the tree under m (nested models and their layers
// included, m excluded), each once.
func allLayers(m *Model) []Layer {
	var out []Layer
	seen := map[Layer]bool{}
	var walk func(*Model)
	walk = func(m *Model) {
		for _, l := range m.layers {
			if seen[l] {
				continue
			}
			seen[l] = true
			out = append(out, l)
			if sub, ok := l.(*Model); ok {
				walk(sub)
			}
		}
	}
	walk(m)
	return out
}

// nameLayers gives unnamed layers tf.keras's automatic names: the snake_case class
// (input_1, input_2, ... for inputs; model, sequential for nested models) with a counter,
// in creation order, skipping every name already taken in the tree, so that variable
// names ("<layer>/<variable>") are unique across nested models.
func nameLayers(m *Model) error {
	layers := allLayers(m)
	sort.SliceStable(layers, func(i, j int) bool { return layers[i].LayerBase().seq < layers[j].LayerBase().seq })
	taken := map[string]Layer{}
	for _, l := range layers {
		b := l.LayerBase()
		if !b.explicit {
			continue
		}
		if other, dup := taken[b.name]; dup && other != l {
			return fmt.Errorf("nn: model %q: two layers are named %q (%s and %s); layer names must be unique", m.Name(), b.name, other.ClassName(), b.class)
		}
		taken[b.name] = l
	}
	for _, l := range layers {
		b := l.LayerBase()
		if b.explicit {
			continue
		}
		if b.name != "" {
			if _, clash := taken[b.name]; !clash {
				taken[b.name] = l
				continue
			}
		}
		prefix, first := SnakeCase(b.class), 0
		switch b.class {
		case "InputLayer":
			prefix, first = "input", 1
		case "Functional":
			prefix = "model"
		}
		for k := first; ; k++ {
			name := prefix
			if k > 0 {
				name = fmt.Sprintf("%s_%d", prefix, k)
			}
			if _, clash := taken[name]; !clash {
				b.name = name
				taken[name] = l
				break
			}
		}
	}
	if !m.explicit {
		if m.sequential {
			m.name = "sequential"
		} else {
			m.name = "model"
		}
	}
	return nil
}

// inheritedBackend returns the backend of the first already built layer in the tree.
func inheritedBackend(m *Model) device.Backend {
	for _, l := range allLayers(m) {
		if b := l.LayerBase().backend; b != nil {
			return b
		}
	}
	return nil
}

// materialize allocates and initialises the variables of every layer not yet built.
func (m *Model) materialize(backend device.Backend) error {
	m.backend = backend
	for _, l := range allLayers(m) {
		b := l.LayerBase()
		if b.backend != nil {
			if b.backend != backend {
				return fmt.Errorf("nn: model %q: layer %q lives on backend %q, the model on %q", m.Name(), b.Name(), b.backend.Name(), backend.Name())
			}
			continue
		}
		b.backend = backend
		for _, v := range b.vars {
			v.materialize(m.seed)
		}
	}
	return nil
}

// Build implements Layer: a model used as a layer checks the input shapes against its own.
func (m *Model) Build(in []Shape) (Shape, error) {
	if len(m.outputs) != 1 {
		return nil, m.Errorf("a model with %d outputs cannot be used as a layer", len(m.outputs))
	}
	if len(in) != len(m.inputs) {
		return nil, m.Errorf("takes %d inputs, got %d", len(m.inputs), len(in))
	}
	for i, s := range in {
		want := m.inputs[i].shape
		if len(s) != len(want) {
			return nil, m.ShapeErrorf("input "+want.String(), s.String())
		}
		for j := range s {
			if want[j] >= 0 && s[j] >= 0 && want[j] != s[j] {
				return nil, m.ShapeErrorf("input "+want.String(), s.String())
			}
		}
	}
	return m.outputs[0].shape, nil
}

// Forward implements Layer: it runs the graph on the inputs.
func (m *Model) Forward(ctx *Context, in []*Tensor) (*Tensor, error) {
	outs, err := m.forward(ctx, in)
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// forward runs every node in execution order; in inference, a node that heads a fused
// chain computes the chain's output and the nodes it absorbed are skipped. The returned
// slice is reused.
func (m *Model) forward(ctx *Context, in []*Tensor) ([]*Tensor, error) {
	if !ctx.Training && m.fusion == nil {
		m.planFusion()
	}
	for i, n := range m.nodes {
		if p := m.inputPos[i]; p >= 0 {
			m.outs[i] = in[p]
			continue
		}
		if !ctx.Training {
			if f := &m.fusion[i]; f.absorbed {
				continue
			} else if f.head != nil {
				if err := m.forwardFused(ctx, i, f); err != nil {
					return nil, err
				}
				continue
			}
		}
		args := m.args[i]
		for j, k := range m.inIdx[i] {
			args[j] = m.outs[k]
		}
		out, err := n.layer.Forward(ctx, args)
		if err != nil {
			return nil, err
		}
		m.outs[i] = out
	}
	for j, k := range m.outIdx {
		m.outTensor[j] = m.outs[k]
	}
	return m.outTensor, nil
}

// InferenceFuser is implemented by layers that, in inference, can compute their own
// output and that of layers after them in one fused pass: Conv2D absorbs the
// BatchNormalization, Add and ReLU after it, running one backend operation where the
// separate layers would make a pass over memory each. The model offers each such layer
// the chain of nodes that follow it, each the only consumer of the one before (and, but
// for the last, no output of the model), whose other inputs are ready before the layer
// runs. Training never fuses: the layers keep what their backward passes need.
type InferenceFuser interface {
	Layer
	// FuseInference returns how many layers at the head of chain the layer absorbs;
	// chain[i] takes the output of the node before it as its input number slots[i].
	FuseInference(chain []Layer, slots []int) int
	// ForwardFused computes, in inference mode, the output of the last of the absorbed
	// layers (the layer's own output when it absorbed none). in are the layer's inputs,
	// chainIn[i] those of chain[i], with nil at slots[i].
	ForwardFused(ctx *Context, in []*Tensor, chain []Layer, chainIn [][]*Tensor) (*Tensor, error)
}

// fusionStep is the inference plan of one node.
type fusionStep struct {
	// head is the node's layer when it runs a fused pass for chain.
	head  InferenceFuser
	chain []Layer
	slots []int
	// chainNodes are the nodes of chain; chainIn[i] the reused inputs of chain[i].
	chainNodes []int
	chainIn    [][]*Tensor
	// absorbed marks a node computed by the fused pass of an earlier node.
	absorbed bool
}

// planFusion finds the fused chains of the inference pass (see InferenceFuser).
func (m *Model) planFusion() {
	m.fusion = make([]fusionStep, len(m.nodes))
	consumer := make([]int, len(m.nodes)) // the only consumer of each node, or −1
	for i := range consumer {
		consumer[i] = -1
	}
	for j := range m.nodes {
		for _, k := range m.inIdx[j] {
			consumer[k] = j
		}
	}
	isOutput := make([]bool, len(m.nodes))
	for _, k := range m.outIdx {
		isOutput[k] = true
	}
	for i, n := range m.nodes {
		head, ok := n.layer.(InferenceFuser)
		if !ok || m.inputPos[i] >= 0 || m.fusion[i].absorbed {
			continue
		}
		var chain []Layer
		var slots, nodes []int
		for cur := i; m.consumers[cur] == 1 && !isOutput[cur]; {
			next := consumer[cur]
			if m.fusion[next].absorbed {
				break // the chain of an earlier node took it
			}
			slot, ready := -1, true
			for s, k := range m.inIdx[next] {
				if k == cur {
					slot = s
				} else if k >= i {
					ready = false // computed after the head
				}
			}
			if !ready {
				break
			}
			chain, slots, nodes = append(chain, m.nodes[next].layer), append(slots, slot), append(nodes, next)
			cur = next
		}
		absorbed := head.FuseInference(chain, slots)
		f := &m.fusion[i]
		f.head, f.chain, f.slots, f.chainNodes = head, chain[:absorbed], slots[:absorbed], nodes[:absorbed]
		f.chainIn = make([][]*Tensor, absorbed)
		for c, j := range f.chainNodes {
			f.chainIn[c] = make([]*Tensor, len(m.inIdx[j]))
			m.fusion[j].absorbed = true
		}
	}
}

// forwardFused runs the fused pass headed by node i and stores its output as that of the
// chain's last node.
func (m *Model) forwardFused(ctx *Context, i int, f *fusionStep) error {
	args := m.args[i]
	for j, k := range m.inIdx[i] {
		args[j] = m.outs[k]
	}
	for c, j := range f.chainNodes {
		for s, k := range m.inIdx[j] {
			f.chainIn[c][s] = nil
			if s != f.slots[c] {
				f.chainIn[c][s] = m.outs[k]
			}
		}
	}
	out, err := f.head.ForwardFused(ctx, args, f.chain, f.chainIn)
	if err != nil {
		return err
	}
	last := i
	if len(f.chainNodes) > 0 {
		last = f.chainNodes[len(f.chainNodes)-1]
	}
	m.outs[last] = out
	return nil
}

// planBackward decides, for the trainable state at hand, which nodes need a gradient:
// those with trainable variables or a node needing one upstream. needInput says which
// model inputs need a gradient. Nested models are planned recursively.
func (m *Model) planBackward(needInput []bool) {
	m.planned = true
	m.plannedFor = append(m.plannedFor[:0], needInput...)
	for i, n := range m.nodes {
		if p := m.inputPos[i]; p >= 0 {
			m.reqGrad[i] = needInput[p]
			continue
		}
		req := false
		for j, k := range m.inIdx[i] {
			m.needDx[i][j] = m.reqGrad[k]
			req = req || m.reqGrad[k]
		}
		if sub, ok := n.layer.(*Model); ok {
			sub.planBackward(m.needDx[i])
			req = req || sub.hasTrainable()
		} else if n.layer.Trainable() {
			for _, v := range n.layer.Variables() {
				req = req || v.trainable
			}
		}
		m.reqGrad[i] = req
	}
}

// hasTrainable reports whether any variable of the model is effectively trainable.
func (m *Model) hasTrainable() bool { return len(m.TrainableVariables()) > 0 }

// Backward implements Layer: it runs the graph backwards from the gradient of the
// (single) output, after a training-mode Forward.
func (m *Model) Backward(ctx *Context, dy *Tensor, needDx []bool) ([]*Tensor, error) {
	if !m.planned || !equalBools(m.plannedFor, needDx) {
		m.planBackward(needDx)
	}
	return m.backward(ctx, []*Tensor{dy})
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// backward propagates the output gradients to every node that needs one and returns the
// gradients of the model inputs (nil where not needed).
func (m *Model) backward(ctx *Context, dOut []*Tensor) ([]*Tensor, error) {
	for i := range m.grads {
		m.grads[i] = nil
		m.gradCount[i] = 0
	}
	for j, k := range m.outIdx {
		m.addGrad(k, dOut[j])
	}
	for i := len(m.nodes) - 1; i >= 0; i-- {
		if m.inputPos[i] >= 0 || !m.reqGrad[i] || m.grads[i] == nil {
			continue
		}
		n := m.nodes[i]
		dxs, err := n.layer.Backward(ctx, m.grads[i], m.needDx[i])
		if err != nil {
			return nil, err
		}
		for j, k := range m.inIdx[i] {
			if m.needDx[i][j] {
				if j >= len(dxs) || dxs[j] == nil {
					return nil, n.layer.LayerBase().Errorf("backward returned no gradient for input %d", j)
				}
				m.addGrad(k, dxs[j])
			}
		}
	}
	for p := range m.inputs {
		m.inGrads[p] = nil
	}
	for i, p := range m.inputPos {
		if p >= 0 {
			m.inGrads[p] = m.grads[i]
		}
	}
	return m.inGrads, nil
}

// addGrad adds g to the gradient of node k. A node with one consumer takes g as it is;
// a node with several sums the contributions in its own buffer.
func (m *Model) addGrad(k int, g *Tensor) {
	if m.consumers[k] == 1 {
		m.grads[k] = g
		return
	}
	if m.gradCount[k] == 0 {
		m.acc[k] = m.Ensure(m.acc[k], g.Shape...)
		m.backend.Copy(m.acc[k].Buf, 0, g.Buf, 0, g.Len())
		m.grads[k] = m.acc[k]
	} else {
		m.backend.Axpby(g.Len(), 1, g.Buf, 1, m.acc[k].Buf)
	}
	m.gradCount[k]++
}

// Layers lists the model's layers in Keras's model.layers order. For a functional model
// the input layers are included (index 0 is the first input), for a Sequential they are
// not, as in Keras.
func (m *Model) Layers() []Layer {
	if m.sequential {
		out := make([]Layer, 0, len(m.layers))
		for _, l := range m.layers {
			if _, ok := l.(*InputLayer); !ok {
				out = append(out, l)
			}
		}
		return out
	}
	return append([]Layer(nil), m.layers...)
}

// Inputs and Outputs are the model's input and output nodes.
func (m *Model) Inputs() []*Node  { return m.inputs }
func (m *Model) Outputs() []*Node { return m.outputs }

// Backend is the backend the model runs on.
func (m *Model) Backend() Backend { return m.backend }

// Layer finds a layer by name among the model's layers, then inside nested models.
func (m *Model) Layer(name string) (Layer, error) {
	for _, l := range m.layers {
		if l.Name() == name {
			return l, nil
		}
	}
	for _, l := range allLayers(m) {
		if l.Name() == name {
			return l, nil
		}
	}
	return nil, fmt.Errorf("nn: model %q has no layer %q", m.Name(), name)
}

// LayerOutput returns the output node of the named layer (Keras's
// model.get_layer(name).output), to build a model on part of this one, e.g. a feature
// extractor: nn.NewModel(m.Inputs(), []*nn.Node{node}). Such models share the layers and
// their weights with m.
func (m *Model) LayerOutput(name string) (*Node, error) {
	if l, err := m.Layer(name); err == nil {
		if n := m.nodeOfLayer(l); n != nil {
			return n, nil
		}
	}
	return nil, fmt.Errorf("nn: model %q has no layer %q", m.Name(), name)
}

// SetTrainable sets the trainable flag of the model and of every layer in it, as Keras's
// trainable setter does.
func (m *Model) SetTrainable(v bool) {
	m.planned = false
	m.trainable = v
	for _, l := range m.layers {
		l.SetTrainable(v)
	}
}

// SetTrainableRange sets the trainable flag of Layers()[from:to] (recursively for nested
// models): Keras's `for l in base.layers[from:to]: l.trainable = v`. The model's own flag
// becomes true when v is, so the layers can train.
func (m *Model) SetTrainableRange(from, to int, v bool) error {
	layers := m.Layers()
	if from < 0 || to > len(layers) || from > to {
		return fmt.Errorf("nn: model %q: layer range [%d:%d] out of [0:%d]", m.Name(), from, to, len(layers))
	}
	m.planned = false
	if v {
		m.trainable = true
	}
	for _, l := range layers[from:to] {
		l.SetTrainable(v)
	}
	return nil
}

// UnfreezeFrom makes Layers()[index:] trainable and Layers()[:index] frozen: the
// fine-tuning pattern `base.trainable = True; for l in base.layers[:index]: l.trainable = False`.
func (m *Model) UnfreezeFrom(index int) error {
	if index < 0 || index > len(m.Layers()) {
		return fmt.Errorf("nn: model %q: layer index %d out of [0, %d]", m.Name(), index, len(m.Layers()))
	}
	m.SetTrainable(true)
	return m.SetTrainableRange(0, index, false)
}

// UnfreezeFromLayer is UnfreezeFrom at the position of the named layer.
func (m *Model) UnfreezeFromLayer(name string) error {
	for i, l := range m.Layers() {
		if l.Name() == name {
			return m.UnfreezeFrom(i)
		}
	}
	return fmt.Errorf("nn: model %q has no layer %q among its layers", m.Name(), name)
}

// Freeze sets trainable=false on the named layers (searched as Layer does).
func (m *Model) Freeze(names ...string) error { return m.setTrainableNamed(names, false) }

// Unfreeze sets trainable=true on the named layers and on the model.
func (m *Model) Unfreeze(names ...string) error {
	if err := m.setTrainableNamed(names, true); err != nil {
		return err
	}
	m.trainable = true
	return nil
}

func (m *Model) setTrainableNamed(names []string, v bool) error {
	m.planned = false
	var errs []error
	for _, name := range names {
		l, err := m.Layer(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		l.SetTrainable(v)
	}
	return errors.Join(errs...)
}

// Variables lists every variable of the model, per layer in Layers() order, each layer's
// variables in creation order.
func (m *Model) Variables() []*Variable {
	var out []*Variable
	for _, l := range m.layers {
		out = append(out, l.Variables()...)
	}
	return out
}

// TrainableVariables lists the variables the optimizer updates (Keras's
// model.trainable_weights): for each layer in order, its trainable-kind variables when the
// layer and every enclosing model are trainable.
func (m *Model) TrainableVariables() []*Variable {
	var out []*Variable
	if !m.trainable {
		return nil
	}
	for _, l := range m.layers {
		if sub, ok := l.(*Model); ok {
			out = append(out, sub.TrainableVariables()...)
			continue
		}
		if !l.Trainable() {
			continue
		}
		for _, v := range l.Variables() {
			if v.trainable {
				out = append(out, v)
			}
		}
	}
	return out
}

// NonTrainableVariables lists the other variables (Keras's model.non_trainable_weights).
func (m *Model) NonTrainableVariables() []*Variable {
	trainable := map[*Variable]bool{}
	for _, v := range m.TrainableVariables() {
		trainable[v] = true
	}
	var out []*Variable
	for _, v := range m.Variables() {
		if !trainable[v] {
			out = append(out, v)
		}
	}
	return out
}

// CountParams is the number of values in all variables.
func (m *Model) CountParams() int { return countParams(m.Variables()) }

func countParams(vars []*Variable) int {
	n := 0
	for _, v := range vars {
		n += v.Len()
	}
	return n
}

// NewSequential builds a Sequential model: each layer applied to the previous one's
// output. The first layer gives the input shape: an InputLayer (NewInputLayer), or a
// model (such as a zoo base), whose input shape is taken.
func NewSequential(layers []Layer, opts ...ModelOption) (*Model, error) {
	if len(layers) == 0 {
		return nil, errors.New("nn: Sequential needs at least one layer")
	}
	var x *Node
	rest := layers
	switch first := layers[0].(type) {
	case *InputLayer:
		if first.applied {
			return nil, first.Errorf("the input layer is already connected in a graph")
		}
		s, err := first.Build(nil)
		if err != nil {
			return nil, err
		}
		first.applied = true
		x = &Node{layer: first, shape: s}
		rest = layers[1:]
	case *Model:
		if len(first.inputs) != 1 {
			return nil, fmt.Errorf("nn: Sequential: the first layer, model %q, has %d inputs; Sequential needs one", first.Name(), len(first.inputs))
		}
		x = Input(first.inputs[0].shape...)
	default:
		return nil, fmt.Errorf("nn: Sequential: cannot infer the input shape from the first layer, %s %q; start with nn.NewInputLayer(\"\", shape...)", first.ClassName(), first.Name())
	}
	in := x
	for _, l := range rest {
		if l == nil {
			return nil, errors.New("nn: Sequential: nil layer")
		}
		x = Apply(l, x)
		if x.err != nil {
			return nil, x.err
		}
	}
	return newModel([]*Node{in}, []*Node{x}, true, opts)
}
