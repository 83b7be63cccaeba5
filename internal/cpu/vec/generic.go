package vec

import "math"

// The Go twins of the assembly. Each computes exactly the operations its exported
// function documents, in the same order; explicit float32(…) and float64(…) conversions
// keep the compiler from fusing a multiply and an add (the Go spec allows it otherwise),
// so that the results match the assembly bit for bit.

// addBiasGeneric does columns [0, cols) of rows rows with row stride ld.
func addBiasGeneric(rows, cols, ld int, x, bias, y []float32, relu bool) {
	for r := range rows {
		xr, yr := x[r*ld:r*ld+cols], y[r*ld:r*ld+cols]
		for j, v := range xr {
			yr[j] = floor(v+bias[j], relu)
		}
	}
}

func addBiasResidualGeneric(rows, cols, ld int, x, bias, residual, y []float32, relu bool) {
	for r := range rows {
		xr, rr, yr := x[r*ld:r*ld+cols], residual[r*ld:r*ld+cols], y[r*ld:r*ld+cols]
		for j, v := range xr {
			yr[j] = floor((v+bias[j])+rr[j], relu)
		}
	}
}

// floor is max(v, 0) when relu is set (NaN stays NaN), else v.
func floor(v float32, relu bool) float32 {
	if relu && v < 0 {
		return 0
	}
	return v
}

func normalizeGeneric(rows, cols, ld int, x, mean, scale, shift, y []float32, relu bool) {
	for r := range rows {
		xr, yr := x[r*ld:r*ld+cols], y[r*ld:r*ld+cols]
		for j, v := range xr {
			yr[j] = floor(float32((v-mean[j])*scale[j])+shift[j], relu)
		}
	}
}

func normalizeBackwardGeneric(rows, cols, ld int, x, dy []float32, mean, k1, k2, k3 []float64, dx []float32) {
	for r := range rows {
		xr, dyr, dxr := x[r*ld:r*ld+cols], dy[r*ld:r*ld+cols], dx[r*ld:r*ld+cols]
		for j, v := range xr {
			centred := float64(v) - mean[j]
			dxr[j] = float32(float64(float64(k1[j]*float64(dyr[j]))+float64(k2[j]*centred)) + k3[j])
		}
	}
}

func reluGeneric(x, y []float32) {
	for i, v := range x[:len(y)] {
		y[i] = floor(v, true)
	}
}

func reluBackwardGeneric(x, dy, dx []float32) {
	for i, v := range x[:len(dx)] {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
}

func axpbyGeneric(alpha float32, x []float32, beta float32, y []float32) {
	x = x[:len(y)]
	if beta == 0 {
		for i, v := range x {
			y[i] = alpha * v
		}
		return
	}
	for i, v := range x {
		y[i] = float32(alpha*v) + float32(beta*y[i])
	}
}

func maxIntoGeneric(dst, src []float32) {
	for i, v := range src[:len(dst)] {
		if v > dst[i] {
			dst[i] = v
		}
	}
}

// routeMaxGeneric adds +0 where it routes nothing, as the assembly does.
func routeMaxGeneric(x, y, dy, dx, pending []float32) {
	for i := range dx {
		var g float32
		if math.Float32bits(pending[i]) != 0 && x[i] == y[i] {
			g, pending[i] = dy[i], 0
		}
		dx[i] += g
	}
}

// sumBlock is how many columns the generic reductions sum at once: their sums live on the
// stack while the rows stream past.
const sumBlock = 64

// The reductions sum each column from 0 in row order, then add the sum into the output,
// as the assembly does.

func sumColumnsGeneric(rows, cols, ld int, x []float32, sums []float64) {
	for j0 := 0; j0 < cols; j0 += sumBlock {
		w := min(sumBlock, cols-j0)
		var acc [sumBlock]float64
		for r := range rows {
			for j, v := range x[r*ld+j0 : r*ld+j0+w] {
				acc[j] += float64(v)
			}
		}
		for j := range w {
			sums[j0+j] += acc[j]
		}
	}
}

func squaredDeviationsGeneric(rows, cols, ld int, x []float32, mean, sums []float64) {
	for j0 := 0; j0 < cols; j0 += sumBlock {
		w := min(sumBlock, cols-j0)
		var acc [sumBlock]float64
		for r := range rows {
			for j, v := range x[r*ld+j0 : r*ld+j0+w] {
				d := float64(v) - mean[j0+j]
				acc[j] += float64(d * d)
			}
		}
		for j := range w {
			sums[j0+j] += acc[j]
		}
	}
}

func sumProductsGeneric(rows, cols, ld int, x, dy []float32, mean, sumDy, sumDyCentered []float64) {
	for j0 := 0; j0 < cols; j0 += sumBlock {
		w := min(sumBlock, cols-j0)
		var accDy, accProducts [sumBlock]float64
		for r := range rows {
			xr := x[r*ld+j0 : r*ld+j0+w]
			for j, g := range dy[r*ld+j0 : r*ld+j0+w] {
				accDy[j] += float64(g)
				accProducts[j] += float64(float64(g) * (float64(xr[j]) - mean[j0+j]))
			}
		}
		for j := range w {
			sumDy[j0+j] += accDy[j]
			sumDyCentered[j0+j] += accProducts[j]
		}
	}
}

func adamGeneric(s *AdamStep, param, grad, m, v, vhat []float32) {
	for i, g := range grad[:len(param)] {
		p := param[i]
		if s.WeightDecay {
			p -= float32(s.Decay * p)
		}
		mi := m[i] + float32((g-m[i])*s.OneMinusBeta1)
		vi := v[i] + float32((float32(g*g)-v[i])*s.OneMinusBeta2)
		m[i], v[i] = mi, vi
		second := vi
		if s.AMSGrad {
			if vi > vhat[i] {
				vhat[i] = vi
			}
			second = vhat[i]
		}
		param[i] = p - float32(s.Alpha*mi)/(float32(math.Sqrt(float64(second)))+s.Epsilon)
	}
}

func sgdGeneric(s *SGDStep, param, grad, velocity []float32) {
	lr, momentum := s.LearningRate, s.Momentum
	for i, g := range grad[:len(param)] {
		switch s.Mode {
		case PlainSGD:
			param[i] -= float32(lr * g)
		case MomentumSGD:
			v := float32(momentum*velocity[i]) - float32(lr*g)
			velocity[i] = v
			param[i] += v
		case NesterovSGD:
			v := float32(momentum*velocity[i]) - float32(lr*g)
			velocity[i] = v
			param[i] += float32(momentum*v) - float32(lr*g)
		}
	}
}
