package nn

import (
	"fmt"
	"strings"
)

// Summary returns the model summary exactly as tf.keras 2.4-2.6's model.summary() prints
// it (KERAS.md §1.4): a 65-column table for Sequential and chain-like models, a 98-column
// table with a "Connected to" column otherwise; fields longer than their column are cut;
// totals with thousands separators.
func (m *Model) Summary() string {
	var b strings.Builder
	seqLike := m.sequentialLike()
	var width int
	var positions []int
	var header []string
	if seqLike {
		width = 65
		positions = columnEnds(width, .45, .85, 1)
		header = []string{"Layer (type)", "Output Shape", "Param #"}
	} else {
		width = 98
		positions = columnEnds(width, .33, .55, .67, 1)
		header = []string{"Layer (type)", "Output Shape", "Param #", "Connected to"}
	}
	line := func(s string) { b.WriteString(s); b.WriteByte('\n') }
	row := func(fields ...string) {
		var s string
		for i, f := range fields {
			if i > 0 {
				s = s[:len(s)-1] + " "
			}
			s += f
			if len(s) > positions[i] {
				s = s[:positions[i]]
			}
			s += strings.Repeat(" ", positions[i]-len(s))
		}
		line(s)
	}
	line(fmt.Sprintf("Model: %q", m.Name()))
	line(strings.Repeat("_", width))
	row(header...)
	line(strings.Repeat("=", width))
	layers := m.Layers()
	for i, l := range layers {
		shape := m.outputShapeOf(l)
		params := fmt.Sprint(countParams(l.Variables()))
		name := l.Name() + " (" + l.ClassName() + ")"
		if seqLike {
			row(name, shape, params)
		} else {
			var conns []string
			if n := m.nodeOfLayer(l); n != nil {
				for _, x := range n.inputs {
					conns = append(conns, x.layer.Name()+"[0][0]")
				}
			}
			first := ""
			if len(conns) > 0 {
				first = conns[0]
			}
			row(name, shape, params, first)
			for _, c := range conns[min(1, len(conns)):] {
				row("", "", "", c)
			}
		}
		if i == len(layers)-1 {
			line(strings.Repeat("=", width))
		} else {
			line(strings.Repeat("_", width))
		}
	}
	trainable := countParams(m.TrainableVariables())
	nonTrainable := countParams(m.NonTrainableVariables())
	line("Total params: " + thousands(trainable+nonTrainable))
	line("Trainable params: " + thousands(trainable))
	line("Non-trainable params: " + thousands(nonTrainable))
	line(strings.Repeat("_", width))
	return b.String()
}

func columnEnds(width int, fractions ...float64) []int {
	ends := make([]int, len(fractions))
	for i, f := range fractions {
		ends[i] = int(float64(width) * f)
	}
	return ends
}

// sequentialLike is Keras's test: a Sequential, or a graph whose every depth holds one node
// with at most one input.
func (m *Model) sequentialLike() bool {
	if m.sequential {
		return true
	}
	depthCount := map[int]int{}
	depth := m.depths()
	for _, n := range m.nodes {
		if len(n.inputs) > 1 {
			return false
		}
		depthCount[depth[n]]++
		if depthCount[depth[n]] > 1 {
			return false
		}
	}
	return true
}

// depths gives each node its distance from the outputs, as mapGraph computes it.
func (m *Model) depths() map[*Node]int {
	depth := map[*Node]int{}
	for i := len(m.nodes) - 1; i >= 0; i-- {
		n := m.nodes[i]
		for _, p := range n.inputs {
			if depth[p] < depth[n]+1 {
				depth[p] = depth[n] + 1
			}
		}
	}
	return depth
}

func (m *Model) nodeOfLayer(l Layer) *Node {
	if m.byLayer == nil {
		m.byLayer = make(map[Layer]*Node, len(m.nodes))
		for _, n := range m.nodes {
			m.byLayer[n.layer] = n
		}
	}
	return m.byLayer[l]
}

// outputShapeOf formats a layer's output shape as Keras does: a tuple, or for an input
// layer a list holding the tuple.
func (m *Model) outputShapeOf(l Layer) string {
	n := m.nodeOfLayer(l)
	if n == nil {
		return "multiple"
	}
	if _, ok := l.(*InputLayer); ok {
		return "[" + n.shape.String() + "]"
	}
	return n.shape.String()
}

// thousands formats n with comma separators, as Python's '{:,}'.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
