package vec

// AdamStep holds the float32 constants of one Adam update, derived from the
// hyper-parameters as package ref derives them (see ref.Adam).
type AdamStep struct {
	Alpha                        float32 // lr·sqrt(1 − β2ᵗ)/(1 − β1ᵗ)
	Decay                        float32 // lr·weight decay, applied when WeightDecay is set
	OneMinusBeta1, OneMinusBeta2 float32
	Epsilon                      float32
	WeightDecay                  bool
	AMSGrad                      bool
}

// Adam applies one Adam update to param[i] for i < len(param), each operation rounded to
// float32, in this order:
//
//	param ← param − Decay·param                 (only with WeightDecay)
//	m     ← m + (grad − m)·OneMinusBeta1
//	v     ← v + (grad·grad − v)·OneMinusBeta2
//	vhat  ← v where v > vhat                     (only with AMSGrad; vhat then replaces v)
//	param ← param − (Alpha·m)/(sqrt(v) + Epsilon)
//
// vhat may be nil without AMSGrad.
func Adam(s *AdamStep, param, grad, m, v, vhat []float32) {
	n := len(param)
	grad, m, v = grad[:n], m[:n], v[:n]
	if s.AMSGrad {
		vhat = vhat[:n]
	}
	k := vectorColumns(n)
	if k > 0 {
		adamAVX2(s, param[:k], grad[:k], m[:k], v[:k], optionalPart(vhat, 0, k))
	}
	adamGeneric(s, param[k:], grad[k:], m[k:], v[k:], optionalPart(vhat, k, n))
}

// optionalPart is s[lo:hi], or nil for a nil s (an optional slot left out).
func optionalPart(s []float32, lo, hi int) []float32 {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

// SGDStep holds the float32 constants of one SGD update.
type SGDStep struct {
	LearningRate float32
	Momentum     float32
	// Mode is PlainSGD, MomentumSGD or NesterovSGD.
	Mode SGDMode
}

// SGDMode selects the SGD update.
type SGDMode int

const (
	PlainSGD    SGDMode = iota // param ← param − lr·grad
	MomentumSGD                // velocity ← μ·velocity − lr·grad; param ← param + velocity
	NesterovSGD                // velocity as above; param ← param + (μ·velocity − lr·grad)
)

// SGD applies one SGD update to param[i] for i < len(param), each product and sum rounded
// to float32 in the order the SGDMode constants show (ref.SGD's). velocity may be nil for
// PlainSGD.
func SGD(s *SGDStep, param, grad, velocity []float32) {
	n := len(param)
	grad = grad[:n]
	if s.Mode != PlainSGD {
		velocity = velocity[:n]
	}
	k := vectorColumns(n)
	if k > 0 {
		sgdAVX2(s, param[:k], grad[:k], optionalPart(velocity, 0, k))
	}
	sgdGeneric(s, param[k:], grad[k:], optionalPart(velocity, k, n))
}
