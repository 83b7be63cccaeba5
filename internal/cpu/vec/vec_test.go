package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Shapes at the edges of the assembly's 8-float vectors: fewer columns than a vector,
// exactly one, one more, several with a remainder; odd and even row counts.
var (
	testRows = []int{1, 2, 3, 7}
	testCols = []int{1, 5, 8, 9, 16, 23, 64, 70}
	testLens = []int{0, 1, 7, 8, 9, 31, 32, 33, 40, 100, 1027}
)

// random returns n values in [-2, 2), with a few exact zeros and negative zeros.
func random(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch rng.IntN(16) {
		case 0:
			x[i] = 0
		case 1:
			x[i] = float32(math.Copysign(0, -1))
		default:
			x[i] = 4*rng.Float32() - 2
		}
	}
	return x
}

// random64 returns n float64 values in [-1, 1).
func random64(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 2*rng.Float64() - 1
	}
	return x
}

// poisoned returns n NaNs.
func poisoned(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(math.NaN())
	}
	return x
}

// sameBits fails unless got and want hold the same bits (every NaN equal).
func sameBits[T float32 | float64](t *testing.T, what string, got, want []T) {
	t.Helper()
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) && math.IsNaN(w) {
			continue
		}
		if math.Float64bits(g) != math.Float64bits(w) {
			t.Fatalf("%s: [%d] = %v, the Go twin gives %v", what, i, got[i], want[i])
		}
	}
}

// near fails unless got is within tol·max(1, |want|) of want everywhere.
func near(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	for i, w := range want {
		if math.IsNaN(float64(got[i])) || math.Abs(float64(got[i])-w) > tol*max(1, math.Abs(w)) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, got[i], w)
		}
	}
}

func TestRowKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, rows := range testRows {
		for _, cols := range testCols {
			for _, relu := range []bool{false, true} {
				name := fmt.Sprintf("rows=%d,cols=%d,relu=%v", rows, cols, relu)
				n := rows * cols
				x, bias := random(rng, n), random(rng, cols)
				mean, scale, shift := random(rng, cols), random(rng, cols), random(rng, cols)

				y, twin := poisoned(n), poisoned(n)
				AddBias(rows, cols, cols, x, bias, y, relu)
				addBiasGeneric(rows, cols, cols, x, bias, twin, relu)
				sameBits(t, "AddBias "+name, y, twin)
				want := make([]float64, n)
				for i := range want {
					want[i] = relu64(float64(x[i])+float64(bias[i%cols]), relu)
				}
				near(t, "AddBias "+name, y, want, 1e-6)

				residual := random(rng, n)
				y, twin = poisoned(n), poisoned(n)
				AddBiasResidual(rows, cols, cols, x, bias, residual, y, relu)
				addBiasResidualGeneric(rows, cols, cols, x, bias, residual, twin, relu)
				sameBits(t, "AddBiasResidual "+name, y, twin)
				for i := range want {
					want[i] = relu64(float64(x[i])+float64(bias[i%cols])+float64(residual[i]), relu)
				}
				near(t, "AddBiasResidual "+name, y, want, 2e-6)

				y, twin = poisoned(n), poisoned(n)
				Normalize(rows, cols, x, mean, scale, shift, y, relu)
				normalizeGeneric(rows, cols, cols, x, mean, scale, shift, twin, relu)
				sameBits(t, "Normalize "+name, y, twin)
				for i := range want {
					j := i % cols
					want[i] = relu64((float64(x[i])-float64(mean[j]))*float64(scale[j])+float64(shift[j]), relu)
				}
				near(t, "Normalize "+name, y, want, 1e-6)

				// In place.
				inPlace := append([]float32(nil), x...)
				Normalize(rows, cols, inPlace, mean, scale, shift, inPlace, relu)
				sameBits(t, "Normalize in place "+name, inPlace, twin)

				if relu {
					continue
				}
				dy := random(rng, n)
				mean64, k1, k2, k3 := random64(rng, cols), random64(rng, cols), random64(rng, cols), random64(rng, cols)
				dx, twin := poisoned(n), poisoned(n)
				NormalizeBackward(rows, cols, x, dy, mean64, k1, k2, k3, dx)
				normalizeBackwardGeneric(rows, cols, cols, x, dy, mean64, k1, k2, k3, twin)
				sameBits(t, "NormalizeBackward "+name, dx, twin)
				for i := range want {
					j := i % cols
					want[i] = k1[j]*float64(dy[i]) + k2[j]*(float64(x[i])-mean64[j]) + k3[j]
				}
				near(t, "NormalizeBackward "+name, dx, want, 1e-6)
			}
		}
	}
}

func relu64(v float64, relu bool) float64 {
	if relu {
		return max(v, 0)
	}
	return v
}

// TestStridedRows: AddBias and AddBiasResidual on rows with a stride wider than the row
// (a block of a wider matrix) leave the cells between the rows alone.
func TestStridedRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, cols := range testCols {
		const rows, pad = 5, 3
		ld := cols + pad
		x, bias, residual := random(rng, rows*ld), random(rng, cols), random(rng, rows*ld)
		for _, withResidual := range []bool{false, true} {
			y, twin := poisoned(rows*ld), poisoned(rows*ld)
			if withResidual {
				AddBiasResidual(rows, cols, ld, x, bias, residual, y, true)
				addBiasResidualGeneric(rows, cols, ld, x, bias, residual, twin, true)
			} else {
				AddBias(rows, cols, ld, x, bias, y, true)
				addBiasGeneric(rows, cols, ld, x, bias, twin, true)
			}
			sameBits(t, fmt.Sprintf("cols=%d residual=%v", cols, withResidual), y, twin)
			for i, v := range y {
				if written := i%ld < cols; written == math.IsNaN(float64(v)) {
					t.Fatalf("cols=%d residual=%v: [%d] = %v", cols, withResidual, i, v)
				}
			}
		}
	}
}

func TestFlatKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range testLens {
		name := fmt.Sprintf("n=%d", n)
		x, dy := random(rng, n+3), random(rng, n)
		x[0] = float32(math.NaN())
		if n > 9 {
			x[9] = float32(math.Inf(-1))
		}

		// The outputs are one longer than n, and the extra cell must stay NaN.
		y, twin := poisoned(n+1), poisoned(n+1)
		Relu(x, y[:n])
		reluGeneric(x, twin[:n])
		sameBits(t, "Relu "+name, y, twin)
		if !math.IsNaN(float64(y[n])) {
			t.Fatalf("Relu %s wrote past n", name)
		}

		dx, twin := poisoned(n+1), poisoned(n+1)
		ReluBackward(x, dy, dx[:n])
		reluBackwardGeneric(x, dy, twin[:n])
		sameBits(t, "ReluBackward "+name, dx, twin)
		for i := range n {
			if want := float32(0); x[i] > 0 {
				if dx[i] != dy[i] {
					t.Fatalf("ReluBackward %s: [%d] = %v, want %v", name, i, dx[i], dy[i])
				}
			} else if dx[i] != want || math.Signbit(float64(dx[i])) {
				t.Fatalf("ReluBackward %s: [%d] = %v, want +0", name, i, dx[i])
			}
		}

		for _, ab := range [][2]float32{{1.5, 0}, {1, 1}, {-0.75, 0.3}, {2, float32(math.Copysign(0, -1))}} {
			y := random(rng, n+1)
			y[n] = float32(math.NaN())
			if ab[1] == 0 && n > 0 {
				y[0] = float32(math.NaN()) // beta = 0 must not read y
			}
			twin := append([]float32(nil), y...)
			Axpby(ab[0], x, ab[1], y[:n])
			axpbyGeneric(ab[0], x, ab[1], twin[:n])
			sameBits(t, fmt.Sprintf("Axpby(%v, %v) %s", ab[0], ab[1], name), y, twin)
			if n > 0 && ab[1] == 0 && !math.IsNaN(float64(x[0])) && math.IsNaN(float64(y[0])) {
				t.Fatalf("Axpby with beta 0 read y")
			}
		}

		dst := random(rng, n+1)
		dst[n] = float32(math.NaN())
		if n > 3 {
			dst[3] = float32(math.NaN())
		}
		twin = append([]float32(nil), dst...)
		MaxInto(dst[:n], x)
		maxIntoGeneric(twin[:n], x)
		sameBits(t, "MaxInto "+name, dst, twin)
	}
}

func TestRouteMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range testLens {
		// Three cells of a window with ties among values from {0, 1, 2}, and a NaN.
		cells := make([][]float32, 3)
		for c := range cells {
			cells[c] = make([]float32, n)
			for i := range cells[c] {
				cells[c][i] = float32(rng.IntN(3))
			}
		}
		if n > 2 {
			cells[1][2] = float32(math.NaN())
		}
		y := make([]float32, n)
		for i := range y {
			y[i] = max(cells[0][i], cells[1][i], cells[2][i])
		}
		dy := random(rng, n)
		dx, twinDx := make([][]float32, 3), make([][]float32, 3)
		pending, twinPending := make([]float32, n), make([]float32, n)
		for i := range pending {
			pending[i], twinPending[i] = PendingAll, PendingAll
		}
		for c := range cells {
			dx[c], twinDx[c] = random(rng, n), nil
			twinDx[c] = clone(dx[c])
			before := clone(dx[c])
			RouteMax(cells[c], y, dy, dx[c], pending)
			routeMaxGeneric(cells[c], y, dy, twinDx[c], twinPending)
			sameBits(t, fmt.Sprintf("RouteMax n=%d cell %d", n, c), dx[c], twinDx[c])
			sameBits(t, fmt.Sprintf("RouteMax n=%d pending after cell %d", n, c), pending, twinPending)
			for i := range n {
				first := c
				for earlier := range c {
					if cells[earlier][i] == y[i] {
						first = -1
					}
				}
				if want := before[i]; first == c && cells[c][i] == y[i] {
					if dx[c][i] != want+dy[i] {
						t.Fatalf("RouteMax n=%d: cell %d [%d] = %v, want %v", n, c, i, dx[c][i], want+dy[i])
					}
				} else if dx[c][i] != want {
					t.Fatalf("RouteMax n=%d: cell %d [%d] = %v, want it unchanged at %v", n, c, i, dx[c][i], want)
				}
			}
		}
	}
}

func TestReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, rows := range append(testRows, 0, 100) {
		for _, cols := range testCols {
			for _, pad := range []int{0, 3} {
				name := fmt.Sprintf("rows=%d,cols=%d,ld=%d", rows, cols, cols+pad)
				ld := cols + pad
				x, dy := random(rng, rows*ld), random(rng, rows*ld)
				mean := make([]float64, cols)
				for j := range mean {
					mean[j] = rng.Float64() - 0.5
				}
				start := func() []float64 {
					s := make([]float64, cols+1)
					for j := range s {
						s[j] = float64(j) / 3
					}
					return s
				}
				check := func(kernel string, got, twin []float64, want func(j int) float64) {
					t.Helper()
					sameBits(t, kernel+" "+name, got, twin)
					for j := range cols {
						if w := want(j); math.Abs(got[j]-w) > 1e-9*max(1, math.Abs(w)) {
							t.Fatalf("%s %s: [%d] = %v, want %v", kernel, name, j, got[j], w)
						}
					}
					if got[cols] != float64(cols)/3 {
						t.Fatalf("%s %s: wrote past cols", kernel, name)
					}
				}
				column := func(s []float32, j int) []float64 {
					var c []float64
					for r := range rows {
						c = append(c, float64(s[r*ld+j]))
					}
					return c
				}

				got, twin := start(), start()
				SumColumns(rows, cols, ld, x, got)
				sumColumnsGeneric(rows, cols, ld, x, twin)
				check("SumColumns", got, twin, func(j int) float64 {
					s := float64(j) / 3
					for _, v := range column(x, j) {
						s += v
					}
					return s
				})

				got, twin = start(), start()
				SquaredDeviations(rows, cols, ld, x, mean, got)
				squaredDeviationsGeneric(rows, cols, ld, x, mean, twin)
				check("SquaredDeviations", got, twin, func(j int) float64 {
					s := float64(j) / 3
					for _, v := range column(x, j) {
						s += (v - mean[j]) * (v - mean[j])
					}
					return s
				})

				gotDy, twinDy, got, twin := start(), start(), start(), start()
				SumProducts(rows, cols, ld, x, dy, mean, gotDy, got)
				sumProductsGeneric(rows, cols, ld, x, dy, mean, twinDy, twin)
				check("SumProducts (dy)", gotDy, twinDy, func(j int) float64 {
					s := float64(j) / 3
					for _, v := range column(dy, j) {
						s += v
					}
					return s
				})
				check("SumProducts (dy·(x − mean))", got, twin, func(j int) float64 {
					s := float64(j) / 3
					xs := column(x, j)
					for r, g := range column(dy, j) {
						s += g * (xs[r] - mean[j])
					}
					return s
				})
			}
		}
	}
}

func TestOptimizers(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range testLens {
		for _, s := range []AdamStep{
			{Alpha: 1e-3, OneMinusBeta1: 0.1, OneMinusBeta2: 1e-3, Epsilon: 1e-7},
			{Alpha: 1e-2, Decay: 1e-4, OneMinusBeta1: 0.2, OneMinusBeta2: 0.01, Epsilon: 1e-7, WeightDecay: true, AMSGrad: true},
		} {
			param, grad, m := random(rng, n), random(rng, n), random(rng, n)
			v, vhat := make([]float32, n), make([]float32, n)
			for i := range v {
				v[i], vhat[i] = rng.Float32(), rng.Float32()
			}
			twin := [][]float32{clone(param), clone(m), clone(v), clone(vhat)}
			var vh, twinVhat []float32
			if s.AMSGrad {
				vh, twinVhat = vhat, twin[3]
			}
			Adam(&s, param, grad, m, v, vh)
			adamGeneric(&s, twin[0], grad, twin[1], twin[2], twinVhat)
			name := fmt.Sprintf("Adam n=%d amsgrad=%v", n, s.AMSGrad)
			sameBits(t, name+" param", param, twin[0])
			sameBits(t, name+" m", m, twin[1])
			sameBits(t, name+" v", v, twin[2])
			sameBits(t, name+" vhat", vhat, twin[3])
		}
		for _, s := range []SGDStep{{LearningRate: 0.01}, {LearningRate: 0.01, Momentum: 0.9, Mode: MomentumSGD}, {LearningRate: 0.05, Momentum: 0.8, Mode: NesterovSGD}} {
			param, grad, velocity := random(rng, n), random(rng, n), random(rng, n)
			twinParam, twinVelocity := clone(param), clone(velocity)
			vel, twinVel := velocity, twinVelocity
			if s.Mode == PlainSGD {
				vel, twinVel = nil, nil
			}
			SGD(&s, param, grad, vel)
			sgdGeneric(&s, twinParam, grad, twinVel)
			name := fmt.Sprintf("SGD n=%d mode=%d", n, s.Mode)
			sameBits(t, name+" param", param, twinParam)
			sameBits(t, name+" velocity", velocity, twinVelocity)
		}
	}
}

func clone(x []float32) []float32 { return append([]float32(nil), x...) }
