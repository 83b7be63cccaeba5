package layers

import "fmt"

// Padding is Keras's padding argument. The zero value is Valid, Keras's default.
type Padding int

const (
	// Valid uses no padding: out = floor((in − k')/s) + 1.
	Valid Padding = iota
	// Same pads so that out = ceil(in/s), with TensorFlow's rule: the total padding
	// max((out−1)·s + k' − in, 0) is split with the extra cell at the bottom/right.
	Same
)

func (p Padding) String() string {
	switch p {
	case Valid:
		return "valid"
	case Same:
		return "same"
	}
	return fmt.Sprintf("Padding(%d)", int(p))
}

// ParsePadding maps Keras's "valid"/"same" (any case) to a Padding.
func ParsePadding(s string) (Padding, error) {
	switch s {
	case "valid", "VALID":
		return Valid, nil
	case "same", "SAME":
		return Same, nil
	}
	return 0, fmt.Errorf("unknown padding %q (want \"valid\" or \"same\")", s)
}

// window is the one place the output size and padding of a sliding window are computed
// (KERAS.md §2.1): for an input extent in, kernel k, stride s, dilation d. An unknown
// input (−1) gives an unknown output. out < 1 means the window does not fit.
func window(in, k, s, d int, p Padding) (out, before int) {
	if in < 0 {
		return -1, 0
	}
	eff := (k-1)*d + 1
	if p == Valid {
		if in < eff {
			return 0, 0
		}
		return (in-eff)/s + 1, 0
	}
	out = (in + s - 1) / s
	total := max((out-1)*s+eff-in, 0)
	return out, total / 2
}

// pair returns v or, when zero, def; for Keras's int-or-tuple arguments.
func pair(v [2]int, def int) [2]int {
	if v == [2]int{} {
		return [2]int{def, def}
	}
	return v
}
