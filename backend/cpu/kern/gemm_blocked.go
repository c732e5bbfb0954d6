package kern

// The blocked SGEMM (the BLIS loop nest): op(B) is cut into slabs of columns and blocks
// of kcBlock rows, packed so a kc×nr panel sits in L1; A is packed mcBlock rows at a time
// so its block sits in L2; the micro-kernel then sweeps mr×nr tiles. Tasks for the pool
// are (row chunk, column slab) pairs, each packing what it reads, so no task waits on
// another; the epilogue runs on each tile right after its last k block.

const (
	kcBlock  = 256  // rows of op(B) per packed block: an nr=16 panel is 16 KiB
	mcBlock  = 192  // rows of A per packed block (rounded down to a multiple of mr)
	maxSlabN = 2048 // columns per task slab: a packed kc×slab block is 2 MiB, in L3
)

// directBMaxM is the largest m for which a [k, n] B is read in place rather than packed:
// with few rows each element of B is used a handful of times, so copying it costs more
// than the strided reads.
var directBMaxM = 8

// gemmPlan is how one product is cut into pool tasks.
type gemmPlan struct {
	slabCols  int // columns per slab, a multiple of nr
	nSlabs    int
	chunkRows int // rows per chunk, a multiple of mr
	nChunks   int
}

func planGemm(kr *gemmKernel, threads, m, n int) gemmPlan {
	mr, nr := kr.mr, kr.nr
	nPanels := (n + nr - 1) / nr
	mPanels := (m + mr - 1) / mr
	// Enough slabs to balance 4 per thread, none wider than maxSlabN.
	slabPanels := min(max((nPanels+4*threads-1)/(4*threads), 1), maxSlabN/nr)
	if threads == 1 {
		slabPanels = min(nPanels, maxSlabN/nr)
	}
	nSlabs := (nPanels + slabPanels - 1) / slabPanels
	chunkPanels := mPanels
	if threads > 1 && nSlabs < 2*threads {
		want := (2*threads + nSlabs - 1) / nSlabs
		chunkPanels = max((mPanels+want-1)/want, 1)
	}
	return gemmPlan{
		slabCols: slabPanels * nr, nSlabs: nSlabs,
		chunkRows: chunkPanels * mr, nChunks: (mPanels + chunkPanels - 1) / chunkPanels,
	}
}

// gemm runs C = Act(A·op(B) + Bias) + Residual with the micro-kernel kr; the
// arguments are already checked. A is packed once for the whole product (every slab
// task reads all of it), then the tasks run.
func gemm(kr *gemmKernel, p *Pool, m, n, k int, a []float32, lda int, b bOperand, c []float32, ldc int, ep *Epilogue) {
	if k == 0 {
		for i := range m {
			clear(c[i*ldc : i*ldc+n])
			applyEpilogue(c[i*ldc:i*ldc+n], i, 0, ep)
		}
		return
	}
	if b.transB && b.packed == nil && m <= smallMTransB {
		gemmSmallMTransB(p, m, n, k, a, lda, b.b, b.ldb, c, ldc, ep)
		return
	}
	mr := kr.mr
	mPanels := (m + mr - 1) / mr
	ap := getScratch(mPanels * mr * k)
	defer putScratch(ap)
	pa := packedA{data: *ap, mPanels: mPanels, mr: mr}
	const panelsPerPackTask = 8
	packGroups := (mPanels + panelsPerPackTask - 1) / panelsPerPackTask
	kBlocks := (k + kcBlock - 1) / kcBlock
	p.Run(kBlocks*packGroups, func(t int) {
		pc := (t / packGroups) * kcBlock
		kb := min(kcBlock, k-pc)
		ip := (t % packGroups) * panelsPerPackTask
		i0 := ip * mr
		rows := min(panelsPerPackTask*mr, m-i0)
		packA(pa.data[pa.offset(pc, kb, ip):], a, lda, i0, rows, pc, kb, mr)
	})

	pl := planGemm(kr, p.Threads(), m, n)
	p.Run(pl.nSlabs*pl.nChunks, func(t int) {
		i0 := (t % pl.nChunks) * pl.chunkRows
		j0 := (t / pl.nChunks) * pl.slabCols
		gemmBlock(kr, i0, min(i0+pl.chunkRows, m), j0, min(j0+pl.slabCols, n), k, pa, b, c, ldc, ep)
	})
}

// packedA is all of A in micro-kernel panels: for each block of kcBlock columns (kb in
// the last), mPanels panels of kb×mr values.
type packedA struct {
	data    []float32
	mPanels int
	mr      int
}

func (pa packedA) offset(pc, kb, ip int) int { return pc*pa.mPanels*pa.mr + ip*kb*pa.mr }

// panel returns row panel ip of the block of columns starting at pc (kb wide).
func (pa packedA) panel(pc, kb, ip int) []float32 {
	o := pa.offset(pc, kb, ip)
	return pa.data[o : o+kb*pa.mr]
}

// gemmBlock computes rows [i0, i1) × columns [j0, j1) of C; i0 is a multiple of mr.
func gemmBlock(kr *gemmKernel, i0, i1, j0, j1, k int, pa packedA, b bOperand, c []float32, ldc int, ep *Epilogue) {
	mr, nr := kr.mr, kr.nr
	mc := max(mcBlock/mr, 1) * mr
	cols := j1 - j0
	nPanels := (cols + nr - 1) / nr
	direct := b.packed == nil && !b.transB && i1-i0 <= directBMaxM
	var bufB *[]float32
	if b.packed == nil {
		n := nPanels * nr
		if direct {
			n = nr // only the ragged last panel is packed
		}
		bufB = getScratch(n * min(kcBlock, k))
		defer putScratch(bufB)
	}
	var edge [maxMR * maxNR]float32
	for pc := 0; pc < k; pc += kcBlock {
		kb := min(kcBlock, k-pc)
		last := pc+kb == k
		if b.packed == nil && !direct {
			packB(*bufB, b, pc, kb, j0, cols, nr)
		}
		for ic := i0; ic < i1; ic += mc {
			mb := min(mc, i1-ic)
			for jp := range nPanels {
				j := j0 + jp*nr
				nb := min(nr, j1-j)
				var bp []float32
				bStride := nr
				switch {
				case b.packed != nil:
					bp = b.packed.panel(pc, kb, j/nr)
				case !direct:
					bp = (*bufB)[jp*kb*nr : (jp+1)*kb*nr]
				case nb == nr:
					bp = b.b[pc*b.ldb+j:]
					bStride = b.ldb
				default:
					bp = (*bufB)[:kb*nr]
					if ic == i0 {
						packB(bp, b, pc, kb, j, nb, nr)
					}
				}
				for i := ic; i < ic+mb; i += mr {
					rows := min(mr, i1-i)
					ap := pa.panel(pc, kb, i/mr)
					if rows == mr && nb == nr {
						kr.micro(kb, ap, bp, bStride, c[i*ldc+j:], ldc, pc > 0)
					} else {
						kr.micro(kb, ap, bp, bStride, edge[:], nr, false)
						for r := range rows {
							dst := c[(i+r)*ldc+j : (i+r)*ldc+j+nb]
							src := edge[r*nr : r*nr+nb]
							if pc > 0 {
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
	}
}
