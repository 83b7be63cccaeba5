//go:build noasm || !amd64

package gemm

// kernel computes one mr×nr tile of C, as kernelGeneric documents.
func kernel(k int, a []float32, rsa, csa int, b []float32, c []float32, ldc int, alpha, beta float32) {
	kernelGeneric(k, a, rsa, csa, b, c, ldc, alpha, beta)
}
