package kern

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestGemmRows holds the rows path (one row of A against a [k, n] B) to the float64
// reference on the shapes its loops split at: columns around the 32-wide vector block
// and the task widths, rows around the quads of four, padded strides, every epilogue,
// with the vector loop and the plain one, and checks the products took that path.
func TestGemmRows(t *testing.T) {
	if !rowsPath {
		t.Skip("this build keeps one-row products on the blocked path")
	}
	detected := asmVec
	defer func() { asmVec = detected }()
	ns := []int{1, 7, 31, 32, 33, 64, 100, 768, 2100, 4097}
	ks := []int{1, 3, 4, 5, 8, 63, 256, 769}
	for _, asm := range []bool{false, true} {
		if asm && !detected {
			continue
		}
		asmVec = asm
		for _, threads := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("asm=%v/threads=%d", asm, threads), func(t *testing.T) {
				p := NewPool(threads)
				defer p.Close()
				rng := rand.New(rand.NewPCG(5, uint64(threads)))
				i := 0
				for _, n := range ns {
					for _, k := range ks {
						tc := gemmCase{m: 1, n: n, k: k, lda: k, ldb: n + i%3*5, ldc: n + i%2,
							act: Act(i % 3), bias: i%2 == 0, residual: i%4 == 1}
						i++
						runGemmCase(t, rng, tc, func(a, b, c []float32, ep *Epilogue) {
							Gemm(p, 1, n, k, a, tc.lda, b, tc.ldb, false, c, tc.ldc, ep)
						})
						if p.gemm.mode != modeRows {
							t.Fatalf("%v: took mode %d, not the rows path", tc, p.gemm.mode)
						}
					}
				}
			})
		}
	}
}

// TestRowsPlan: the tasks' row ranges cover k in order, without gaps, each a multiple
// of four rows but the last, one task per thread while each gets rowsMinK rows.
func TestRowsPlan(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8, 64} {
		for _, k := range []int{1, 5, 63, 64, 127, 128, 768, 3072} {
			w := &gemmWork{n: 10, k: k}
			w.planRows(threads)
			if want := max(min(threads, k/rowsMinK), 1); w.nt != want {
				t.Errorf("threads %d, k %d: %d tasks, want %d", threads, k, w.nt, want)
			}
			next := 0
			for task := range w.nt {
				l0, l1 := w.rowsRange(task)
				if l0 != next || l1 < l0 || (task < w.nt-1 && (l1-l0)%4 != 0) {
					t.Errorf("threads %d, k %d: task %d has rows [%d, %d) after %d", threads, k, task, l0, l1, next)
				}
				next = l1
			}
			if next != k {
				t.Errorf("threads %d, k %d: the tasks end at row %d", threads, k, next)
			}
		}
	}
}
