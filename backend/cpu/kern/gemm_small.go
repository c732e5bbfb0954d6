package kern

// smallMTransB is the most rows for which a product with an [n, k] B in place is done
// as dot products instead of packing B: with so few rows the product is bound by
// reading B, and dot products read each row of B once, in order, where the transposing
// pack would read sixteen rows at a time.
const smallMTransB = 8

// gemmSmallMTransB is Gemm for m ≤ smallMTransB with B stored [n, k]: C[i, j] =
// A_i·B_j, four columns of B at a time (they stay in L1 while each row of A meets
// them), the epilogue on each 64-column block.
func gemmSmallMTransB(p *Pool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep *Epilogue) {
	const colBlock = 64
	p.Run((n+colBlock-1)/colBlock, func(t int) {
		j0 := t * colBlock
		j1 := min(j0+colBlock, n)
		j := j0
		for ; j+4 <= j1; j += 4 {
			for i := range m {
				out := activeVec.dot4(a[i*lda:i*lda+k], b[j*ldb:], ldb)
				copy(c[i*ldc+j:i*ldc+j+4], out[:])
			}
		}
		for ; j < j1; j++ {
			for i := range m {
				c[i*ldc+j] = activeVec.dot(a[i*lda:i*lda+k], b[j*ldb:j*ldb+k])
			}
		}
		epilogueTile(c, ldc, 0, m, j0, j1-j0, ep)
	})
}
