package nn

import (
	"fmt"
	"strings"

	"github.com/org/gotl/internal/device"
)

// Backend is the device interface every layer computes through (see internal/device):
// the CPU backend by default, chosen with WithDevice or the GOTL_DEVICE variable.
type Backend = device.Backend

// Buffer is a flat array of values owned by a Backend.
type Buffer = device.Buffer

// Shape is the shape of one sample, without the batch dimension; -1 marks a dimension
// unknown until the model runs (Keras's None), as in ResNet's (None, None, 3) input.
type Shape []int

// String formats the shape as Keras prints an output shape, with the batch as None:
// (None, 7, 7, 2048).
func (s Shape) String() string {
	var b strings.Builder
	b.WriteString("(None")
	for _, d := range s {
		if d < 0 {
			b.WriteString(", None")
		} else {
			fmt.Fprintf(&b, ", %d", d)
		}
	}
	b.WriteString(")")
	return b.String()
}

// Known reports whether every dimension is known.
func (s Shape) Known() bool {
	for _, d := range s {
		if d < 0 {
			return false
		}
	}
	return true
}

// Size is the number of values in one sample; -1 if a dimension is unknown.
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		if d < 0 {
			return -1
		}
		n *= d
	}
	return n
}

// Equal reports whether the shapes are identical.
func (s Shape) Equal(t Shape) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

// Compatible reports whether a concrete per-sample shape t fits s, where -1 in s matches
// any size.
func (s Shape) Compatible(t Shape) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] >= 0 && s[i] != t[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy of s.
func (s Shape) Clone() Shape { return append(Shape(nil), s...) }

// ShapeError reports a tensor whose shape a layer cannot take.
type ShapeError struct {
	Layer string // layer name (or class when unnamed)
	Want  string // what the layer needs
	Got   string // what it was given
}

func (e *ShapeError) Error() string {
	return fmt.Sprintf("nn: layer %s: expected %s, got %s", e.Layer, e.Want, e.Got)
}

// Tensor is a batch of values on a Backend: Shape[0] is the batch size. The buffer may be
// longer than the shape needs (layers reuse one buffer across batch sizes).
type Tensor struct {
	Shape []int
	Buf   device.Buffer
}

// Len is the number of values the shape holds.
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Sample is the per-sample shape (the shape without the batch dimension).
func (t *Tensor) Sample() Shape { return Shape(t.Shape[1:]) }

// shapeString formats a full shape with its batch dimension: (64, 28, 28, 1).
func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
