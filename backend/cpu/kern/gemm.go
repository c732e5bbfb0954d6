package kern

import "fmt"

// Act is an activation fused into the GEMM epilogue.
type Act uint8

// Activations (the same values as model.Act).
const (
	ActNone Act = iota
	ActGELU     // gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
	ActReLU
)

// Epilogue is applied to each element of C after the product.
type Epilogue struct {
	Bias     []float32 // [n] or nil
	Act      Act
	Residual []float32 // [m, LDR] or nil; added after the activation
	LDR      int
}

// Gemm computes C = Act(A·op(B) + Bias) + Residual, overwriting C:
//
//	for i < m, j < n: s = Σ_l A[i·lda+l]·B(l, j); C[i·ldc+j] = act(s + bias[j]) + res[i·ldr+j]
//
// with B(l, j) = B[j·ldb+l] when transB (B stored [n, k]) else B[l·ldb+j] (B stored
// [k, n]). ep may be nil. The work is spread over the pool p. B is packed on the fly,
// one cache block at a time.
//
// Slices too short for the stated shape and leading dimensions panic with a message
// naming the operand (a programming error, like an index out of range). C must not
// overlap A, B or the residual: C is written while they are still being read.
func Gemm(p *Pool, m, n, k int, a []float32, lda int, b []float32, ldb int, transB bool, c []float32, ldc int, ep *Epilogue) {
	if m == 0 || n == 0 {
		return
	}
	checkGemmArgs(m, n, k, a, lda, c, ldc, ep)
	if transB {
		checkOperand("B", n, k, b, ldb)
	} else {
		checkOperand("B", k, n, b, ldb)
	}
	gemm(activeKernel, p, m, n, k, a, lda, bOperand{b: b, ldb: ldb, transB: transB}, c, ldc, ep)
}

// checkGemmArgs panics when A, C or the epilogue's slices cannot hold the shape; the
// assembly kernels do not bounds-check, so this is what keeps them in bounds.
func checkGemmArgs(m, n, k int, a []float32, lda int, c []float32, ldc int, ep *Epilogue) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kern: gemm shape m=%d n=%d k=%d is negative", m, n, k))
	}
	checkOperand("A", m, k, a, lda)
	checkOperand("C", m, n, c, ldc)
	if ep == nil {
		return
	}
	if ep.Bias != nil && len(ep.Bias) < n {
		panic(fmt.Sprintf("kern: gemm bias has %d values, need n=%d", len(ep.Bias), n))
	}
	if ep.Residual != nil {
		checkOperand("residual", m, n, ep.Residual, ep.LDR)
	}
}

// checkOperand panics unless x holds a rows×cols matrix with leading dimension ld.
func checkOperand(name string, rows, cols int, x []float32, ld int) {
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols {
		panic(fmt.Sprintf("kern: gemm %s leading dimension %d < %d columns", name, ld, cols))
	}
	if need := (rows-1)*ld + cols; len(x) < need {
		panic(fmt.Sprintf("kern: gemm %s has %d values, need %d for %d×%d with leading dimension %d", name, len(x), need, rows, cols, ld))
	}
}
