package kern

import (
	"fmt"
	"testing"
)

// TestNoAllocInSteadyState: after a warm-up call has grown the pool's workspace, Gemm
// and Pool.Run allocate nothing, on one thread and on two, on each path (blocked with B
// packed per block, B read in place, dot products).
func TestNoAllocInSteadyState(t *testing.T) {
	shapes := []struct {
		m, n, k int
		transB  bool
	}{
		{8, 8, 8, false},      // serial: too small to share
		{40, 100, 300, false}, // two k blocks, ragged tiles
		{40, 100, 300, true},
		{3, 70, 40, false}, // B read in place
		{3, 70, 40, true},  // dot products
		{64, 3000, 20, true},
	}
	for _, threads := range []int{1, 2} {
		p := NewPool(threads)
		for _, s := range shapes {
			a := make([]float32, s.m*s.k)
			b := make([]float32, s.n*s.k)
			c := make([]float32, s.m*s.n)
			ldb := s.n
			if s.transB {
				ldb = s.k
			}
			ep := &Epilogue{Bias: make([]float32, s.n), Act: ActGELU, Residual: make([]float32, s.m*s.n), LDR: s.n}
			run := func() {
				Gemm(p, s.m, s.n, s.k, a, s.k, b, ldb, s.transB, c, s.n, ep)
			}
			run() // grows the workspace
			name := fmt.Sprintf("threads=%d m=%d n=%d k=%d transB=%v", threads, s.m, s.n, s.k, s.transB)
			if got := testing.AllocsPerRun(20, run); got != 0 {
				t.Errorf("%s: %.1f allocations per Gemm", name, got)
			}
		}
		hits := make([]int32, 16)
		fn := func(i int) { hits[i]++ }
		if got := testing.AllocsPerRun(20, func() { p.Run(len(hits), fn) }); got != 0 {
			t.Errorf("threads=%d: %.1f allocations per Pool.Run", threads, got)
		}
		p.Close()
	}
}
