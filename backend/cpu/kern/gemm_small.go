package kern

// smallMTransB is the most rows for which a product with an [n, k] B in place is done
// as dot products instead of packing B: with so few rows the product is bound by
// reading B, and dot products read each row of B once, in order, where the transposing
// pack would read sixteen rows at a time.
const smallMTransB = 8

// dotsColBlock is the columns of C per task of the dot-product path.
const dotsColBlock = 64

func (w *gemmWork) planDots(threads int) {
	w.mode = modeDots
	w.nt = max(min(threads, (w.n+dotsColBlock-1)/dotsColBlock), 1)
}

// dots is Gemm for m ≤ smallMTransB with B stored [n, k]: C[i, j] = A_i·B_j, four
// columns of B at a time (they stay in L1 while each row of A meets them), the
// epilogue on each block of dotsColBlock columns. Tasks are column blocks.
func (w *gemmWork) dots() {
	m, n, k := w.m, w.n, w.k
	a, lda, b, ldb, c, ldc := w.a, w.lda, w.b.b, w.b.ldb, w.c, w.ldc
	tasks := (n + dotsColBlock - 1) / dotsColBlock
	for {
		t := int(w.next.Add(1) - 1)
		if t >= tasks {
			return
		}
		j0 := t * dotsColBlock
		j1 := min(j0+dotsColBlock, n)
		j := j0
		for ; j+4 <= j1; j += 4 {
			for i := range m {
				out := dot4(a[i*lda:i*lda+k], b[j*ldb:], ldb)
				copy(c[i*ldc+j:i*ldc+j+4], out[:])
			}
		}
		for ; j < j1; j++ {
			for i := range m {
				c[i*ldc+j] = dot(a[i*lda:i*lda+k], b[j*ldb:j*ldb+k])
			}
		}
		epilogueTile(c, ldc, 0, m, j0, j1-j0, w.ep)
	}
}
