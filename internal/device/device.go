// Package device defines the Backend interface that every gotl layer computes through,
// the parameter structs of its operations, and a registry of backends.
//
// Data layout is fixed (see DESIGN.md §2): activations are NHWC, float32 on the CPU,
// row-major; convolution kernels are HWIO (kh, kw, in, out); dense kernels (in, out).
// A Buffer is a flat array owned by one backend; an operation is told the logical sizes
// in its parameters, so a Buffer may be longer than an operation needs (layers keep one
// buffer sized for the largest batch and reuse it for smaller ones).
//
// Conventions shared by all operations:
//   - Scalars are float64 so that the float64 reference backend is exact; a float32
//     backend rounds them once.
//   - Outputs are overwritten, never accumulated into, unless the method says otherwise.
//     Gradient outputs of parameters (dw, db, dgamma, dbeta) are overwritten too.
//   - Inputs are never modified. An output may not alias an input unless the method
//     says it may.
//   - Preconditions (sizes, lengths) are checked by the caller; a backend may panic on
//     a violated precondition.
package device

import (
	"fmt"
	"os"
	"sort"
	"sync"
)

// Buffer is a flat array of floating-point values owned by a backend.
type Buffer interface {
	// Len is the number of elements the buffer holds.
	Len() int
}

// Backend is the set of operations layers, losses and optimizers call.
// All methods are safe to call from one goroutine at a time per backend value;
// a backend parallelises internally.
type Backend interface {
	// Name is the registry name, e.g. "cpu", "reference", "cuda".
	Name() string

	// Alloc returns a zero-filled buffer of n elements.
	Alloc(n int) Buffer
	// Upload copies len(src) values from host memory into dst[0:len(src)].
	Upload(dst Buffer, src []float32)
	// Download copies len(dst) values from src[0:len(dst)] into host memory.
	Download(dst []float32, src Buffer)
	// Upload64 and Download64 are Upload and Download for float64 host memory; a float32
	// backend rounds on upload.
	Upload64(dst Buffer, src []float64)
	Download64(dst []float64, src Buffer)
	// Copy copies n elements: dst[dstOff+i] = src[srcOff+i].
	Copy(dst Buffer, dstOff int, src Buffer, srcOff int, n int)
	// Fill sets dst[0:n] to v.
	Fill(dst Buffer, n int, v float64)

	// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where op(A) is
	// (m×k), op(B) is (k×n) and C is (m×n); op(X) = Xᵀ when the trans flag is set.
	// lda, ldb, ldc are the row strides of A, B and C as stored. With beta = 0, C is
	// overwritten (NaNs in C do not propagate).
	Gemm(transA, transB bool, m, n, k int, alpha float64, a Buffer, lda int, b Buffer, ldb int, beta float64, c Buffer, ldc int)

	// BiasAdd adds bias[j] to every y[i, j] of the (rows×cols) matrix y, in place.
	BiasAdd(y, bias Buffer, rows, cols int)
	// BiasGrad writes db[j] = Σ_i dy[i, j].
	BiasGrad(db, dy Buffer, rows, cols int)

	// Conv2D computes y = conv(x, w) (cross-correlation, zero padding, no bias).
	// x (N, H, W, Cin), w (KH, KW, Cin, Cout), y (N, OutH, OutW, Cout).
	Conv2D(p *Conv2DParams, x, w, y Buffer)
	// Conv2DBackwardData writes dx = ∂(Σ dy·y)/∂x.
	Conv2DBackwardData(p *Conv2DParams, dy, w, dx Buffer)
	// Conv2DBackwardFilter writes dw = ∂(Σ dy·y)/∂w.
	Conv2DBackwardFilter(p *Conv2DParams, x, dy, dw Buffer)

	// Pool2D computes max or average pooling. x (N, H, W, C), y (N, OutH, OutW, C).
	// Padded cells never win a max and are not counted by an average.
	Pool2D(p *Pool2DParams, x, y Buffer)
	// Pool2DBackward writes dx from dy, given the forward input x and output y. For max
	// pooling the gradient goes to the first maximal cell of each window (row-major order).
	Pool2DBackward(p *Pool2DParams, x, y, dy, dx Buffer)

	// BatchNormInference computes y = gamma·(x − mean)/sqrt(variance + ε) + beta per channel
	// over x viewed as (Rows, C). gamma or beta may be nil (1 and 0).
	BatchNormInference(p *BatchNormParams, x, gamma, beta, mean, variance, y Buffer)
	// BatchNormTraining normalises with the batch statistics (biased variance), writes the
	// batch mean and 1/sqrt(var+ε) into saveMean and saveInvStd (C each) for the backward
	// pass, and updates the moving statistics in place:
	//   movingMean ← movingMean − (movingMean − μ)·(1−momentum)
	//   movingVar  ← movingVar − (movingVar − σ²_upd)·(1−momentum)
	// with σ²_upd = σ²·Rows/(Rows−1) when p.BesselCorrection, else σ² (KERAS.md §2.2).
	// movingMean and movingVar may be nil (no update).
	BatchNormTraining(p *BatchNormParams, x, gamma, beta, y, saveMean, saveInvStd, movingMean, movingVar Buffer)
	// BatchNormBackward writes dx, dgamma and dbeta for the training-mode forward pass.
	// gamma may be nil (1); dgamma or dbeta may be nil (not wanted).
	BatchNormBackward(p *BatchNormParams, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta Buffer)

	// Activation computes y = f(x) elementwise over n values; y may alias x.
	Activation(op ActivationOp, n int, x, y Buffer)
	// ActivationBackward writes dx = f'(x)·dy given the forward input x and output y.
	// dx may alias dy.
	ActivationBackward(op ActivationOp, n int, x, y, dy, dx Buffer)
	// Softmax computes a softmax over each row of the (rows×cols) matrix x.
	Softmax(rows, cols int, x, y Buffer)
	// SoftmaxBackward writes dx from the softmax output y and dy.
	SoftmaxBackward(rows, cols int, y, dy, dx Buffer)

	// Axpby computes y = alpha·x + beta·y over n values; with beta = 0, y is overwritten
	// (NaNs in y do not propagate).
	Axpby(n int, alpha float64, x Buffer, beta float64, y Buffer)
	// Mul computes z = x·y elementwise over n values; z may alias x or y.
	Mul(n int, x, y, z Buffer)
	// Clamp limits x[0:n] to [lo, hi] in place.
	Clamp(n int, x Buffer, lo, hi float64)
	// SumSquares returns Σ x[i]² over n values, accumulated in float64.
	SumSquares(n int, x Buffer) float64

	// Pad2D writes y (N, H+Top+Bottom, W+Left+Right, C) = x (N, H, W, C) surrounded by zeros.
	Pad2D(p *Pad2DParams, x, y Buffer)
	// Crop2D is Pad2D's adjoint: it writes dx (N, H, W, C) = the interior of dy.
	Crop2D(p *Pad2DParams, dy, dx Buffer)
	// Concat writes y = the concatenation of xs along an axis: with the tensors viewed as
	// (outer, widths[i]) and y as (outer, Σ widths), row r of y is the rows r of xs joined.
	Concat(outer int, widths []int, xs []Buffer, y Buffer)
	// Split is Concat's adjoint: it writes each dxs[i] from the matching columns of dy.
	// A nil dxs[i] is skipped.
	Split(outer int, widths []int, dy Buffer, dxs []Buffer)

	// SGD, Adam and RMSprop apply one optimizer update to param[0:n] in place given grad;
	// the slot buffers are updated in place. See the parameter structs for the equations.
	SGD(p *SGDParams, n int, param, grad, velocity Buffer)
	Adam(p *AdamParams, n int, param, grad, m, v, vhat Buffer)
	RMSprop(p *RMSpropParams, n int, param, grad, ms, mom, mg Buffer)
}

// Conv2DFuser is implemented by a backend that runs the inference-mode chain
// Conv2D → BatchNormalization → Add → Activation of ResNet-style networks as one
// operation, sparing the passes over memory between them (and able to fold the
// normalization into the kernel, which it may keep in a private form until the variables
// change). Layers use the separate operations on a backend without it.
type Conv2DFuser interface {
	// FusedConv2D computes z = conv(x, w) as Conv2D does, then per output channel
	//
	//	y = act(gamma·(z + bias − mean)/sqrt(variance + ε) + beta + residual)
	//
	// Every buffer of o but X, W and Y may be nil: a nil Bias, Beta or Residual is 0, a nil
	// Gamma 1, and nil Mean and Variance (together) leave the normalization out, Gamma and
	// Beta with it. Residual is (N, OutH, OutW, OutC) like Y and may not alias it.
	FusedConv2D(p *FusedConv2DParams, o *FusedConv2DOperands)
}

// FusedConv2DParams describes a FusedConv2D: the convolution, the normalization's ε and
// the activation applied last.
type FusedConv2DParams struct {
	Conv       Conv2DParams
	Epsilon    float64
	Activation ActivationOp
}

// FusedConv2DOperands are the buffers of a FusedConv2D.
type FusedConv2DOperands struct {
	X, W, Bias                  Buffer
	Gamma, Beta, Mean, Variance Buffer
	Residual                    Buffer
	Y                           Buffer
}

// ActivationOp enumerates elementwise activations.
type ActivationOp int

const (
	Linear ActivationOp = iota
	ReLU
	Sigmoid
	Tanh
	Softplus
	Softsign
	ELU
	SELU
	Swish
	ReLU6
	numActivationOps
)

var activationNames = [...]string{"linear", "relu", "sigmoid", "tanh", "softplus", "softsign", "elu", "selu", "swish", "relu6"}

func (op ActivationOp) String() string {
	if op >= 0 && op < numActivationOps {
		return activationNames[op]
	}
	return fmt.Sprintf("ActivationOp(%d)", int(op))
}

// ActivationOps lists every ActivationOp, for tests.
func ActivationOps() []ActivationOp {
	ops := make([]ActivationOp, numActivationOps)
	for i := range ops {
		ops[i] = ActivationOp(i)
	}
	return ops
}

// Conv2DParams describes a 2-D convolution in NHWC with an HWIO kernel.
// The padding below and right of the input is implied by the output size:
// input row oy·StrideH + ky·DilationH − PadTop, and likewise for columns.
type Conv2DParams struct {
	N, H, W, InC         int // input (N, H, W, InC)
	OutH, OutW, OutC     int // output (N, OutH, OutW, OutC)
	KH, KW               int // kernel (KH, KW, InC, OutC)
	StrideH, StrideW     int
	DilationH, DilationW int
	PadTop, PadLeft      int
}

// InputLen, OutputLen and KernelLen are the element counts of x, y and w.
func (p *Conv2DParams) InputLen() int  { return p.N * p.H * p.W * p.InC }
func (p *Conv2DParams) OutputLen() int { return p.N * p.OutH * p.OutW * p.OutC }
func (p *Conv2DParams) KernelLen() int { return p.KH * p.KW * p.InC * p.OutC }

// PoolMode selects max or average pooling.
type PoolMode int

const (
	MaxPool PoolMode = iota
	AvgPool
)

// Pool2DParams describes a 2-D pooling window in NHWC, with the same geometry rules as
// Conv2DParams (no dilation).
type Pool2DParams struct {
	Mode             PoolMode
	N, H, W, C       int
	OutH, OutW       int
	KH, KW           int
	StrideH, StrideW int
	PadTop, PadLeft  int
}

func (p *Pool2DParams) InputLen() int  { return p.N * p.H * p.W * p.C }
func (p *Pool2DParams) OutputLen() int { return p.N * p.OutH * p.OutW * p.C }

// BatchNormParams describes a batch normalization over x viewed as (Rows, C): for 4-D
// NHWC input Rows = N·H·W.
type BatchNormParams struct {
	Rows, C          int
	Epsilon          float64
	Momentum         float64
	BesselCorrection bool
}

// Pad2DParams describes zero padding of an NHWC tensor.
type Pad2DParams struct {
	N, H, W, C               int
	Top, Bottom, Left, Right int
}

func (p *Pad2DParams) OutH() int { return p.H + p.Top + p.Bottom }
func (p *Pad2DParams) OutW() int { return p.W + p.Left + p.Right }

// SGDParams: without momentum θ ← θ − lr·g; with momentum v ← μ·v − lr·g and
// θ ← θ + v, or with Nesterov θ ← θ + μ·v − lr·g (tf.keras ApplyKerasMomentum).
// velocity may be nil when Momentum is 0.
type SGDParams struct {
	LearningRate float64
	Momentum     float64
	Nesterov     bool
}

// AdamParams: m ← m + (g−m)(1−β1); v ← v + (g²−v)(1−β2);
// α = lr·sqrt(1−β2ᵗ)/(1−β1ᵗ); θ ← θ − α·m/(sqrt(v)+ε), with t = Step (1-based).
// With AMSGrad v̂ ← max(v̂, v) and sqrt(v̂) replaces sqrt(v). With WeightDecay > 0 the
// decoupled decay θ ← θ − lr·wd·θ is applied first (AdamW). vhat may be nil without AMSGrad.
type AdamParams struct {
	LearningRate float64
	Beta1, Beta2 float64
	Epsilon      float64
	Step         int64
	AMSGrad      bool
	WeightDecay  float64
}

// RMSpropParams (tf.keras 2.x): ms ← ρ·ms + (1−ρ)·g²; centered: mg ← ρ·mg + (1−ρ)·g and
// the denominator uses ms − mg². Without momentum θ ← θ − lr·g/(sqrt(den)+ε) (ε outside
// the square root); with momentum mom ← μ·mom + lr·g/sqrt(den+ε) (ε inside) and θ ← θ − mom.
// mom and mg may be nil when unused.
type RMSpropParams struct {
	LearningRate float64
	Rho          float64
	Momentum     float64
	Epsilon      float64
	Centered     bool
}

var (
	registryMu sync.Mutex
	registry   = map[string]func() (Backend, error){}
)

// Register makes a backend available by name. It panics if the name is taken (a
// programming error: registration happens in package init).
func Register(name string, open func() (Backend, error)) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("device: backend " + name + " registered twice")
	}
	registry[name] = open
}

// Names lists the registered backends.
func Names() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open returns the backend registered under name.
func Open(name string) (Backend, error) {
	registryMu.Lock()
	open, ok := registry[name]
	registryMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("device: no backend %q (have %v)", name, Names())
	}
	return open()
}

// Default opens the backend named by the GOTL_DEVICE environment variable, or "cpu".
func Default() (Backend, error) {
	name := os.Getenv("GOTL_DEVICE")
	if name == "" {
		name = "cpu"
	}
	return Open(name)
}
