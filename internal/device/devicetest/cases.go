package devicetest

import (
	"fmt"
	"math/rand/v2"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/internal/ref"
)

// cases returns every case of the suite, the same ones on every call (fixed seeds).
func cases() []*testCase {
	g := generator{rand.New(rand.NewPCG(2026, 11))}
	var all []*testCase
	for _, family := range []func(generator) []*testCase{
		memoryCases, gemmCases, biasCases, convCases, fusedConvCases, poolCases, batchNormCases,
		activationCases, softmaxCases, elementwiseCases, layoutCases, optimizerCases,
	} {
		all = append(all, family(g)...)
	}
	return all
}

// generator draws float32-representable test data.
type generator struct {
	*rand.Rand
}

// uniform returns n values from [lo, hi), each rounded to float32.
func (g generator) uniform(n int, lo, hi float64) []float64 {
	values := make([]float64, n)
	for i := range values {
		values[i] = float64(float32(lo + (hi-lo)*g.Float64()))
	}
	return values
}

// float32Values rounds values to float32, as an upload to a float32 backend would, so that
// a derived input (a forward output given to a backward pass) is the same for every backend.
func float32Values(values []float64) []float64 {
	for i, v := range values {
		values[i] = float64(float32(v))
	}
	return values
}

func memoryCases(g generator) []*testCase {
	host32 := make([]float32, 10)
	for i, v := range g.uniform(len(host32), -3, 3) {
		host32[i] = float32(v)
	}
	return []*testCase{
		{
			name:     "Copy",
			operands: []operand{input(g.uniform(20, -1, 1)), inPlace(g.uniform(15, -1, 1))},
			run: func(b device.Backend, x []device.Buffer) []float64 {
				b.Copy(x[1], 4, x[0], 7, 9)
				return nil
			},
		},
		{
			name:     "Fill",
			operands: []operand{output(13)},
			run: func(b device.Backend, x []device.Buffer) []float64 {
				b.Fill(x[0], 13, -2.5)
				return nil
			},
		},
		{
			// Upload and Download of float32 host memory; Download reads a prefix only.
			name:     "Upload/Download",
			operands: []operand{output(len(host32))},
			run: func(b device.Backend, x []device.Buffer) []float64 {
				b.Upload(x[0], host32)
				prefix := make([]float32, 7)
				b.Download(prefix, x[0])
				scalars := make([]float64, len(prefix))
				for i, v := range prefix {
					scalars[i] = float64(v)
				}
				return scalars
			},
		},
	}
}

func gemmCases(g generator) []*testCase {
	var all []*testCase
	shapes := [][3]int{{1, 1, 1}, {3, 5, 2}, {7, 9, 13}, {37, 29, 61}, {130, 70, 300}, {6, 500, 40}, {300, 17, 9}}
	for s, shape := range shapes {
		m, n, k := shape[0], shape[1], shape[2]
		for flags := range 4 {
			transA, transB := flags&1 != 0, flags&2 != 0
			aRows, aCols, bRows, bCols := m, k, k, n
			if transA {
				aRows, aCols = k, m
			}
			if transB {
				bRows, bCols = n, k
			}
			// Row strides wider than the rows, with data in the gaps that must be ignored.
			lda, ldb, ldc := aCols+s%3, bCols+1, n+2
			a, bMatrix := g.uniform((aRows-1)*lda+aCols, -1, 1), g.uniform((bRows-1)*ldb+bCols, -1, 1)
			alpha, beta := 1.5, 0.0
			c := operand{length: (m-1)*ldc + n, output: true, holes: true}
			if (s+flags)%2 == 1 {
				// beta ≠ 0: C is read, and its gaps keep their data.
				beta = -0.75
				c = inPlace(g.uniform((m-1)*ldc+n, -1, 1))
			}
			all = append(all, &testCase{
				name:     fmt.Sprintf("Gemm/%dx%dx%d/transA=%v/transB=%v/beta=%v", m, n, k, transA, transB, beta),
				operands: []operand{input(a), input(bMatrix), c},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.Gemm(transA, transB, m, n, k, alpha, x[0], lda, x[1], ldb, beta, x[2], ldc)
					return nil
				},
			})
		}
	}
	return all
}

func biasCases(g generator) []*testCase {
	var all []*testCase
	for _, shape := range [][2]int{{1, 1}, {37, 19}, {1000, 70}} {
		rows, cols := shape[0], shape[1]
		all = append(all,
			&testCase{
				name:     fmt.Sprintf("BiasAdd/%dx%d", rows, cols),
				operands: []operand{inPlace(g.uniform(rows*cols, -1, 1)), input(g.uniform(cols, -1, 1))},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.BiasAdd(x[0], x[1], rows, cols)
					return nil
				},
			},
			&testCase{
				name:     fmt.Sprintf("BiasGrad/%dx%d", rows, cols),
				operands: []operand{output(cols), input(g.uniform(rows*cols, -1, 1))},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.BiasGrad(x[0], x[1], rows, cols)
					return nil
				},
			})
	}
	return all
}

// convGeometry is a convolution with its padding on all four sides.
type convGeometry struct {
	name                                   string
	n, h, w, inC, outC, kh, kw             int
	strideH, strideW, dilationH, dilationW int
	top, bottom, left, right               int
}

// outputSize is the number of positions of a window of size k, dilated by d, sliding with
// the given stride over in cells padded by before and after.
func outputSize(in, k, stride, dilation, before, after int) int {
	return (in+before+after-(k-1)*dilation-1)/stride + 1
}

func (c convGeometry) params() *device.Conv2DParams {
	return &device.Conv2DParams{
		N: c.n, H: c.h, W: c.w, InC: c.inC, OutC: c.outC, KH: c.kh, KW: c.kw,
		StrideH: c.strideH, StrideW: c.strideW, DilationH: c.dilationH, DilationW: c.dilationW,
		PadTop: c.top, PadLeft: c.left,
		OutH: outputSize(c.h, c.kh, c.strideH, c.dilationH, c.top, c.bottom),
		OutW: outputSize(c.w, c.kw, c.strideW, c.dilationW, c.left, c.right),
	}
}

func convCases(g generator) []*testCase {
	geometries := []convGeometry{
		{"3x3-same", 2, 7, 7, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{"stride2-odd", 2, 9, 7, 3, 10, 3, 3, 2, 2, 1, 1, 0, 1, 1, 1},
		{"stride3", 1, 11, 10, 4, 5, 3, 3, 3, 3, 1, 1, 1, 0, 0, 2},
		{"dilation2", 2, 9, 8, 3, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},
		{"1x1", 3, 5, 6, 7, 9, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
		{"1x1-stride2", 2, 7, 7, 5, 3, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0},
		{"1x1-padded", 1, 3, 4, 2, 3, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1},
		{"batch1-asymmetric", 1, 6, 9, 2, 3, 3, 2, 1, 2, 1, 1, 0, 2, 2, 0},
		{"rectangular", 2, 10, 5, 3, 12, 5, 3, 2, 1, 1, 2, 2, 1, 0, 2},
		{"channels-13-to-11", 4, 8, 8, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{"kernel-covers-input", 2, 3, 3, 4, 5, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0},
		// Stride 1 with at least 16 input channels: the data pass is a transposed
		// convolution, here with dilation, asymmetric padding, padding wider than the
		// kernel and batch 1.
		{"wide-dilation2-asymmetric", 2, 9, 8, 17, 6, 3, 3, 1, 1, 2, 2, 3, 0, 1, 2},
		{"wide-1x1-padded", 1, 3, 4, 16, 5, 1, 1, 1, 1, 1, 1, 1, 0, 0, 2},
		{"wide-batch1-rectangular", 1, 6, 7, 20, 9, 2, 5, 1, 1, 2, 1, 0, 2, 2, 1},
		// Many patch tiles, several Sgemm depth blocks and, in the filter pass, two tiles
		// of pixels.
		{"many-tiles", 10, 14, 14, 64, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		// Strided, so that the data pass scatters patches back (col2im): several patch
		// tiles within one image, then several images within one tile and a last tile
		// with fewer.
		{"large-image-stride2", 2, 40, 40, 64, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
		{"many-small-images-stride2", 20, 5, 5, 3, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
	}
	for i := range 8 {
		var c convGeometry
		for {
			c = convGeometry{
				name: fmt.Sprintf("random%d", i), n: 1 + g.IntN(3), h: 1 + g.IntN(12), w: 1 + g.IntN(12),
				inC: 1 + g.IntN(17), outC: 1 + g.IntN(17), kh: 1 + g.IntN(4), kw: 1 + g.IntN(4),
				strideH: 1 + g.IntN(3), strideW: 1 + g.IntN(3), dilationH: 1 + g.IntN(2), dilationW: 1 + g.IntN(2),
			}
			c.top, c.bottom = g.IntN((c.kh-1)*c.dilationH+1), g.IntN((c.kh-1)*c.dilationH+1)
			c.left, c.right = g.IntN((c.kw-1)*c.dilationW+1), g.IntN((c.kw-1)*c.dilationW+1)
			if p := c.params(); p.OutH > 0 && p.OutW > 0 {
				break
			}
		}
		geometries = append(geometries, c)
	}
	var all []*testCase
	for _, c := range geometries {
		p := c.params()
		name := fmt.Sprintf("%s/N%d-H%d-W%d-C%d-to-%d-k%dx%d-s%dx%d-d%dx%d-pad%d,%d,%d,%d",
			c.name, c.n, c.h, c.w, c.inC, c.outC, c.kh, c.kw, c.strideH, c.strideW, c.dilationH, c.dilationW,
			c.top, c.bottom, c.left, c.right)
		x, w, dy := g.uniform(p.InputLen(), -1, 1), g.uniform(p.KernelLen(), -1, 1), g.uniform(p.OutputLen(), -1, 1)
		all = append(all,
			&testCase{
				name:     "Conv2D/" + name,
				operands: []operand{input(x), input(w), output(p.OutputLen())},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.Conv2D(p, x[0], x[1], x[2])
					return nil
				},
			},
			&testCase{
				name:     "Conv2DBackwardData/" + name,
				operands: []operand{input(dy), input(w), output(p.InputLen())},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.Conv2DBackwardData(p, x[0], x[1], x[2])
					return nil
				},
			},
			&testCase{
				name:     "Conv2DBackwardFilter/" + name,
				operands: []operand{input(x), input(dy), output(p.KernelLen())},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.Conv2DBackwardFilter(p, x[0], x[1], x[2])
					return nil
				},
			})
	}
	return all
}

// fusedConvCases run FusedConv2D (on backends that implement device.Conv2DFuser) with
// every optional step in and out, on geometries that reach the pointwise path, padding,
// strides, several patch tiles and channel counts that are not multiples of 8.
func fusedConvCases(g generator) []*testCase {
	geometries := []convGeometry{
		{"3x3-same", 2, 7, 7, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{"stride2-odd", 2, 9, 7, 3, 10, 3, 3, 2, 2, 1, 1, 0, 1, 1, 1},
		{"1x1", 3, 5, 6, 7, 9, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
		{"pointwise-wide", 2, 9, 9, 24, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
		{"7x7-stride2-padded", 1, 15, 13, 3, 17, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3},
		{"many-tiles", 10, 14, 14, 64, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
	}
	type variant struct {
		name                              string
		bias, normalize, affine, residual bool
		act                               device.ActivationOp
	}
	variants := []variant{
		{"bias-bn-residual-relu", true, true, true, true, device.ReLU},
		{"bn-relu", false, true, true, false, device.ReLU},
		{"bn-without-affine", true, true, false, false, device.Linear},
		{"bias-relu", true, false, false, false, device.ReLU},
		{"residual-sigmoid", false, false, false, true, device.Sigmoid},
		{"plain", false, false, false, false, device.Linear},
	}
	var all []*testCase
	for i, c := range geometries {
		v := variants[i%len(variants)]
		if i < len(variants) {
			// Every variant on its own geometry, and the full chain on every geometry.
			all = append(all, fusedConvCase(g, c, v.name, v.bias, v.normalize, v.affine, v.residual, v.act))
		}
		if v.name != "bias-bn-residual-relu" {
			all = append(all, fusedConvCase(g, c, "bias-bn-residual-relu", true, true, true, true, device.ReLU))
		}
	}
	return all
}

// fusedConvCase is one FusedConv2D; the operands left out are passed as nil and their
// buffers must come back unchanged.
func fusedConvCase(g generator, c convGeometry, variant string, bias, normalize, affine, residual bool, act device.ActivationOp) *testCase {
	p := &device.FusedConv2DParams{Conv: *c.params(), Epsilon: 1e-3, Activation: act}
	conv := &p.Conv
	optional := func(use bool, data []float64) operand {
		if use {
			return input(data)
		}
		return unused(input(data))
	}
	operands := []operand{
		input(g.uniform(conv.InputLen(), -1, 1)), input(g.uniform(conv.KernelLen(), -1, 1)),
		optional(bias, g.uniform(conv.OutC, -1, 1)),
		optional(affine, g.uniform(conv.OutC, 0.5, 1.5)), optional(affine, g.uniform(conv.OutC, -1, 1)),
		optional(normalize, g.uniform(conv.OutC, -0.5, 0.5)), optional(normalize, g.uniform(conv.OutC, 0.5, 2)),
		optional(residual, g.uniform(conv.OutputLen(), -1, 1)),
		output(conv.OutputLen()),
	}
	return &testCase{
		name:     fmt.Sprintf("FusedConv2D/%s/%s", variant, c.name),
		fused:    true,
		operands: operands,
		run: func(b device.Backend, x []device.Buffer) []float64 {
			use := func(used bool, buffer device.Buffer) device.Buffer {
				if used {
					return buffer
				}
				return nil
			}
			b.(device.Conv2DFuser).FusedConv2D(p, &device.FusedConv2DOperands{
				X: x[0], W: x[1], Bias: use(bias, x[2]),
				Gamma: use(affine, x[3]), Beta: use(affine, x[4]), Mean: use(normalize, x[5]), Variance: use(normalize, x[6]),
				Residual: use(residual, x[7]), Y: x[8],
			})
			return nil
		},
	}
}

func poolCases(g generator) []*testCase {
	type geometry struct {
		name                     string
		n, h, w, c, kh, kw       int
		stride                   int
		top, bottom, left, right int
		ties                     bool // values from {0, 1, 2}: ties in most windows
	}
	geometries := []geometry{
		{"valid-2x2-odd", 2, 5, 7, 3, 2, 2, 2, 0, 0, 0, 0, false},
		{"same-3x3-stride2-odd", 2, 7, 9, 13, 3, 3, 2, 1, 1, 1, 1, false},
		{"same-3x3-stride1", 1, 5, 4, 3, 3, 3, 1, 1, 1, 1, 1, false},
		{"asymmetric-2x3-stride3", 3, 8, 7, 5, 2, 3, 3, 0, 1, 2, 0, false},
		{"ties", 2, 6, 6, 4, 3, 3, 2, 1, 0, 0, 1, true},
		{"large", 16, 16, 16, 24, 2, 2, 2, 0, 0, 0, 0, false},
	}
	var all []*testCase
	for _, geo := range geometries {
		for _, mode := range []device.PoolMode{device.MaxPool, device.AvgPool} {
			p := &device.Pool2DParams{
				Mode: mode, N: geo.n, H: geo.h, W: geo.w, C: geo.c, KH: geo.kh, KW: geo.kw,
				StrideH: geo.stride, StrideW: geo.stride, PadTop: geo.top, PadLeft: geo.left,
				OutH: outputSize(geo.h, geo.kh, geo.stride, 1, geo.top, geo.bottom),
				OutW: outputSize(geo.w, geo.kw, geo.stride, 1, geo.left, geo.right),
			}
			x := g.uniform(p.InputLen(), -2, 1)
			if geo.ties {
				for i := range x {
					x[i] = float64(g.IntN(3))
				}
			}
			y := make([]float64, p.OutputLen())
			ref.Pool2D(p, x, y)
			dy := g.uniform(p.OutputLen(), -1, 1)
			name := fmt.Sprintf("%s/%s", poolModeName(mode), geo.name)
			all = append(all,
				&testCase{
					name:     "Pool2D/" + name,
					operands: []operand{input(x), output(p.OutputLen())},
					run: func(b device.Backend, x []device.Buffer) []float64 {
						b.Pool2D(p, x[0], x[1])
						return nil
					},
				},
				&testCase{
					name:     "Pool2DBackward/" + name,
					operands: []operand{input(x), input(float32Values(y)), input(dy), output(p.InputLen())},
					run: func(b device.Backend, x []device.Buffer) []float64 {
						b.Pool2DBackward(p, x[0], x[1], x[2], x[3])
						return nil
					},
				})
		}
	}
	return all
}

func batchNormCases(g generator) []*testCase {
	var all []*testCase
	for _, shape := range [][2]int{{37, 19}, {2, 3}, {3000, 70}} {
		rows, channels := shape[0], shape[1]
		for variant := range 2 {
			// Variant 0 has gamma, beta, the moving statistics and Bessel's correction;
			// variant 1 leaves out everything optional.
			affine := variant == 0
			p := &device.BatchNormParams{Rows: rows, C: channels, Epsilon: 1e-3, Momentum: 0.99, BesselCorrection: affine}
			name := fmt.Sprintf("%dx%d/affine=%v", rows, channels, affine)
			x := g.uniform(rows*channels, -2, 3)
			gamma, beta := g.uniform(channels, 0.5, 1.5), g.uniform(channels, -1, 1)
			mean, variance := g.uniform(channels, -0.5, 0.5), g.uniform(channels, 0.5, 2)
			optional := func(buffer device.Buffer) device.Buffer {
				if affine {
					return buffer
				}
				return nil
			}
			// An output left out (nil) must leave its buffer untouched.
			optionalOutput := func(o operand) operand {
				if affine {
					return o
				}
				return unused(o)
			}
			saveMean, saveInvStd := make([]float64, channels), make([]float64, channels)
			ref.BatchNormStatistics(p, 0, channels, x, saveMean, saveInvStd, nil, nil)
			all = append(all,
				&testCase{
					name:     "BatchNormInference/" + name,
					operands: []operand{input(x), input(gamma), input(beta), input(mean), input(variance), output(rows * channels)},
					run: func(b device.Backend, x []device.Buffer) []float64 {
						b.BatchNormInference(p, x[0], optional(x[1]), optional(x[2]), x[3], x[4], x[5])
						return nil
					},
				},
				&testCase{
					name: "BatchNormTraining/" + name,
					operands: []operand{input(x), input(gamma), input(beta), output(rows * channels),
						output(channels), output(channels), optionalOutput(inPlace(mean)), optionalOutput(inPlace(variance))},
					run: func(b device.Backend, x []device.Buffer) []float64 {
						b.BatchNormTraining(p, x[0], optional(x[1]), optional(x[2]), x[3], x[4], x[5], optional(x[6]), optional(x[7]))
						return nil
					},
				},
				&testCase{
					name: "BatchNormBackward/" + name,
					operands: []operand{input(x), input(g.uniform(rows*channels, -1, 1)), input(gamma),
						input(float32Values(saveMean)), input(float32Values(saveInvStd)),
						output(rows * channels), optionalOutput(output(channels)), output(channels)},
					run: func(b device.Backend, x []device.Buffer) []float64 {
						// Without the options, dgamma is left out but dbeta is wanted.
						b.BatchNormBackward(p, x[0], x[1], optional(x[2]), x[3], x[4], x[5], optional(x[6]), x[7])
						return nil
					},
				})
		}
	}
	return all
}

// activationInputs are values across the range of every activation: random ones, its
// kinks (0 and 6) exactly, values either side of them, and large ones that would
// overflow a careless exp.
func activationInputs(g generator) []float64 {
	x := g.uniform(1000, -8, 8)
	return float32Values(append(x, 0, 6, -1e-3, 1e-3, 5.999, 6.001, -20, 20, -90, 90, -1000, 1000))
}

func activationCases(g generator) []*testCase {
	var all []*testCase
	for _, op := range device.ActivationOps() {
		x := activationInputs(g)
		n := len(x)
		y := make([]float64, n)
		ref.Activation(op, n, x, y)
		y = float32Values(y)
		dy := g.uniform(n, -1, 1)
		all = append(all,
			&testCase{
				name:     "Activation/" + op.String(),
				operands: []operand{input(x), output(n)},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.Activation(op, n, x[0], x[1])
					return nil
				},
			},
			&testCase{
				name:     "Activation/in-place/" + op.String(),
				operands: []operand{inPlace(x)},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.Activation(op, n, x[0], x[0])
					return nil
				},
			},
			&testCase{
				name:     "ActivationBackward/" + op.String(),
				operands: []operand{input(x), input(y), input(dy), output(n)},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.ActivationBackward(op, n, x[0], x[1], x[2], x[3])
					return nil
				},
			},
			&testCase{
				name:     "ActivationBackward/in-place/" + op.String(),
				operands: []operand{input(x), input(y), inPlace(dy)},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.ActivationBackward(op, n, x[0], x[1], x[2], x[2])
					return nil
				},
			})
	}
	return all
}

func softmaxCases(g generator) []*testCase {
	var all []*testCase
	for _, shape := range [][2]int{{1, 1}, {9, 13}, {500, 37}} {
		rows, cols := shape[0], shape[1]
		x := g.uniform(rows*cols, -30, 30)
		x[0] = 1000 // a row that overflows exp unless its maximum is subtracted
		y := make([]float64, rows*cols)
		ref.Softmax(rows, cols, x, y)
		name := fmt.Sprintf("%dx%d", rows, cols)
		all = append(all,
			&testCase{
				name:     "Softmax/" + name,
				operands: []operand{input(x), output(rows * cols)},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.Softmax(rows, cols, x[0], x[1])
					return nil
				},
			},
			&testCase{
				name:     "SoftmaxBackward/" + name,
				operands: []operand{input(float32Values(y)), input(g.uniform(rows*cols, -1, 1)), output(rows * cols)},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.SoftmaxBackward(rows, cols, x[0], x[1], x[2])
					return nil
				},
			})
	}
	return all
}

func elementwiseCases(g generator) []*testCase {
	const n = 40013 // several chunks of any sensible size, and not a round number
	x, y := g.uniform(n, -2, 2), g.uniform(n, -2, 2)
	return []*testCase{
		{
			name:     "Axpby/beta=0",
			operands: []operand{input(x), output(n)},
			run: func(b device.Backend, v []device.Buffer) []float64 {
				b.Axpby(n, 1.25, v[0], 0, v[1])
				return nil
			},
		},
		{
			name:     "Axpby",
			operands: []operand{input(x), inPlace(y)},
			run: func(b device.Backend, v []device.Buffer) []float64 {
				b.Axpby(n, -0.5, v[0], 0.75, v[1])
				return nil
			},
		},
		{
			name:     "Mul",
			operands: []operand{input(x), input(y), output(n)},
			run: func(b device.Backend, v []device.Buffer) []float64 {
				b.Mul(n, v[0], v[1], v[2])
				return nil
			},
		},
		{
			name:     "Mul/in-place",
			operands: []operand{inPlace(x), input(y)},
			run: func(b device.Backend, v []device.Buffer) []float64 {
				b.Mul(n, v[0], v[1], v[0])
				return nil
			},
		},
		{
			name:     "Clamp",
			operands: []operand{inPlace(x)},
			run: func(b device.Backend, v []device.Buffer) []float64 {
				b.Clamp(n, v[0], -1.5, 0.25)
				return nil
			},
		},
		{
			name:     "SumSquares",
			operands: []operand{input(x)},
			run: func(b device.Backend, v []device.Buffer) []float64 {
				return []float64{b.SumSquares(n, v[0]), b.SumSquares(7, v[0])}
			},
		},
	}
}

func layoutCases(g generator) []*testCase {
	var all []*testCase
	for _, p := range []*device.Pad2DParams{
		{N: 2, H: 5, W: 3, C: 7, Top: 1, Bottom: 0, Left: 2, Right: 1},
		{N: 1, H: 1, W: 1, C: 1, Top: 0, Bottom: 2, Left: 0, Right: 0},
		{N: 40, H: 12, W: 12, C: 16, Top: 1, Bottom: 1, Left: 1, Right: 1},
	} {
		inLen, outLen := p.N*p.H*p.W*p.C, p.N*p.OutH()*p.OutW()*p.C
		name := fmt.Sprintf("N%d-H%d-W%d-C%d-pad%d,%d,%d,%d", p.N, p.H, p.W, p.C, p.Top, p.Bottom, p.Left, p.Right)
		all = append(all,
			&testCase{
				name:     "Pad2D/" + name,
				operands: []operand{input(g.uniform(inLen, -1, 1)), output(outLen)},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.Pad2D(p, x[0], x[1])
					return nil
				},
			},
			&testCase{
				name:     "Crop2D/" + name,
				operands: []operand{input(g.uniform(outLen, -1, 1)), output(inLen)},
				run: func(b device.Backend, x []device.Buffer) []float64 {
					b.Crop2D(p, x[0], x[1])
					return nil
				},
			})
	}
	const outer = 5
	widths := []int{3, 1, 7}
	all = append(all,
		&testCase{
			name: "Concat",
			operands: []operand{input(g.uniform(outer*3, -1, 1)), input(g.uniform(outer*1, -1, 1)),
				input(g.uniform(outer*7, -1, 1)), output(outer * 11)},
			run: func(b device.Backend, x []device.Buffer) []float64 {
				b.Concat(outer, widths, x[:3], x[3])
				return nil
			},
		},
		&testCase{
			name:     "Split",
			operands: []operand{input(g.uniform(outer*11, -1, 1)), output(outer * 3), unused(output(outer * 1)), output(outer * 7)},
			run: func(b device.Backend, x []device.Buffer) []float64 {
				b.Split(outer, widths, x[0], []device.Buffer{x[1], nil, x[3]})
				return nil
			},
		})
	return all
}

func optimizerCases(g generator) []*testCase {
	const n = 40013
	param, grad := func() []float64 { return g.uniform(n, -1, 1) }, func() []float64 { return g.uniform(n, -0.5, 0.5) }
	var all []*testCase
	for _, p := range []*device.SGDParams{
		{LearningRate: 0.01},
		{LearningRate: 0.01, Momentum: 0.9},
		{LearningRate: 0.05, Momentum: 0.8, Nesterov: true},
	} {
		operands := []operand{inPlace(param()), input(grad()), inPlace(g.uniform(n, -0.1, 0.1))}
		if p.Momentum == 0 {
			operands[2] = unused(operands[2])
		}
		all = append(all, &testCase{
			name:     fmt.Sprintf("SGD/momentum=%v/nesterov=%v", p.Momentum, p.Nesterov),
			operands: operands,
			run: func(b device.Backend, x []device.Buffer) []float64 {
				velocity := x[2]
				if p.Momentum == 0 {
					velocity = nil
				}
				b.SGD(p, n, x[0], x[1], velocity)
				return nil
			},
		})
	}
	for _, p := range []*device.AdamParams{
		{LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 1},
		{LearningRate: 0.01, Beta1: 0.8, Beta2: 0.99, Epsilon: 1e-7, Step: 7, AMSGrad: true},
		{LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 3, WeightDecay: 0.01},
	} {
		operands := []operand{inPlace(param()), input(grad()), inPlace(g.uniform(n, -0.1, 0.1)),
			inPlace(g.uniform(n, 0, 0.01)), inPlace(g.uniform(n, 0, 0.02))}
		if !p.AMSGrad {
			operands[4] = unused(operands[4])
		}
		all = append(all, &testCase{
			name:     fmt.Sprintf("Adam/amsgrad=%v/weightdecay=%v", p.AMSGrad, p.WeightDecay),
			operands: operands,
			run: func(b device.Backend, x []device.Buffer) []float64 {
				vhat := x[4]
				if !p.AMSGrad {
					vhat = nil
				}
				b.Adam(p, n, x[0], x[1], x[2], x[3], vhat)
				return nil
			},
		})
	}
	for _, p := range []*device.RMSpropParams{
		{LearningRate: 0.001, Rho: 0.9, Epsilon: 1e-7},
		{LearningRate: 0.001, Rho: 0.9, Epsilon: 1e-7, Momentum: 0.5},
		{LearningRate: 0.002, Rho: 0.8, Epsilon: 1e-7, Centered: true},
		{LearningRate: 0.002, Rho: 0.8, Epsilon: 1e-7, Centered: true, Momentum: 0.9},
	} {
		// ms ≥ 0.3 > mg², so the centered denominator stays positive.
		operands := []operand{inPlace(param()), input(grad()), inPlace(g.uniform(n, 0.3, 1)),
			inPlace(g.uniform(n, -0.1, 0.1)), inPlace(g.uniform(n, -0.5, 0.5))}
		if p.Momentum == 0 {
			operands[3] = unused(operands[3])
		}
		if !p.Centered {
			operands[4] = unused(operands[4])
		}
		all = append(all, &testCase{
			name:     fmt.Sprintf("RMSprop/momentum=%v/centered=%v", p.Momentum, p.Centered),
			operands: operands,
			run: func(b device.Backend, x []device.Buffer) []float64 {
				mom, mg := x[3], x[4]
				if p.Momentum == 0 {
					mom = nil
				}
				if !p.Centered {
					mg = nil
				}
				b.RMSprop(p, n, x[0], x[1], x[2], mom, mg)
				return nil
			},
		})
	}
	return all
}

// poolModeName names a pooling mode in test names.
func poolModeName(mode device.PoolMode) string {
	if mode == device.MaxPool {
		return "max"
	}
	return "average"
}
