package gemm

// SgemmReference is Sgemm computed the obvious way: each element of op(A)·op(B) is a dot
// product accumulated in float64 in the order p = 0, 1, …, k-1, then
// c = alpha·dot + beta·c rounded once to float32 (c = alpha·dot when beta == 0, and
// c = beta·c when alpha == 0, as in the reference BLAS). It checks nothing: arguments
// are Sgemm's, already valid.
func SgemmReference(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := range m {
		for j := range n {
			var dot float64
			if alpha != 0 {
				for p := range k {
					var ap, bp float32
					if transA {
						ap = a[p*lda+i]
					} else {
						ap = a[i*lda+p]
					}
					if transB {
						bp = b[j*ldb+p]
					} else {
						bp = b[p*ldb+j]
					}
					dot += float64(ap) * float64(bp)
				}
			}
			v := float64(alpha) * dot
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(v)
		}
	}
}
