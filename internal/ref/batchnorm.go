package ref

import (
	"math"

	"github.com/org/gotl/internal/device"
)

// The batch-normalization kernels view x as (Rows, C): channel c of row r is x[r·C + c].
// gamma and beta may be nil, meaning 1 and 0.

// BatchNormInference computes y = gamma·(x − mean)/sqrt(variance + ε) + beta per channel.
// x, y (Rows, C); gamma, beta, mean, variance (C).
func BatchNormInference[T Float](p *device.BatchNormParams, x, gamma, beta, mean, variance, y []T) {
	for r := range p.Rows {
		for c := range p.C {
			i := r*p.C + c
			normalized := (float64(x[i]) - float64(mean[c])) / math.Sqrt(float64(variance[c])+p.Epsilon)
			y[i] = T(scaleOf(gamma, c)*normalized + shiftOf(beta, c))
		}
	}
}

// BatchNormTraining normalises x with its own batch statistics: see BatchNormStatistics for
// what it writes into saveMean, saveInvStd, movingMean and movingVar, and
// BatchNormNormalize for y. x, y (Rows, C); the others (C).
func BatchNormTraining[T Float](p *device.BatchNormParams, x, gamma, beta, y, saveMean, saveInvStd, movingMean, movingVar []T) {
	BatchNormStatistics(p, 0, p.C, x, saveMean, saveInvStd, movingMean, movingVar)
	BatchNormNormalize(p.Rows, p.C, x, gamma, beta, saveMean, saveInvStd, y)
}

// BatchNormStatistics computes, for the channels c in [c0, c1), the batch mean
// μ = Σ_r x[r,c]/Rows and the biased variance σ² = Σ_r (x[r,c] − μ)²/Rows (two passes,
// float64 sums in row order), writes saveMean[c] = μ and saveInvStd[c] = 1/sqrt(σ² + ε),
// and, unless movingMean or movingVar is nil, updates the moving statistics in place:
//
//	movingMean ← movingMean − (movingMean − μ)·(1 − Momentum)
//	movingVar  ← movingVar − (movingVar − σ²_upd)·(1 − Momentum)
//
// with σ²_upd = σ²·Rows/(Rows − 1) when BesselCorrection and Rows > 1, else σ² (TF's
// fused kernel also leaves a one-row batch uncorrected rather than divide by zero).
func BatchNormStatistics[T Float](p *device.BatchNormParams, c0, c1 int, x, saveMean, saveInvStd, movingMean, movingVar []T) {
	rows := float64(p.Rows)
	for j0 := c0; j0 < c1; j0 += columnChunk {
		j1 := min(j0+columnChunk, c1)
		var means, squares [columnChunk]float64
		for r := range p.Rows {
			for j, v := range x[r*p.C+j0 : r*p.C+j1] {
				means[j] += float64(v)
			}
		}
		for j := range j1 - j0 {
			means[j] /= rows
		}
		for r := range p.Rows {
			for j, v := range x[r*p.C+j0 : r*p.C+j1] {
				d := float64(v) - means[j]
				squares[j] += d * d
			}
		}
		for c := j0; c < j1; c++ {
			BatchNormChannelStatistics(p, c, means[c-j0], squares[c-j0]/rows, saveMean, saveInvStd, movingMean, movingVar)
		}
	}
}

// BatchNormChannelStatistics writes saveMean[c] and saveInvStd[c] and updates the moving
// statistics of channel c, as BatchNormStatistics documents, from the channel's batch
// mean and biased variance.
func BatchNormChannelStatistics[T Float](p *device.BatchNormParams, c int, mean, variance float64, saveMean, saveInvStd, movingMean, movingVar []T) {
	saveMean[c] = T(mean)
	saveInvStd[c] = T(1 / math.Sqrt(variance+p.Epsilon))
	if movingMean == nil || movingVar == nil {
		return
	}
	if rows := float64(p.Rows); p.BesselCorrection && p.Rows > 1 {
		variance *= rows / (rows - 1)
	}
	decay := 1 - p.Momentum
	movingMean[c] = T(float64(movingMean[c]) - (float64(movingMean[c])-mean)*decay)
	movingVar[c] = T(float64(movingVar[c]) - (float64(movingVar[c])-variance)*decay)
}

// BatchNormNormalize computes y = gamma·(x − mean)·invStd + beta per channel for the given
// rows. x, y (rows, cols); gamma, beta, mean, invStd (cols).
func BatchNormNormalize[T Float](rows, cols int, x, gamma, beta, mean, invStd, y []T) {
	for r := range rows {
		for c := range cols {
			i := r*cols + c
			normalized := (float64(x[i]) - float64(mean[c])) * float64(invStd[c])
			y[i] = T(scaleOf(gamma, c)*normalized + shiftOf(beta, c))
		}
	}
}

// BatchNormBackward writes dx, dgamma and dbeta for y = BatchNormTraining(x), given the
// saved batch mean μ and inverse deviation s = 1/sqrt(σ² + ε). With x̂ = (x − μ)·s and R rows:
//
//	dbeta[c]  = Σ_r dy[r,c]
//	dgamma[c] = Σ_r dy[r,c]·x̂[r,c]
//	dx[r,c]   = gamma[c]·s[c]·(dy[r,c] − dbeta[c]/R − x̂[r,c]·dgamma[c]/R)
//
// which is the gradient through μ and σ² as well as through the normalisation.
// gamma may be nil (1); dgamma and dbeta may be nil (not wanted).
// x, dy, dx (Rows, C); the others (C).
func BatchNormBackward[T Float](p *device.BatchNormParams, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta []T) {
	sumDy := make([]float64, p.C)
	sumDyNormalized := make([]float64, p.C)
	BatchNormBackwardSums(p, 0, p.C, x, dy, saveMean, saveInvStd, sumDy, sumDyNormalized, dgamma, dbeta)
	BatchNormBackwardData(p.Rows, p.C, p.Rows, x, dy, gamma, saveMean, saveInvStd, sumDy, sumDyNormalized, dx)
}

// BatchNormBackwardSums computes, for the channels c in [c0, c1), sumDy[c] = Σ_r dy[r,c]
// and sumDyNormalized[c] = Σ_r dy[r,c]·x̂[r,c] in float64 and row order, and writes them
// to dbeta and dgamma unless those are nil. x, dy (Rows, C); the others (C).
func BatchNormBackwardSums[T Float](p *device.BatchNormParams, c0, c1 int, x, dy, saveMean, saveInvStd []T, sumDy, sumDyNormalized []float64, dgamma, dbeta []T) {
	for j0 := c0; j0 < c1; j0 += columnChunk {
		j1 := min(j0+columnChunk, c1)
		var sums, normalizedSums [columnChunk]float64
		for r := range p.Rows {
			row := r * p.C
			for j := range j1 - j0 {
				c := j0 + j
				g := float64(dy[row+c])
				sums[j] += g
				normalizedSums[j] += g * (float64(x[row+c]) - float64(saveMean[c])) * float64(saveInvStd[c])
			}
		}
		for c := j0; c < j1; c++ {
			sumDy[c], sumDyNormalized[c] = sums[c-j0], normalizedSums[c-j0]
			if dbeta != nil {
				dbeta[c] = T(sumDy[c])
			}
			if dgamma != nil {
				dgamma[c] = T(sumDyNormalized[c])
			}
		}
	}
}

// BatchNormBackwardData writes dx for the given rows from the sums of
// BatchNormBackwardSums over all batchRows rows (see BatchNormBackward).
// x, dy, dx (rows, cols); the others (cols).
func BatchNormBackwardData[T Float](rows, cols, batchRows int, x, dy, gamma, saveMean, saveInvStd []T, sumDy, sumDyNormalized []float64, dx []T) {
	count := float64(batchRows)
	for r := range rows {
		for c := range cols {
			i := r*cols + c
			invStd := float64(saveInvStd[c])
			normalized := (float64(x[i]) - float64(saveMean[c])) * invStd
			dx[i] = T(scaleOf(gamma, c) * invStd * (float64(dy[i]) - sumDy[c]/count - normalized*sumDyNormalized[c]/count))
		}
	}
}

// scaleOf is gamma[c], or 1 when gamma is nil.
func scaleOf[T Float](gamma []T, c int) float64 {
	if gamma == nil {
		return 1
	}
	return float64(gamma[c])
}

// shiftOf is beta[c], or 0 when beta is nil.
func shiftOf[T Float](beta []T, c int) float64 {
	if beta == nil {
		return 0
	}
	return float64(beta[c])
}
