package cpu

import (
	"math"

	"github.com/org/gotl/internal/cpu/gemm"
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
	conv2D(&p.Conv, Slice(o.X), &k.packed, Slice(o.Y), &e)
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
	packed   gemm.PackedB
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
	k.refold(p, o)
	k.packed.Pack(false, p.Conv.KernelLen()/p.Conv.OutC, p.Conv.OutC, k.w, p.Conv.OutC)
	return k
}

// refold computes k.w and k.shift from the operands.
func (k *foldedKernel) refold(p *device.FusedConv2DParams, o *device.FusedConv2DOperands) {
	w, outC := Slice(o.W)[:p.Conv.KernelLen()], p.Conv.OutC
	if len(k.shift) != outC {
		k.shift = make([]float32, outC)
	}
	bias := Slice(o.Bias)
	if o.Mean == nil {
		k.w = w
		for co := range k.shift {
			k.shift[co] = float32(shiftOf(bias, co))
		}
		return
	}
	if len(k.w) != len(w) || &k.w[0] == &w[0] {
		k.w = make([]float32, len(w))
	}
	gamma, beta, mean, variance := Slice(o.Gamma), Slice(o.Beta), Slice(o.Mean), Slice(o.Variance)
	scales := float64Scratch.get(outC)
	defer float64Scratch.put(scales)
	scale := *scales
	for co := range outC {
		scale[co] = scaleOf(gamma, co) / math.Sqrt(float64(variance[co])+p.Epsilon)
		k.shift[co] = float32((shiftOf(bias, co)-float64(mean[co]))*scale[co] + shiftOf(beta, co))
	}
	for i, v := range w {
		k.w[i] = float32(float64(v) * scale[i%outC])
	}
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

// Finish implements gemm.Epilogue: it runs the epilogue on rows [i0, i0+rows) and columns
// [j0, j0+cols) of y (row stride ldc, the output channels).
func (e *epilogue) Finish(y []float32, ldc, i0, rows, j0, cols int) {
	block := y[i0*ldc+j0:]
	relu := e.act == device.ReLU
	if e.residual != nil {
		vec.AddBiasResidual(rows, cols, ldc, block, e.shift[j0:], e.residual[i0*ldc+j0:], block, relu)
	} else {
		vec.AddBias(rows, cols, ldc, block, e.shift[j0:], block, relu)
	}
	if e.act != device.ReLU && e.act != device.Linear {
		for r := range rows {
			row := block[r*ldc : r*ldc+cols]
			ref.Activation(e.act, cols, row, row)
		}
	}
}
