package cuda

// cublasGemm is one call of cublasGemmEx in cuBLAS's column-major convention: C (M×N,
// leading dimension LDC) = op(A)·op(B) with op(A) M×K and op(B) K×N. Its A, B and C
// pointers are given separately (gemmStep).
type cublasGemm struct {
	TransA, TransB bool
	M, N, K        int
	LDA, LDB, LDC  int
}

// rowMajorGemm maps the row-major product of model.MatMul
//
//	C[m, n] (row stride ldc) = Σ_k A[m, k]·W(k, n)      A: M×K, row stride lda
//	W(k, n) = W[n·ldw + k] if transW (W stored N×K)  else  W[k·ldw + n] (W stored K×N)
//
// to cuBLAS. A row-major matrix read column-major is its transpose, so cuBLAS computes
// Cᵀ (N×M, leading dimension ldc) = op(W)ᵀ·Aᵀ: cuBLAS's A operand is W (transposed
// when W is stored N×K, whose column-major reading is K×N), its B operand is A (Aᵀ is
// A's column-major reading: K×M with leading dimension lda), and M and N swap.
func rowMajorGemm(M, N, K, lda int, transW bool, ldw, ldc int) cublasGemm {
	return cublasGemm{
		TransA: transW, TransB: false,
		M: N, N: M, K: K,
		LDA: ldw, LDB: lda, LDC: ldc,
	}
}
