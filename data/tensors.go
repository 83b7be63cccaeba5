package data

import (
	"fmt"

	"gorgonia.org/tensor"
)

// float32Data returns the backing slice of a contiguous float32 tensor (exactly Shape().TotalSize()
// elements) and its shape. what names the argument in errors.
func float32Data(t *tensor.Dense, what string) ([]float32, tensor.Shape, error) {
	if t == nil {
		return nil, nil, fmt.Errorf("%s is nil", what)
	}
	if t.Dtype() != tensor.Float32 {
		return nil, nil, fmt.Errorf("%s has dtype %v, want float32", what, t.Dtype())
	}
	if t.RequiresIterator() || t.IsMaterializable() {
		return nil, nil, fmt.Errorf("%s is a non-contiguous view; call Materialize first", what)
	}
	shape := t.Shape()
	if len(shape) == 0 {
		return nil, nil, fmt.Errorf("%s is a scalar, want at least one dimension", what)
	}
	data, ok := t.Data().([]float32)
	if !ok || len(data) < shape.TotalSize() {
		return nil, nil, fmt.Errorf("%s: backing data do not cover shape %v", what, shape)
	}
	return data[:shape.TotalSize()], shape.Clone(), nil
}

// newDense wraps data (not copied) in a float32 tensor of the given shape.
func newDense(data []float32, shape ...int) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}
