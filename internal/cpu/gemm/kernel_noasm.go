//go:build noasm || !amd64

package gemm

// kernelName names the micro-kernel in use, for benchmarks and test logs.
const kernelName = "generic"

func kernel(k int, a []float32, rsa, csa int, b []float32, c []float32, ldc int, alpha, beta float32) {
	kernelGeneric(k, a, rsa, csa, b, c, ldc, alpha, beta)
}
