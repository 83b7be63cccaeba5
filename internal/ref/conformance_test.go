package ref_test

import (
	"testing"

	"github.com/org/gotl/internal/device/devicetest"
	"github.com/org/gotl/internal/ref"
)

// TestConformance runs the suite on the reference backend itself: the comparison is
// trivial, but the suite's other checks are not (every output cell written, nothing
// written past an output's end, inputs unchanged, optional outputs left alone).
func TestConformance(t *testing.T) {
	devicetest.RunAll(t, ref.Backend{})
}
