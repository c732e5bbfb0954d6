package kern

import "sync/atomic"

// The blocked SGEMM (the BLIS loop nest, parallelised as BLIS does): op(B) is cut into
// blocks of kcBlock rows × nc columns, walked column block by column block and, inside
// one, k block by k block. Each block is packed once into a buffer all threads share,
// the packing itself split over the threads; after a barrier every thread runs the
// micro-kernel on it, taking (row chunk × group of B panels) tasks from a shared
// counter. Two block buffers alternate, so the threads pack block s+1 in the same
// phase as they multiply block s, and one barrier per block is all the waiting. A is
// packed once per product, each k block of it in the phase that first needs it.
//
// With one row chunk (m ≤ mcBlock, every product of the models at 192 tokens) no B panel
// is read by two tasks, so there is nothing to share (workLocal): A is packed, then after
// one barrier each task takes a group of B panels through every k block, packing them
// into a buffer of its thread: they are in that core's L1 and L2 when the micro-kernel
// reads them, where a shared block has gone out to L3. This measured 10-15 points of
// the FMA peak better than the shared block on one and on two threads, and needs no
// barrier per block (which cost most of the time of products with a few rows). While a
// task multiplies one block it prefetches into L2, a share before each micro-kernel
// call, the block of B it packs next (prefetch.go): a weight's rows are a page or more
// apart, where the hardware prefetchers stop, so without it each row packed waited on
// DRAM.
//
// The micro-kernel sweeps mr×nr tiles with a kc×nr panel of B in L1 and the row chunk
// of A (mcBlock × kc) in L2; the epilogue runs on each tile right after its last k block.

const (
	kcBlock = 256 // rows of op(B) per packed block: a panel is 24 KiB at nr=24, 32 KiB at nr=32
	mcBlock = 192 // rows of A per task (rounded down to a multiple of mr): 192 KiB of A at kc=256
	// bBlockFloats bounds one packed block of op(B): 1.5 MiB, so the two that alternate
	// sit in L3 next to A.
	bBlockFloats = 256 * 1536
	// Panels of B (of A) packed per pack task.
	packBPanels = 8
	packAPanels = 8
	// maxGroupPanels bounds the B panels per compute task; fewer when that leaves too
	// few tasks to balance the threads.
	maxGroupPanels = 8
	// serialFlops: below this m·n·k a product runs on the caller alone (waking a worker
	// costs more than it saves).
	serialFlops = 1 << 15
)

// localGroupPanels bounds the B panels per compute task when each task packs its own:
// four panels at kc = 256 are 96 KiB (nr=24) or 128 KiB (nr=32), in L2 beside the
// 192 KiB of A.
const localGroupPanels = 4

// directBMaxM is the largest m for which a [k, n] B is read in place rather than packed:
// with few rows each element of B is used a handful of times, so copying it costs more
// than the strided reads.
const directBMaxM = 8

// edgeLen is one thread's tile buffer for edge tiles, padded so two threads' buffers
// share no cache line.
const edgeLen = maxMR*maxNR + 16

type gemmMode uint8

const (
	modeBlocked gemmMode = iota // packed blocks and the micro-kernel
	modeDots                    // few rows against an [n, k] B: dot products (gemm_small.go)
	modeRows                    // one row against a [k, n] B: rows of B added (gemm_rows.go)
)

// gemmWork is a pool's GEMM workspace and the product in flight. The buffers grow to
// the largest product seen and are kept; the product's operands are dropped after it.
type gemmWork struct {
	aBuf     []float32
	bBuf     [2][]float32
	localBuf [][]float32 // per thread: B panels packed by the task that uses them
	rowsBuf  []float32   // the rows path's partial rows of C, but task 0's
	edge     [][edgeLen]float32

	mode    gemmMode
	kr      *gemmKernel
	m, n, k int
	a       []float32
	lda     int
	b       bOperand
	c       []float32
	ldc     int
	ep      *Epilogue
	direct  bool // B [k, n] read in place (few rows)
	local   bool // each compute task packs its own B panels (one row chunk: no panel is shared)
	nt      int  // threads in the team

	nc, nJ, nK int // columns per block (a multiple of nr); blocks along n and along k
	mPanels    int
	mc         int // rows per compute task, a multiple of mr
	nChunks    int
	group      int // B panels per compute task
	aTasks     int // A pack tasks per k block

	next atomic.Int64
	bar  barrier
}

// gemm runs C = Act(A·op(B) + Bias) + Residual with the micro-kernel kr; the
// arguments are already checked.
func gemm(kr *gemmKernel, p *Pool, m, n, k int, a []float32, lda int, b bOperand, c []float32, ldc int, ep *Epilogue) {
	if k == 0 {
		for i := range m {
			clear(c[i*ldc : i*ldc+n])
			applyEpilogue(c[i*ldc:i*ldc+n], i, 0, ep)
		}
		return
	}
	// The pool's workspace when the pool is free; a nested or concurrent product gets a
	// private one (allocated) and runs on its caller alone.
	w, threads := &p.gemm, p.threads
	locked := p.mu.TryLock()
	if !locked {
		w, threads = new(gemmWork), 1
	} else if p.work == nil {
		threads = 1
	}
	w.kr, w.m, w.n, w.k = kr, m, n, k
	w.a, w.lda, w.b, w.c, w.ldc, w.ep = a, lda, b, c, ldc, ep
	if m*n*k < serialFlops {
		threads = 1
	}
	switch {
	case b.transB && m <= smallMTransB:
		w.planDots(threads)
	case !b.transB && m == 1 && rowsPath:
		w.planRows(threads)
	default:
		w.planBlocked(threads)
	}
	if len(w.edge) < w.nt {
		w.edge = make([][edgeLen]float32, max(w.nt, p.threads))
	}
	w.next.Store(0)
	if locked {
		p.runTeam(w.nt, w)
	} else {
		w.work(0)
	}
	if w.mode == modeRows {
		w.rowsFinish()
	}
	w.a, w.b, w.c, w.ep, w.kr = nil, bOperand{}, nil, nil, nil
	if locked {
		p.mu.Unlock()
	}
}

// planBlocked cuts the product into blocks and tasks and grows the buffers to fit.
func (w *gemmWork) planBlocked(threads int) {
	mr, nr := w.kr.mr, w.kr.nr
	m, n, k := w.m, w.n, w.k
	w.mode = modeBlocked
	w.direct = !w.b.transB && m <= directBMaxM
	w.local = m <= mcBlock
	w.mPanels = (m + mr - 1) / mr
	w.nK = (k + kcBlock - 1) / kcBlock
	kb0 := min(k, kcBlock)
	ncMax := max(bBlockFloats/kb0/nr, 1) * nr
	w.nJ = (n + ncMax - 1) / ncMax
	w.nc = ((n+w.nJ-1)/w.nJ + nr - 1) / nr * nr
	w.mc = max(mcBlock/mr, 1) * mr
	w.nChunks = (m + w.mc - 1) / w.mc
	w.aTasks = (w.mPanels + packAPanels - 1) / packAPanels

	panels := (min(w.nc, n) + nr - 1) / nr
	if w.local {
		panels = (n + nr - 1) / nr // a task covers all of k: the whole of n is one block
	}
	// At least four tasks per thread per block where the block allows it.
	w.group = min(max(panels*w.nChunks/(4*threads), 1), maxGroupPanels, panels)
	if w.local {
		w.group = min(w.group, localGroupPanels)
	}
	tasks := w.nChunks * ((panels + w.group - 1) / w.group)
	w.nt = max(min(threads, tasks), 1)

	grow(&w.aBuf, w.mPanels*mr*k)
	bNeed := 0
	switch {
	case w.local:
		for len(w.localBuf) < w.nt {
			w.localBuf = append(w.localBuf, nil)
		}
		for t := range w.nt {
			grow(&w.localBuf[t], w.group*nr*kb0)
		}
	default:
		bNeed = w.nc * kb0
	}
	grow(&w.bBuf[0], bNeed)
	if w.nJ*w.nK > 1 {
		grow(&w.bBuf[1], bNeed)
	}
}

// grow makes *buf at least n long, reallocating (with room to spare) only when it is
// too short, so a workspace stops allocating once it has seen the largest product.
func grow(buf *[]float32, n int) {
	if cap(*buf) < n {
		*buf = make([]float32, n, n+n/4)
	}
	*buf = (*buf)[:cap(*buf)]
}

// work is one team member's part of the product.
func (w *gemmWork) work(tid int) {
	switch w.mode {
	case modeDots:
		w.dots()
		return
	case modeRows:
		w.rows()
		return
	}
	if w.local {
		w.workLocal(tid)
		return
	}
	nBlocks := w.nJ * w.nK
	// Phase s packs block s and multiplies block s-1.
	for s := 0; s <= nBlocks; s++ {
		nPack, nB := 0, 0
		if s < nBlocks {
			nPack, nB = w.packTasks(s)
		}
		nComp := 0
		if s > 0 {
			nComp = w.computeTasks(s - 1)
		}
		// Pack and compute tasks alternate, so memory-bound packing on one core overlaps
		// FMA-bound work on another.
		q := min(nPack, nComp)
		for {
			i := int(w.next.Add(1) - 1)
			switch {
			case i >= nPack+nComp:
			case i < 2*q && i%2 == 0:
				w.pack(s, i/2, nB)
				continue
			case i < 2*q:
				w.compute(tid, s-1, i/2)
				continue
			case nPack > nComp:
				w.pack(s, i-q, nB)
				continue
			default:
				w.compute(tid, s-1, i-q)
				continue
			}
			break
		}
		if s < nBlocks {
			w.bar.wait(w.nt, &w.next)
		}
	}
}

// block returns the columns [jc, jc+cols) and rows [pc, pc+kb) of op(B) in block t.
func (w *gemmWork) block(t int) (jc, cols, pc, kb int) {
	jc = t / w.nK * w.nc
	pc = t % w.nK * kcBlock
	return jc, min(w.nc, w.n-jc), pc, min(kcBlock, w.k-pc)
}

// packTasks counts the pack tasks of block s, nB of them for B and the rest for A (A is
// packed with the first column block, the one that first reads each k block of it).
func (w *gemmWork) packTasks(s int) (n, nB int) {
	_, cols, _, _ := w.block(s)
	nr := w.kr.nr
	switch {
	case w.local:
	case w.direct:
		if cols%nr != 0 {
			nB = 1
		}
	default:
		nB = ((cols+nr-1)/nr + packBPanels - 1) / packBPanels
	}
	n = nB
	if s < w.nK {
		n += w.aTasks
	}
	return n, nB
}

func (w *gemmWork) computeTasks(t int) int {
	_, cols, _, _ := w.block(t)
	panels := (cols + w.kr.nr - 1) / w.kr.nr
	return w.nChunks * ((panels + w.group - 1) / w.group)
}

// pack runs pack task u of block s: B panels into the block's buffer, or A panels.
func (w *gemmWork) pack(s, u, nB int) {
	jc, cols, pc, kb := w.block(s)
	mr, nr := w.kr.mr, w.kr.nr
	if u >= nB {
		ip := (u - nB) * packAPanels
		i0 := ip * mr
		packA(w.aBuf[pc*w.mPanels*mr+ip*kb*mr:], w.a, w.lda, i0, min(packAPanels*mr, w.m-i0), pc, kb, mr)
		return
	}
	buf := w.bBuf[s%2]
	if w.direct {
		p := cols / nr // the ragged last panel
		packB(buf, w.b, pc, kb, jc+p*nr, cols-p*nr, nr)
		return
	}
	p0 := u * packBPanels
	c0, c1 := p0*nr, min((p0+packBPanels)*nr, cols)
	packB(buf[p0*kb*nr:], w.b, pc, kb, jc+c0, c1-c0, nr)
}

// compute runs compute task ct of block t: rows of one chunk × one group of B panels.
func (w *gemmWork) compute(tid, t, ct int) {
	jc, cols, pc, kb := w.block(t)
	nr := w.kr.nr
	panels := (cols + nr - 1) / nr
	groups := (panels + w.group - 1) / w.group
	i0 := ct / groups * w.mc
	p0 := ct % groups * w.group
	w.multiply(tid, pc, kb, i0, min(i0+w.mc, w.m), jc, cols, p0, min(p0+w.group, panels), w.bBuf[t%2], nil)
}

// multiply computes rows [i0, i1) × B panels [p0, p1) of the columns [jc, jc+cols), k
// block (pc, kb), into C, and the epilogue on the last k block. B panels come from
// shared (a block packed by the team), or else are packed here into the thread's
// buffer (local), or read in place (direct, a ragged last panel packed). pf,
// if not nil, prefetches the task's next block a share before each micro-kernel call.
func (w *gemmWork) multiply(tid, pc, kb, i0, i1, jc, cols, p0, p1 int, shared []float32, pf *bPrefetch) {
	kr := w.kr
	mr, nr := kr.mr, kr.nr
	c, ldc, ep := w.c, w.ldc, w.ep
	last := pc+kb == w.k
	acc := pc > 0
	aBlock := w.aBuf[pc*w.mPanels*mr:]
	edge := w.edge[tid][:maxMR*maxNR]
	var local []float32
	if shared == nil {
		local = w.localBuf[tid]
		switch {
		case !w.direct:
			packB(local, w.b, pc, kb, jc+p0*nr, min(p1*nr, cols)-p0*nr, nr)
		case p1*nr > cols: // the ragged last panel
			packB(local, w.b, pc, kb, jc+(p1-1)*nr, cols-(p1-1)*nr, nr)
		}
	}
	// With a short k block the micro-kernel's own prefetch of its C tile comes too late
	// (32 steps are 200 cycles; the tile's four rows are four DRAM pages), so the tile
	// cAhead calls ahead is prefetched too.
	prefetchC := hasPrefetch && kb <= cAheadMaxK
	for jp := p0; jp < p1; jp++ {
		j := jc + jp*nr
		nb := min(nr, jc+cols-j)
		var bp []float32
		bStride := nr
		switch {
		case shared != nil:
			bp = shared[jp*kb*nr : (jp+1)*kb*nr]
		case !w.direct:
			bp = local[(jp-p0)*kb*nr : (jp-p0+1)*kb*nr]
		case nb == nr:
			bp = w.b.b[pc*w.b.ldb+j:]
			bStride = w.b.ldb
		default:
			bp = local[:kb*nr]
		}
		for i := i0; i < i1; i += mr {
			rows := min(mr, i1-i)
			ap := aBlock[i/mr*kb*mr : (i/mr+1)*kb*mr]
			if pf != nil {
				pf.step()
			}
			if prefetchC {
				w.prefetchCAhead(i, i0, i1, j, jc+cols, mr, nr)
			}
			if rows == mr && nb == nr && kr.raw != nil {
				kr.raw(kb, &ap[0], &bp[0], 4*bStride, &c[i*ldc+j], 4*ldc, acc)
			} else if rows == mr && nb == nr {
				kr.micro(kb, ap, bp, bStride, c[i*ldc+j:], ldc, acc)
			} else {
				kr.micro(kb, ap, bp, bStride, edge, nr, false)
				for r := range rows {
					dst := c[(i+r)*ldc+j : (i+r)*ldc+j+nb]
					src := edge[r*nr : r*nr+nb]
					if acc {
						for q, v := range src {
							dst[q] += v
						}
					} else {
						copy(dst, src)
					}
				}
			}
			if last {
				epilogueTile(c, ldc, i, rows, j, nb, ep)
			}
		}
	}
}

// workLocal is work with one row chunk (m ≤ mcBlock): no B panel is read by two tasks,
// so there is nothing to share. All of A is packed first, then after the one barrier
// each task takes a group of B panels through every k block, packing each block of its
// panels into its thread's buffer (unless B is read in place).
func (w *gemmWork) workLocal(tid int) {
	nA := w.nK * w.aTasks
	for {
		u := int(w.next.Add(1) - 1)
		if u >= nA {
			break
		}
		w.pack(u/w.aTasks, u%w.aTasks, 0) // block u/aTasks: column block 0, that k block
	}
	w.bar.wait(w.nt, &w.next)
	groups := w.localTasks()
	var pf *bPrefetch
	if hasPrefetch {
		pf = &bPrefetch{}
		defer pf.done()
	}
	for {
		g := int(w.next.Add(1) - 1)
		if g >= groups {
			return
		}
		p0, p1 := w.localSpan(g)
		calls := (p1 - p0) * w.mPanels
		for pc := 0; pc < w.k; pc += kcBlock {
			if pf != nil {
				// The next block: this group's next k block, else the first k block of
				// the group this thread most likely takes next.
				if pc+kcBlock < w.k {
					w.planPrefetch(pf, pc+kcBlock, p0, p1, calls)
				} else if gn := g + w.nt; gn < groups {
					q0, q1 := w.localSpan(gn)
					w.planPrefetch(pf, 0, q0, q1, calls)
				} else {
					pf.plan(nil, 0, 0, 0, 0, 0)
				}
			}
			w.multiply(tid, pc, min(kcBlock, w.k-pc), 0, w.m, 0, w.n, p0, p1, nil, pf)
		}
	}
}

// cAhead and cAheadMaxK: how many micro-kernel calls ahead C is prefetched, and for
// which k blocks. Measured on 1 and 2 threads at 192×160000×32, 192×67738×8 and
// 192×20000×64 (Transformer-XL's adaptive-softmax tails): distance 4 took them from
// 36, 7 and 53 GFLOP/s to 42, 18 and 58 on one thread (6, 8 and 12: within 2 % of 4);
// at k = 128 it changed nothing.
const (
	cAhead     = 4
	cAheadMaxK = 64
)

// prefetchCAhead prefetches the C tile cAhead calls after the one at (i, j): further
// down the same panel's columns, else at the top of the next panel.
func (w *gemmWork) prefetchCAhead(i, i0, i1, j, jEnd, mr, nr int) {
	ti, tj := i+cAhead*mr, j
	if ti >= i1 {
		ti, tj = i0+(ti-i1), j+nr
		if tj >= jEnd || ti >= i1 {
			return
		}
	}
	rows := min(mr, i1-ti)
	prefetchRows(&w.c[ti*w.ldc+tj], 4*w.ldc, rows, 4*min(nr, jEnd-tj))
}

// localTasks is the number of compute tasks of workLocal: groups of w.group B panels,
// then (with more than one thread) a tail of single panels, so the threads run out of
// work together: with 22 panels in groups of 2 on two threads, 11 equal groups left one
// thread a group to do alone at the end.
func (w *gemmWork) localTasks() int {
	panels := (w.n + w.kr.nr - 1) / w.kr.nr
	tail := w.localTail(panels)
	return (panels-tail+w.group-1)/w.group + tail
}

// localTail is the number of single-panel tasks at the end of workLocal's list.
func (w *gemmWork) localTail(panels int) int {
	if w.nt <= 1 || w.group <= 1 {
		return 0
	}
	return min(panels, 2*w.nt)
}

// localSpan returns the B panels [p0, p1) of workLocal's task g.
func (w *gemmWork) localSpan(g int) (p0, p1 int) {
	panels := (w.n + w.kr.nr - 1) / w.kr.nr
	head := panels - w.localTail(panels)
	if nHead := (head + w.group - 1) / w.group; g >= nHead {
		p0 = head + g - nHead
		return p0, p0 + 1
	}
	p0 = g * w.group
	return p0, min(p0+w.group, head)
}

// planPrefetch aims pf at the k block from row pc of op(B), panels [p0, p1).
func (w *gemmWork) planPrefetch(pf *bPrefetch, pc, p0, p1, calls int) {
	nr := w.kr.nr
	kb := min(kcBlock, w.k-pc)
	j0, j1 := p0*nr, min(p1*nr, w.n)
	if w.b.transB { // op(B)(l, j) = B[j·ldb + l]: rows j, kb values each
		pf.plan(w.b.b, j0*w.b.ldb+pc, w.b.ldb, kb, j1-j0, calls)
		return
	}
	pf.plan(w.b.b, pc*w.b.ldb+j0, w.b.ldb, j1-j0, kb, calls)
}

// WorkspaceBytes is the memory the pool holds for matrix products beyond their operands:
// the packing buffers, grown to the largest product seen so far, and the edge tiles.
func (p *Pool) WorkspaceBytes() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := &p.gemm
	n := int64(cap(w.aBuf) + cap(w.bBuf[0]) + cap(w.bBuf[1]))
	for _, b := range w.localBuf {
		n += int64(cap(b))
	}
	n += int64(len(w.edge) * edgeLen)
	return 4 * n
}
