package kern

import (
	"sync/atomic"
	"testing"
)

func TestPoolRunsEachIndexOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 5} {
		p := NewPool(threads)
		for _, n := range []int{0, 1, 2, 7, 100} {
			hits := make([]atomic.Int32, n)
			p.Run(n, func(i int) { hits[i].Add(1) })
			for i := range hits {
				if h := hits[i].Load(); h != 1 {
					t.Errorf("threads=%d n=%d: index %d ran %d times", threads, n, i, h)
				}
			}
		}
		p.Close()
		if p.Threads() != threads {
			t.Errorf("Threads() = %d, want %d", p.Threads(), threads)
		}
	}
}
