package layers

import (
	"math"
	"math/rand/v2"

	"github.com/org/gotl/nn"
)

// Keras initializers (keras.initializers), seeded per variable by the model (see
// nn.Initializer): the same seed gives the same weights, whatever the build order.

// FanMode selects the fan VarianceScaling divides by.
type FanMode int

const (
	FanIn FanMode = iota
	FanOut
	FanAvg
)

// Distribution selects VarianceScaling's distribution.
type Distribution int

const (
	TruncatedNormalDistribution Distribution = iota
	UntruncatedNormalDistribution
	UniformDistribution
)

// VarianceScaling is Keras's VarianceScaling: values with variance scale/fan, where fan is
// computed from the Keras shape as Keras does (for (kh, kw, in, out): fan_in = kh·kw·in,
// fan_out = kh·kw·out; for (in, out): in and out).
type VarianceScaling struct {
	Scale        float64
	Mode         FanMode
	Distribution Distribution
}

// GlorotUniform (Keras's default kernel initializer): U(−L, L), L = sqrt(6/(fan_in+fan_out)).
func GlorotUniform() nn.Initializer {
	return VarianceScaling{Scale: 1, Mode: FanAvg, Distribution: UniformDistribution}
}

// GlorotNormal is Keras's glorot_normal (truncated normal, variance 2/(fan_in+fan_out)).
func GlorotNormal() nn.Initializer {
	return VarianceScaling{Scale: 1, Mode: FanAvg, Distribution: TruncatedNormalDistribution}
}

// HeNormal is Keras's he_normal (truncated normal, variance 2/fan_in).
func HeNormal() nn.Initializer {
	return VarianceScaling{Scale: 2, Mode: FanIn, Distribution: TruncatedNormalDistribution}
}

// HeUniform is Keras's he_uniform.
func HeUniform() nn.Initializer {
	return VarianceScaling{Scale: 2, Mode: FanIn, Distribution: UniformDistribution}
}

// LecunNormal is Keras's lecun_normal.
func LecunNormal() nn.Initializer {
	return VarianceScaling{Scale: 1, Mode: FanIn, Distribution: TruncatedNormalDistribution}
}

// LecunUniform is Keras's lecun_uniform.
func LecunUniform() nn.Initializer {
	return VarianceScaling{Scale: 1, Mode: FanIn, Distribution: UniformDistribution}
}

// fans computes Keras's _compute_fans.
func fans(shape []int) (fanIn, fanOut float64) {
	switch len(shape) {
	case 0:
		return 1, 1
	case 1:
		return float64(shape[0]), float64(shape[0])
	case 2:
		return float64(shape[0]), float64(shape[1])
	}
	receptive := 1
	for _, d := range shape[:len(shape)-2] {
		receptive *= d
	}
	return float64(receptive * shape[len(shape)-2]), float64(receptive * shape[len(shape)-1])
}

func (v VarianceScaling) Initialize(values []float64, shape []int, rng *rand.Rand) {
	fanIn, fanOut := fans(shape)
	n := fanIn
	switch v.Mode {
	case FanOut:
		n = fanOut
	case FanAvg:
		n = (fanIn + fanOut) / 2
	}
	scale := v.Scale
	if scale == 0 {
		scale = 1
	}
	variance := scale / math.Max(1, n)
	switch v.Distribution {
	case UniformDistribution:
		limit := math.Sqrt(3 * variance)
		for i := range values {
			values[i] = (2*rng.Float64() - 1) * limit
		}
	case UntruncatedNormalDistribution:
		sd := math.Sqrt(variance)
		for i := range values {
			values[i] = rng.NormFloat64() * sd
		}
	default:
		// The standard deviation of a standard normal truncated to [−2, 2].
		sd := math.Sqrt(variance) / 0.87962566103423978
		truncatedNormal(values, 0, sd, rng)
	}
}

func truncatedNormal(values []float64, mean, sd float64, rng *rand.Rand) {
	for i := range values {
		x := rng.NormFloat64()
		for math.Abs(x) > 2 {
			x = rng.NormFloat64()
		}
		values[i] = mean + x*sd
	}
}

// Constant fills every value with Value (Keras's Constant; Zeros and Ones are Constant 0 and 1).
type Constant struct{ Value float64 }

func (c Constant) Initialize(values []float64, shape []int, rng *rand.Rand) {
	for i := range values {
		values[i] = c.Value
	}
}

// Zeros is Keras's zeros.
func Zeros() nn.Initializer { return Constant{0} }

// Ones is Keras's ones.
func Ones() nn.Initializer { return Constant{1} }

// RandomNormal is Keras's RandomNormal (default stddev 0.05 when Stddev is 0).
type RandomNormal struct{ Mean, Stddev float64 }

func (r RandomNormal) Initialize(values []float64, shape []int, rng *rand.Rand) {
	sd := r.Stddev
	if sd == 0 {
		sd = 0.05
	}
	for i := range values {
		values[i] = r.Mean + rng.NormFloat64()*sd
	}
}

// TruncatedNormal is Keras's TruncatedNormal: normal values redrawn beyond two standard
// deviations (default stddev 0.05 when Stddev is 0).
type TruncatedNormal struct{ Mean, Stddev float64 }

func (r TruncatedNormal) Initialize(values []float64, shape []int, rng *rand.Rand) {
	sd := r.Stddev
	if sd == 0 {
		sd = 0.05
	}
	truncatedNormal(values, r.Mean, sd, rng)
}

// RandomUniform is Keras's RandomUniform on [Min, Max) (default [−0.05, 0.05) when both are 0).
type RandomUniform struct{ Min, Max float64 }

func (r RandomUniform) Initialize(values []float64, shape []int, rng *rand.Rand) {
	lo, hi := r.Min, r.Max
	if lo == 0 && hi == 0 {
		lo, hi = -0.05, 0.05
	}
	for i := range values {
		values[i] = lo + (hi-lo)*rng.Float64()
	}
}
