package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refGemm is the float64 reference of Gemm; it returns C and, per element, the bound
// Σ|A||B| + |bias| that the float32 rounding error scales with.
func refGemm(m, n, k int, a []float32, lda int, b []float32, ldb int, transB bool, ep *Epilogue) (ref, scale []float64) {
	ref = make([]float64, m*n)
	scale = make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s, abs float64
			for l := range k {
				var bv float32
				if transB {
					bv = b[j*ldb+l]
				} else {
					bv = b[l*ldb+j]
				}
				s += float64(a[i*lda+l]) * float64(bv)
				abs += math.Abs(float64(a[i*lda+l]) * float64(bv))
			}
			if ep != nil {
				if ep.Bias != nil {
					s += float64(ep.Bias[j])
					abs += math.Abs(float64(ep.Bias[j]))
				}
				s = refAct(ep.Act, s)
				if ep.Residual != nil {
					r := float64(ep.Residual[i*ep.LDR+j])
					s += r
					abs += math.Abs(r)
				}
			}
			ref[i*n+j], scale[i*n+j] = s, abs
		}
	}
	return ref, scale
}

// refAct is the float64 reference of an activation (GELU: gelu_new).
func refAct(act Act, x float64) float64 {
	switch act {
	case ActGELU:
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	case ActReLU:
		return math.Max(x, 0)
	}
	return x
}

// gemmCase is one product with its operands laid out in padded buffers.
type gemmCase struct {
	m, n, k, lda, ldb, ldc int
	transB                 bool
	act                    Act
	bias, residual         bool
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("m=%d n=%d k=%d lda=%d ldb=%d ldc=%d transB=%v act=%d bias=%v res=%v",
		tc.m, tc.n, tc.k, tc.lda, tc.ldb, tc.ldc, tc.transB, tc.act, tc.bias, tc.residual)
}

// matrix returns a rows×cols matrix with leading dimension ld, NaN in the gaps past
// each row so a kernel that reads them poisons its result.
func matrix(rng *rand.Rand, rows, cols, ld int) []float32 {
	x := make([]float32, max((rows-1)*ld+cols, 0))
	for i := range x {
		if i%ld < cols {
			x[i] = float32(rng.NormFloat64())
		} else {
			x[i] = float32(math.NaN())
		}
	}
	return x
}

const guard = 37 // NaN values either side of C that no kernel may write

// runGemmCase checks one case through run, which must compute into c (length
// (m-1)·ldc+n, surrounded by NaN guard bands).
func runGemmCase(t *testing.T, rng *rand.Rand, tc gemmCase, run func(a, b, c []float32, ep *Epilogue)) {
	t.Helper()
	a := matrix(rng, tc.m, tc.k, tc.lda)
	var b []float32
	if tc.transB {
		b = matrix(rng, tc.n, tc.k, tc.ldb)
	} else {
		b = matrix(rng, tc.k, tc.n, tc.ldb)
	}
	ep := &Epilogue{Act: tc.act}
	if tc.bias {
		ep.Bias = matrix(rng, 1, tc.n, tc.n)
	}
	if tc.residual {
		ep.LDR = tc.n + 3
		ep.Residual = matrix(rng, tc.m, tc.n, ep.LDR)
	}
	if !tc.bias && !tc.residual && tc.act == ActNone {
		ep = nil
	}
	clen := (tc.m-1)*tc.ldc + tc.n
	buf := make([]float32, clen+2*guard)
	for i := range buf {
		buf[i] = float32(math.NaN()) // C is overwritten, never read
	}
	c := buf[guard : guard+clen : guard+clen]
	run(a, b, c, ep)
	ref, scale := refGemm(tc.m, tc.n, tc.k, a, tc.lda, b, tc.ldb, tc.transB, ep)
	const eps = 1.0 / (1 << 23)
	bad := 0
	for i := range tc.m {
		for j := range tc.n {
			got, want := float64(c[i*tc.ldc+j]), ref[i*tc.n+j]
			tol := 1.2*eps*float64(2*tc.k+8)*scale[i*tc.n+j] + 2e-6*math.Abs(want) + 1e-30
			if !(math.Abs(got-want) <= tol) {
				if bad < 5 {
					t.Errorf("%v: C[%d,%d] = %g, want %g (tol %.2g)", tc, i, j, got, want, tol)
				}
				bad++
			}
		}
	}
	for o, v := range buf {
		inC := o >= guard && o < guard+clen && (o-guard)%tc.ldc < tc.n
		if !inC && !math.IsNaN(float64(v)) {
			t.Fatalf("%v: wrote %g at offset %d outside C (guard %d, ldc %d)", tc, v, o-guard, guard, tc.ldc)
		}
	}
	if bad > 0 {
		t.Fatalf("%v: %d of %d elements wrong", tc, bad, tc.m*tc.n)
	}
}

// randomCases mixes the edges (1, odd, one past a tile or block, k=1, wide n with one
// row) with random shapes, all transB/epilogue combinations, and padded strides.
func randomCases(rng *rand.Rand, count int) []gemmCase {
	ms := []int{1, 2, 3, 5, 6, 7, 8, 9, 13, 17, 25}
	ns := []int{1, 2, 3, 4, 7, 15, 16, 17, 31, 33, 48, 65}
	ks := []int{1, 2, 3, 8, 17, 64, 255, 256, 257, 300}
	if testing.Short() {
		ks = []int{1, 2, 3, 8, 17, 64, 257}
	}
	var cases []gemmCase
	for i := range count {
		tc := gemmCase{
			m: ms[rng.IntN(len(ms))], n: ns[rng.IntN(len(ns))], k: ks[rng.IntN(len(ks))],
			transB: i%2 == 0, act: Act(i / 2 % 3), bias: i/6%2 == 0, residual: i/12%2 == 0,
		}
		tc.lda, tc.ldb, tc.ldc = tc.k, tc.n, tc.n
		if tc.transB {
			tc.ldb = tc.k
		}
		if rng.IntN(2) == 0 {
			tc.lda += 1 + rng.IntN(5)
			tc.ldb += 1 + rng.IntN(5)
			tc.ldc += 1 + rng.IntN(5)
		}
		cases = append(cases, tc)
	}
	// Past the blocks: more rows than mcBlock, deeper than kcBlock, and wide with few rows.
	big := []gemmCase{
		{m: 1, n: 2100, k: 3},
		{m: 3, n: 2100, k: 2, transB: true},
		{m: 200, n: 20, k: 5, act: ActGELU, bias: true},
		{m: 197, n: 19, k: 270, transB: true, residual: true},
		{m: 7, n: 40, k: 600, act: ActReLU, bias: true},
		{m: 13, n: 35, k: 513, transB: true, act: ActGELU, residual: true},
	}
	for _, tc := range big {
		tc.lda, tc.ldb, tc.ldc = tc.k+1, tc.n+2, tc.n+3
		if tc.transB {
			tc.ldb = tc.k + 2
		}
		cases = append(cases, tc)
	}
	return cases
}

// testKernels is every micro-kernel this CPU runs: the generic one and, where the CPU
// has the features, the assembly ones, so both paths are held to the reference.
func testKernels() []*gemmKernel {
	return append([]*gemmKernel{&genericKernel}, asmKernels()...)
}

func TestGemmKernels(t *testing.T) {
	// One-row products against a [k, n] B go to the rows path (TestGemmRows): here they
	// go through the micro-kernels too.
	saved := rowsPath
	rowsPath = false
	defer func() { rowsPath = saved }()
	for _, kr := range testKernels() {
		for _, threads := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/threads=%d", kr.name, threads), func(t *testing.T) {
				p := NewPool(threads)
				defer p.Close()
				rng := rand.New(rand.NewPCG(1, uint64(threads)))
				for _, tc := range randomCases(rng, 120) {
					runGemmCase(t, rng, tc, func(a, b, c []float32, ep *Epilogue) {
						gemm(kr, p, tc.m, tc.n, tc.k, a, tc.lda, bOperand{b: b, ldb: tc.ldb, transB: tc.transB}, c, tc.ldc, ep)
					})
				}
			})
		}
	}
}

// TestGemmPublic runs the exported entry point (the kernel this CPU picks) on k=0 too,
// where C is the epilogue of a zero product.
func TestGemmPublic(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	rng := rand.New(rand.NewPCG(3, 0))
	cases := append(randomCases(rng, 24), gemmCase{m: 3, n: 5, k: 0, lda: 1, ldb: 5, ldc: 6, act: ActGELU, bias: true, residual: true})
	for _, tc := range cases {
		runGemmCase(t, rng, tc, func(a, b, c []float32, ep *Epilogue) {
			Gemm(p, tc.m, tc.n, tc.k, a, tc.lda, b, tc.ldb, tc.transB, c, tc.ldc, ep)
		})
	}
}

func TestGemmPanicsOnShortOperand(t *testing.T) {
	p := NewPool(1)
	for _, tc := range []struct {
		name string
		run  func()
	}{
		{"A", func() {
			Gemm(p, 2, 2, 2, make([]float32, 3), 2, make([]float32, 4), 2, false, make([]float32, 4), 2, nil)
		}},
		{"B", func() {
			Gemm(p, 2, 2, 2, make([]float32, 4), 2, make([]float32, 3), 2, true, make([]float32, 4), 2, nil)
		}},
		{"C", func() {
			Gemm(p, 2, 2, 2, make([]float32, 4), 2, make([]float32, 4), 2, false, make([]float32, 4), 3, nil)
		}},
		{"bias", func() {
			Gemm(p, 2, 2, 2, make([]float32, 4), 2, make([]float32, 4), 2, false, make([]float32, 4), 2, &Epilogue{Bias: []float32{1}})
		}},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("short %s: no panic", tc.name)
				}
			}()
			tc.run()
		}()
	}
}

// TestGemmSharedBlocks covers more than one row chunk, where the threads share each
// packed block of B (double-buffered), over two column blocks and two k blocks.
func TestGemmSharedBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("large products")
	}
	for _, kr := range testKernels() {
		for _, threads := range []int{1, 3} {
			p := NewPool(threads)
			rng := rand.New(rand.NewPCG(12, uint64(threads)))
			for _, tc := range []gemmCase{
				{m: 197, n: 1580, k: 260, act: ActGELU, bias: true, residual: true},
				{m: 195, n: 1550, k: 270, transB: true},
			} {
				tc.lda, tc.ldb, tc.ldc = tc.k+1, tc.n+2, tc.n+3
				if tc.transB {
					tc.ldb = tc.k + 2
				}
				runGemmCase(t, rng, tc, func(a, b, c []float32, ep *Epilogue) {
					gemm(kr, p, tc.m, tc.n, tc.k, a, tc.lda, bOperand{b: b, ldb: tc.ldb, transB: tc.transB}, c, tc.ldc, ep)
					if g := &p.gemm; g.local || g.nJ < 2 || g.nK < 2 {
						t.Errorf("%s %v: local=%v with %d×%d blocks, want shared 2×2", kr.name, tc, g.local, g.nJ, g.nK)
					}
				})
			}
			p.Close()
		}
	}
}

// TestGemmLocalWide covers one row chunk over more than one column block and k block
// (each task walks every k block of its panels).
func TestGemmLocalWide(t *testing.T) {
	if testing.Short() {
		t.Skip("large products")
	}
	for _, kr := range testKernels() {
		p := NewPool(2)
		rng := rand.New(rand.NewPCG(13, 0))
		for _, tc := range []gemmCase{
			{m: 21, n: 1700, k: 300, act: ActGELU, bias: true, residual: true},
			{m: 9, n: 1650, k: 260, transB: true},
		} {
			tc.lda, tc.ldb, tc.ldc = tc.k+1, tc.n+2, tc.n+3
			if tc.transB {
				tc.ldb = tc.k + 2
			}
			runGemmCase(t, rng, tc, func(a, b, c []float32, ep *Epilogue) {
				gemm(kr, p, tc.m, tc.n, tc.k, a, tc.lda, bOperand{b: b, ldb: tc.ldb, transB: tc.transB}, c, tc.ldc, ep)
				if g := &p.gemm; !g.local || g.nJ < 2 || g.nK < 2 {
					t.Errorf("%s %v: local=%v with %d×%d blocks, want local 2×2", kr.name, tc, g.local, g.nJ, g.nK)
				}
				if g := &p.gemm; g.localTail((tc.n+kr.nr-1)/kr.nr) == 0 {
					t.Errorf("%s %v: no single-panel tail on %d threads", kr.name, tc, g.nt)
				}
			})
		}
		p.Close()
	}
}

// TestLocalSpans: workLocal's tasks cover the B panels once, in order, in groups of at
// most w.group, the last 2·threads of them single panels when more than one thread
// shares groups of several panels.
func TestLocalSpans(t *testing.T) {
	for _, c := range []struct{ panels, group, nt, wantTail int }{
		{22, 2, 2, 4}, {96, 4, 2, 4}, {3, 4, 2, 3}, {10, 4, 1, 0}, {10, 1, 2, 0}, {1, 1, 2, 0}, {50, 3, 3, 6},
	} {
		w := &gemmWork{kr: &avx2KernelShape, n: c.panels * avx2KernelShape.nr, group: c.group, nt: c.nt}
		if got := w.localTail(c.panels); got != c.wantTail {
			t.Errorf("%+v: tail %d, want %d", c, got, c.wantTail)
		}
		next, singles := 0, 0
		for g := range w.localTasks() {
			p0, p1 := w.localSpan(g)
			if p0 != next || p1 <= p0 || p1-p0 > c.group {
				t.Fatalf("%+v: task %d spans [%d, %d) after %d", c, g, p0, p1, next)
			}
			if g >= w.localTasks()-c.wantTail && p1-p0 != 1 {
				t.Errorf("%+v: tail task %d spans %d panels", c, g, p1-p0)
			}
			if p1-p0 == 1 {
				singles++
			}
			next = p1
		}
		if next != c.panels || singles < c.wantTail {
			t.Errorf("%+v: tasks cover %d panels with %d single ones", c, next, singles)
		}
	}
}

// avx2KernelShape is a kernel descriptor with the AVX2 tile, for tests of the driver's
// arithmetic (its micro-kernel is never called).
var avx2KernelShape = gemmKernel{name: "shape 4×24", mr: 4, nr: 24}
