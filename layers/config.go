package layers

import (
	"fmt"

	"github.com/org/gotl/nn"
)

// oneConfig returns the optional configuration of a constructor: none (the zero value,
// Keras's defaults) or one. More than one is reported when the layer is applied.
func oneConfig[C any](cfg []C) (C, error) {
	var c C
	switch len(cfg) {
	case 0:
		return c, nil
	case 1:
		return cfg[0], nil
	}
	return cfg[0], fmt.Errorf("%d configurations given; pass at most one", len(cfg))
}

func orInit(i, def nn.Initializer) nn.Initializer {
	if i == nil {
		return def
	}
	return i
}
