package kern

// bPrefetch spreads software prefetches (into L2) of the block of op(B) a task packs
// next over the micro-kernel calls of the block it multiplies now, so the packing finds
// B in L2. Without it the packing of an unpacked weight waits on L3 or DRAM once per
// row: rows of a [k, n] weight are ldb apart, a new page every row or two, where the
// hardware prefetchers stop; that was 15 % of a GPT-2 product on one core.
//
// The block is rows of memory: row r is b[off+r·ld : off+r·ld+width].
type bPrefetch struct {
	b               []float32
	off, ld, width  int
	rows, next, per int
}

// plan aims the prefetches at a block spread over calls micro-kernel calls; rows = 0
// (no next block, or nothing to prefetch on this architecture) makes step a no-op.
func (pf *bPrefetch) plan(b []float32, off, ld, width, rows, calls int) {
	if !hasPrefetch || rows <= 0 || width <= 0 {
		pf.rows, pf.next = 0, 0
		return
	}
	pf.b, pf.off, pf.ld, pf.width, pf.rows, pf.next = b, off, ld, width, rows, 0
	pf.per = (rows + max(calls, 1) - 1) / max(calls, 1)
}

// step prefetches the next share of the block.
func (pf *bPrefetch) step() {
	if pf.next >= pf.rows {
		return
	}
	n := min(pf.per, pf.rows-pf.next)
	prefetchRows(&pf.b[pf.off+pf.next*pf.ld], 4*pf.ld, n, 4*pf.width)
	pf.next += n
}

// done drops the reference to B.
func (pf *bPrefetch) done() { pf.b, pf.rows, pf.next = nil, 0, 0 }
