package cpu

import (
	"math"

	"github.com/org/gotl/internal/cpu/vec"
	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/internal/ref"
)

var _ device.Conv2DFuser = Backend{}

// FusedConv2D folds the normalization into the kernel and the bias,
//
//	w'[k, co] = w[k, co]·s[co],  shift[co] = (bias[co] − mean[co])·s[co] + beta[co]
//
// with s = gamma/sqrt(variance + ε), so that y = act(conv(x, w') + shift + residual): one
// convolution whose epilogue adds shift and residual and applies the activation to each
// tile of y while it is in cache. The folded kernel is kept with w and made again only
// when w or a normalization variable has been written since (buffer versions).
func (Backend) FusedConv2D(p *device.FusedConv2DParams, o *device.FusedConv2DOperands) {
	k := fold(p, o)
	e := epilogue{shift: k.shift, residual: Slice(o.Residual), act: p.Activation}
	conv2D(&p.Conv, Slice(o.X), k.w, Slice(o.Y), &e)
	modified(o.Y)
}

// foldedKernel is a kernel with a batch normalization folded in, and the versions of the
// buffers it was made from.
type foldedKernel struct {
	sources  [6]*buffer // w, bias, gamma, beta, mean, variance; nil where left out
	versions [6]uint64
	epsilon  float64
	w        []float32 // (KH, KW, InC, OutC): w·s, or w itself without normalization
	shift    []float32 // (OutC)
}

// fold returns the folded kernel of a FusedConv2D, from w's cache when it is current.
func fold(p *device.FusedConv2DParams, o *device.FusedConv2DOperands) *foldedKernel {
	w := o.W.(*buffer)
	sources := [6]*buffer{w, bufferOf(o.Bias), bufferOf(o.Gamma), bufferOf(o.Beta), bufferOf(o.Mean), bufferOf(o.Variance)}
	if o.Mean == nil {
		sources[2], sources[3], sources[4], sources[5] = nil, nil, nil, nil
	}
	k := w.folded
	if k == nil {
		k = new(foldedKernel)
		w.folded = k
	}
	current := k.sources == sources && k.epsilon == p.Epsilon && k.w != nil
	for i, b := range sources {
		current = current && (b == nil || b.version == k.versions[i])
	}
	if current {
		return k
	}
	k.sources, k.epsilon = sources, p.Epsilon
	for i, b := range sources {
		if b != nil {
			k.versions[i] = b.version
		}
	}
	outC := p.Conv.OutC
	if len(k.shift) != outC {
		k.shift = make([]float32, outC)
	}
	bias := Slice(o.Bias)
	if o.Mean == nil {
		k.w = w.data[:p.Conv.KernelLen()]
		for co := range k.shift {
			k.shift[co] = float32(shiftOf(bias, co))
		}
		return k
	}
	if len(k.w) != p.Conv.KernelLen() || &k.w[0] == &w.data[0] {
		k.w = make([]float32, p.Conv.KernelLen())
	}
	gamma, beta, mean, variance := Slice(o.Gamma), Slice(o.Beta), Slice(o.Mean), Slice(o.Variance)
	scales := float64Scratch.get(outC)
	defer float64Scratch.put(scales)
	scale := *scales
	for co := range outC {
		scale[co] = scaleOf(gamma, co) / math.Sqrt(float64(variance[co])+p.Epsilon)
		k.shift[co] = float32((shiftOf(bias, co)-float64(mean[co]))*scale[co] + shiftOf(beta, co))
	}
	for i, v := range w.data[:len(k.w)] {
		k.w[i] = float32(float64(v) * scale[i%outC])
	}
	return k
}

// bufferOf is b as a *buffer, or nil for a nil b.
func bufferOf(b device.Buffer) *buffer {
	if b == nil {
		return nil
	}
	return b.(*buffer)
}

// epilogue is what a convolution applies to its output, a tile of rows at a time:
// y = act(y + shift + residual), residual optional.
type epilogue struct {
	shift    []float32 // (OutC)
	residual []float32 // like y, or nil
	act      device.ActivationOp
}

// apply runs the epilogue on rows [row0, row0+rows) of y (· × cols).
func (e *epilogue) apply(y []float32, row0, rows, cols int) {
	tile := y[row0*cols : (row0+rows)*cols]
	relu := e.act == device.ReLU
	if e.residual != nil {
		vec.AddBiasResidual(rows, cols, tile, e.shift, e.residual[row0*cols:], tile, relu)
	} else {
		vec.AddBias(rows, cols, tile, e.shift, tile, relu)
	}
	if e.act != device.ReLU && e.act != device.Linear {
		ref.Activation(e.act, len(tile), tile, tile)
	}
}
