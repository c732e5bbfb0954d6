package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ltsbench/ltsbench/backend/cpu/kern"
)

// cublasRef evaluates a cublasGemm the way cuBLAS defines it, column-major, in float64:
//
//	C[i + j·ldc] = Σ_l opA(i, l)·opB(l, j) + beta·C[i + j·ldc]
//	opA(i, l) = TransA ? A[l + i·lda] : A[i + l·lda]; opB(l, j) = TransB ? B[j + l·ldb] : B[l + j·ldb]
func cublasRef(g cublasGemm, a, b []float32, beta float32, c []float32) {
	for j := range g.N {
		for i := range g.M {
			var s float64
			for l := range g.K {
				var x, y float32
				if g.TransA {
					x = a[l+i*g.LDA]
				} else {
					x = a[i+l*g.LDA]
				}
				if g.TransB {
					y = b[j+l*g.LDB]
				} else {
					y = b[l+j*g.LDB]
				}
				s += float64(x) * float64(y)
			}
			c[i+j*g.LDC] = float32(s) + beta*c[i+j*g.LDC]
		}
	}
}

// rowMajorRef is model.MatMul's product without epilogue, in float64.
func rowMajorRef(M, N, K int, a []float32, lda int, w []float32, ldw int, transW bool, c []float32, ldc int) {
	for m := range M {
		for n := range N {
			var s float64
			for k := range K {
				var x float32
				if transW {
					x = w[n*ldw+k]
				} else {
					x = w[k*ldw+n]
				}
				s += float64(a[m*lda+k]) * float64(x)
			}
			c[m*ldc+n] = float32(s)
		}
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// The cuBLAS call rowMajorGemm describes computes model.MatMul's product for every
// TransW and output row stride (a band of a wider tensor), and touches nothing outside
// the band.
func TestRowMajorGemmMapping(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pool := kern.NewPool(1)
	defer pool.Close()
	for _, transW := range []bool{false, true} {
		for _, sh := range []struct{ M, N, K, padA, padW, padC int }{
			{5, 7, 3, 0, 0, 0}, {1, 9, 4, 0, 0, 0}, {6, 1, 8, 0, 0, 0},
			{4, 5, 6, 2, 0, 3}, {3, 4, 5, 0, 3, 11}, {8, 6, 2, 1, 1, 1},
		} {
			name := fmt.Sprintf("transW=%v M%d N%d K%d lda+%d ldw+%d ldc+%d", transW, sh.M, sh.N, sh.K, sh.padA, sh.padW, sh.padC)
			lda := sh.K + sh.padA
			wRows, ldw := sh.K, sh.N+sh.padW
			if transW {
				wRows, ldw = sh.N, sh.K+sh.padW
			}
			ldc := sh.N + sh.padC
			a := randSlice(r, sh.M*lda)
			w := randSlice(r, wRows*ldw)
			const guard = float32(-999)
			fill := func() []float32 {
				c := make([]float32, sh.M*ldc)
				for i := range c {
					c[i] = guard
				}
				return c
			}
			want, viaKern, viaCublas := fill(), fill(), fill()
			rowMajorRef(sh.M, sh.N, sh.K, a, lda, w, ldw, transW, want, ldc)
			kern.Gemm(pool, sh.M, sh.N, sh.K, a, lda, w, ldw, transW, viaKern, ldc, nil)

			g := rowMajorGemm(sh.M, sh.N, sh.K, lda, transW, ldw, ldc)
			if g.LDA < max(1, map[bool]int{false: g.M, true: g.K}[g.TransA]) || g.LDB < max(1, g.K) || g.LDC < max(1, g.M) {
				t.Errorf("%s: leading dimensions %d %d %d invalid for cuBLAS (m %d n %d k %d)", name, g.LDA, g.LDB, g.LDC, g.M, g.N, g.K)
			}
			cublasRef(g, w, a, 0, viaCublas) // cuBLAS's A is W, its B is A
			for i := range want {
				if math.Abs(float64(viaCublas[i]-want[i])) > 1e-5 {
					t.Fatalf("%s: element %d (row %d col %d): cuBLAS mapping %v, row-major %v", name, i, i/ldc, i%ldc, viaCublas[i], want[i])
				}
				if math.Abs(float64(viaKern[i]-want[i])) > 1e-4 {
					t.Fatalf("%s: element %d: kern.Gemm %v, row-major %v", name, i, viaKern[i], want[i])
				}
				if i%ldc >= sh.N && viaCublas[i] != guard {
					t.Fatalf("%s: element %d outside the band was written", name, i)
				}
			}
		}
	}
}

// With beta 1 the GEMM accumulates into the output: how a residual that is the output
// itself is added.
func TestRowMajorGemmAccumulates(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const M, N, K = 4, 6, 5
	a, w := randSlice(r, M*K), randSlice(r, N*K)
	res := randSlice(r, M*N)
	want := make([]float32, M*N)
	rowMajorRef(M, N, K, a, K, w, K, true, want, N)
	got := append([]float32(nil), res...)
	cublasRef(rowMajorGemm(M, N, K, K, true, K, N), w, a, 1, got)
	for i := range want {
		if d := math.Abs(float64(got[i] - (want[i] + res[i]))); d > 1e-5 {
			t.Fatalf("element %d: %v, want %v", i, got[i], want[i]+res[i])
		}
	}
}
