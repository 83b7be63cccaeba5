//go:build noasm || !amd64

package gemm

// kernel computes one mr×nr tile of C, as kernelGeneric documents.
func kernel(k int, a []float32, rsa, csa int, b []float32, c []float32, ldc int, alpha, beta float32) {
	kernelGeneric(k, a, rsa, csa, b, c, ldc, alpha, beta)
}

// kernelBlock computes a 2mr×2nr block of four tiles, as kernelTiles documents.
func kernelBlock(k int, a0, a1 []float32, rsa, csa int, b0, b1, c []float32, ldc int, alpha, beta float32) {
	kernelTiles(k, a0, a1, rsa, csa, b0, b1, c, ldc, alpha, beta)
}
