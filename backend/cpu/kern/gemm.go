package kern

import "math"

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
// [k, n]). ep may be nil. The work is spread over the pool p.
func Gemm(p *Pool, m, n, k int, a []float32, lda int, b []float32, ldb int, transB bool, c []float32, ldc int, ep *Epilogue) {
	if m == 0 || n == 0 {
		return
	}
	gemmGeneric(p, m, n, k, a, lda, b, ldb, transB, c, ldc, ep)
}

// gemmGeneric is the plain Go version: blocks of rows and columns over the pool.
func gemmGeneric(p *Pool, m, n, k int, a []float32, lda int, b []float32, ldb int, transB bool, c []float32, ldc int, ep *Epilogue) {
	const rowBlock, colBlock = 16, 256
	rb := (m + rowBlock - 1) / rowBlock
	cb := (n + colBlock - 1) / colBlock
	p.Run(rb*cb, func(t int) {
		i0, j0 := (t/cb)*rowBlock, (t%cb)*colBlock
		i1, j1 := min(i0+rowBlock, m), min(j0+colBlock, n)
		for i := i0; i < i1; i++ {
			ci := c[i*ldc+j0 : i*ldc+j1]
			ai := a[i*lda : i*lda+k]
			if transB {
				for j := j0; j < j1; j++ {
					bj := b[j*ldb : j*ldb+k]
					var s float32
					for l, av := range ai {
						s += av * bj[l]
					}
					ci[j-j0] = s
				}
			} else {
				clear(ci)
				for l, av := range ai {
					bl := b[l*ldb+j0 : l*ldb+j1]
					for j, bv := range bl {
						ci[j] += av * bv
					}
				}
			}
			applyEpilogue(ci, i, j0, ep)
		}
	})
}

// applyEpilogue finishes row i, columns j0.. of C.
func applyEpilogue(ci []float32, i, j0 int, ep *Epilogue) {
	if ep == nil {
		return
	}
	if ep.Bias != nil {
		for j := range ci {
			ci[j] += ep.Bias[j0+j]
		}
	}
	switch ep.Act {
	case ActGELU:
		for j, x := range ci {
			ci[j] = GELU(x)
		}
	case ActReLU:
		for j, x := range ci {
			ci[j] = max(x, 0)
		}
	}
	if ep.Residual != nil {
		r := ep.Residual[i*ep.LDR+j0:]
		for j := range ci {
			ci[j] += r[j]
		}
	}
}

// GELU is gelu_new, the tanh approximation GPT-2 uses.
func GELU(x float32) float32 {
	const c = 0.7978845608028654 // √(2/π)
	xf := float64(x)
	return float32(0.5 * xf * (1 + math.Tanh(c*(xf+0.044715*xf*xf*xf))))
}
