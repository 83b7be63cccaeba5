package gemm

import "math"

// kernelGeneric is the Go twin of kernelAVX2: it computes the same MR×NR tile with the
// same operations in the same order, each product-sum rounded once as the FMA instruction
// does, so the two agree bit for bit (kernel_amd64_test.go checks this). It is the kernel
// of the noasm build and of CPUs without AVX2 and FMA.
func kernelGeneric(k int, a []float32, rsa, csa int, b []float32, c []float32, ldc int, alpha, beta float32) {
	var acc [mr][nr]float32
	for p := range k {
		bp := b[p*nr : p*nr+nr]
		for i := range mr {
			ai := a[i*rsa+p*csa]
			row := &acc[i]
			for j, bj := range bp {
				row[j] = fma32(ai, bj, row[j])
			}
		}
	}
	for i := range mr {
		ci := c[i*ldc : i*ldc+nr]
		for j := range ci {
			if beta == 0 {
				ci[j] = alpha * acc[i][j]
			} else {
				ci[j] = fma32(beta, ci[j], alpha*acc[i][j])
			}
		}
	}
}

// kernelTiles computes the four tiles of a 2mr×2nr block of C, rows [0, mr) from a0 and
// [mr, 2mr) from a1, columns [0, nr) from the panel b0 and [nr, 2nr) from b1, each with
// kernel.
func kernelTiles(k int, a0, a1 []float32, rsa, csa int, b0, b1, c []float32, ldc int, alpha, beta float32) {
	kernel(k, a0, rsa, csa, b0, c, ldc, alpha, beta)
	kernel(k, a0, rsa, csa, b1, c[nr:], ldc, alpha, beta)
	kernel(k, a1, rsa, csa, b0, c[mr*ldc:], ldc, alpha, beta)
	kernel(k, a1, rsa, csa, b1, c[mr*ldc+nr:], ldc, alpha, beta)
}

// fma32 returns x·y + z rounded once to float32, as VFMADD231PS does.
//
// The product of two float32 values is exact in float64, and the float64 sum s is made
// exact-or-sticky by rounding to odd: when s is inexact its last bit is forced to 1, so
// that the second rounding, to float32's 24 bits, cannot meet a false tie (float64 carries
// more than 24+2 bits). See Boldo and Melquiond, "Emulation of FMA and correctly rounded
// sums: proved algorithms using rounding to odd", IEEE Trans. Computers 57(4), 2008.
func fma32(x, y, z float32) float32 {
	p := float64(x) * float64(y)
	s := p + float64(z)
	// TwoSum (Knuth): p + z = s + e exactly when s is finite; e is NaN otherwise.
	t := s - p
	e := (p - (s - t)) + (float64(z) - t)
	if e != 0 && !math.IsNaN(e) {
		if bits := math.Float64bits(s); bits&1 == 0 {
			if (e > 0) == (s > 0) {
				bits++ // away from zero, towards the exact value
			} else {
				bits--
			}
			s = math.Float64frombits(bits)
		}
	}
	return float32(s)
}
