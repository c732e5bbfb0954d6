package kern

// The rows path: one row of A against a [k, n] B read in place (a decode step's
// products at batch 1: x·W with GPT-2's [in, out] weights). Such a product reads every
// element of B once and does one FMA with it, so it is bound by reading B; the blocked
// path would run its mr-row micro-kernel on a one-row tile, and the dot-product path
// needs B stored [n, k]. Here the threads split the rows of B: task t adds its range of
// rows into a partial row of C, kept in L1, row by row,
//
//	part_t[j] = Σ_{l in range t} a[l]·B[l, j]
//
// so each task reads one contiguous stretch of memory in order (the whole of its rows
// when n ≤ rowsMaxCols and B is not padded), which the hardware prefetchers follow.
// Task 0's part is C itself; once the team is done the caller adds the others' parts
// into C (n floats each, a few µs) and applies the epilogue.

// rowsMaxCols bounds the columns of C one pass over a task's rows keeps: 16 KiB, in L1
// beside the row of B being added. Wider products take several passes.
const rowsMaxCols = 4096

// rowsMinK is the fewest rows of B worth a task of their own.
const rowsMinK = 64

func (w *gemmWork) planRows(threads int) {
	w.mode = modeRows
	w.nt = max(min(threads, w.k/rowsMinK), 1)
	grow(&w.rowsBuf, (w.nt-1)*w.n)
}

// rowsRange is task t's rows of B: [l0, l1), multiples of four apart but the last (the
// generic loop takes four rows at a time).
func (w *gemmWork) rowsRange(t int) (l0, l1 int) {
	quads := (w.k + 3) / 4
	return min(4*(t*quads/w.nt), w.k), min(4*((t+1)*quads/w.nt), w.k)
}

// rows is one team member's part of the rows path: tasks from a shared counter.
func (w *gemmWork) rows() {
	n := w.n
	b, ldb := w.b.b, w.b.ldb
	for {
		t := int(w.next.Add(1) - 1)
		if t >= w.nt {
			return
		}
		part := w.c[:n]
		if t > 0 {
			part = w.rowsBuf[(t-1)*n : t*n]
		}
		clear(part)
		l0, l1 := w.rowsRange(t)
		for j0 := 0; j0 < n; j0 += rowsMaxCols {
			j1 := min(j0+rowsMaxCols, n)
			rowsAdd(part[j0:j1], w.a[l0:l1], b[l0*ldb+j0:], ldb)
		}
	}
}

// rowsFinish adds the other tasks' parts into C and applies the epilogue.
func (w *gemmWork) rowsFinish() {
	n := w.n
	c := w.c[:n]
	for t := 1; t < w.nt; t++ {
		part := w.rowsBuf[(t-1)*n : t*n]
		for j, v := range part {
			c[j] += v
		}
	}
	epilogueTile(w.c, w.ldc, 0, 1, 0, n, w.ep)
}

// rowsAddGeneric is `for l := range a { for j := range c { c[j] += a[l]·b[l·ldb+j] } }`,
// four rows of b at a time.
func rowsAddGeneric(c, a, b []float32, ldb int) {
	n, k := len(c), len(a)
	l := 0
	for ; l+4 <= k; l += 4 {
		a0, a1, a2, a3 := a[l], a[l+1], a[l+2], a[l+3]
		b0 := b[l*ldb : l*ldb+n]
		b1 := b[(l+1)*ldb : (l+1)*ldb+n]
		b2 := b[(l+2)*ldb : (l+2)*ldb+n]
		b3 := b[(l+3)*ldb : (l+3)*ldb+n]
		for j := range c {
			c[j] += a0*b0[j] + a1*b1[j] + a2*b2[j] + a3*b3[j]
		}
	}
	for ; l < k; l++ {
		al, bl := a[l], b[l*ldb:l*ldb+n]
		for j := range c {
			c[j] += al * bl[j]
		}
	}
}
