package ref

// Float is the element type of a kernel: float32 for the cpu backend, float64 for the
// reference backend.
type Float interface {
	~float32 | ~float64
}

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices: op(A) is (m×k),
// op(B) is (k×n), C is (m×n), with row strides lda, ldb, ldc as stored. op(X) = Xᵀ when
// the flag is set, so A is stored (k×m) when transA and B is stored (n×k) when transB.
// With beta = 0, C is overwritten: NaNs already in C do not propagate.
//
//	C[i,j] = alpha·Σ_p op(A)[i,p]·op(B)[p,j] + beta·C[i,j]
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := range m {
		for j := range n {
			var sum T
			for p := range k {
				sum += element(a, transA, i, p, lda) * element(b, transB, p, j, ldb)
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * sum
			} else {
				c[i*ldc+j] = alpha*sum + beta*c[i*ldc+j]
			}
		}
	}
}

// element is op(X)[row, column] of the row-major matrix x with row stride ld.
func element[T Float](x []T, transposed bool, row, column, ld int) T {
	if transposed {
		return x[column*ld+row]
	}
	return x[row*ld+column]
}

// BiasAdd adds bias[j] to every y[i, j] of the (rows×cols) matrix y, in place.
func BiasAdd[T Float](y, bias []T, rows, cols int) {
	for i := range rows {
		row := y[i*cols : (i+1)*cols]
		for j := range row {
			row[j] += bias[j]
		}
	}
}

// BiasGrad writes db[j] = Σ_i dy[i, j] for the columns j in [c0, c1) of the (rows×cols)
// matrix dy. Each sum is taken in row order in float64; the columns are visited in chunks
// of columnChunk so that the matrix is read from memory once, not once per column.
func BiasGrad[T Float](db, dy []T, rows, cols, c0, c1 int) {
	for j0 := c0; j0 < c1; j0 += columnChunk {
		j1 := min(j0+columnChunk, c1)
		var sums [columnChunk]float64
		for i := range rows {
			for j, v := range dy[i*cols+j0 : i*cols+j1] {
				sums[j] += float64(v)
			}
		}
		for j := j0; j < j1; j++ {
			db[j] = T(sums[j-j0])
		}
	}
}

// columnChunk is how many per-column float64 sums a row reduction keeps at once: they fit
// on the stack and span whole cache lines of a float32 or float64 row.
const columnChunk = 64
