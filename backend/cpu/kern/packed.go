package kern

import "fmt"

// PackedB is a B operand packed once into the panel layout of this CPU's micro-kernel,
// for weights that stay put across many products: GemmPacked then reads it in order
// instead of repacking it per call.
type PackedB struct {
	n, k int
	kern *gemmKernel
	// data holds, for each block of kcBlock rows of op(B) (kb rows in the last one),
	// ⌈n/nr⌉ panels of kb×nr values: block at pc·nPanels·nr, panel p at +p·kb·nr.
	data []float32
}

// N is the number of columns of op(B) (the output width).
func (pb *PackedB) N() int { return pb.n }

// K is the number of rows of op(B) (the reduction length).
func (pb *PackedB) K() int { return pb.k }

// PackB packs op(B) for GemmPacked: B is [k, n] with leading dimension ldb, or [n, k]
// when transB (an nn.Linear weight).
func PackB(n, k int, b []float32, ldb int, transB bool) *PackedB {
	return packBWith(activeKernel, n, k, b, ldb, transB)
}

func packBWith(kr *gemmKernel, n, k int, b []float32, ldb int, transB bool) *PackedB {
	if n < 0 || k < 0 {
		panic(fmt.Sprintf("kern: PackB shape n=%d k=%d is negative", n, k))
	}
	if transB {
		checkOperand("B", n, k, b, ldb)
	} else {
		checkOperand("B", k, n, b, ldb)
	}
	nr := kr.nr
	nPanels := (n + nr - 1) / nr
	pb := &PackedB{n: n, k: k, kern: kr, data: make([]float32, nPanels*nr*k)}
	op := bOperand{b: b, ldb: ldb, transB: transB}
	for pc := 0; pc < k; pc += kcBlock {
		kb := min(kcBlock, k-pc)
		packB(pb.data[pc*nPanels*nr:], op, pc, kb, 0, n, nr)
	}
	return pb
}

// panel returns the packed panel p of the block of rows starting at pc (kb rows).
func (pb *PackedB) panel(pc, kb, p int) []float32 {
	nr := pb.kern.nr
	nPanels := (pb.n + nr - 1) / nr
	o := pc*nPanels*nr + p*kb*nr
	return pb.data[o : o+kb*nr]
}

// GemmPacked is Gemm with op(B) packed by PackB: C[m, n] = Act(A·op(B) + Bias) +
// Residual, with k = pb.K(), n = pb.N().
func GemmPacked(p *Pool, m int, a []float32, lda int, pb *PackedB, c []float32, ldc int, ep *Epilogue) {
	if m == 0 || pb.n == 0 {
		return
	}
	checkGemmArgs(m, pb.n, pb.k, a, lda, c, ldc, ep)
	gemm(pb.kern, p, m, pb.n, pb.k, a, lda, bOperand{packed: pb}, c, ldc, ep)
}
