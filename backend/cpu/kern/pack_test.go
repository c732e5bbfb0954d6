package kern

import (
	"math/rand/v2"
	"testing"
)

// TestPackPanelT holds the transposing pack this CPU uses to the definition
// panel[l·nr+q] = B[(j+q)·ldb + l0+l], zero for q ≥ w.
func TestPackPanelT(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 0))
	for _, nr := range []int{4, 16} {
		for _, kc := range []int{1, 7, 8, 9, 16, 37} {
			for _, w := range []int{1, nr - 1, nr} {
				ldb := kc + 3 + rng.IntN(4)
				j, l0 := 2, 1
				b := matrix(rng, j+w, l0+kc, ldb)
				panel := make([]float32, kc*nr)
				for i := range panel {
					panel[i] = -1
				}
				packPanelT(panel, b, ldb, j, w, l0, kc, nr)
				for l := range kc {
					for q := range nr {
						want := float32(0)
						if q < w {
							want = b[(j+q)*ldb+l0+l]
						}
						if got := panel[l*nr+q]; got != want {
							t.Fatalf("nr=%d kc=%d w=%d: panel[%d·%d+%d] = %g, want %g", nr, kc, w, l, nr, q, got, want)
						}
					}
				}
			}
		}
	}
}
