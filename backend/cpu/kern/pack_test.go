package kern

import (
	"math/rand/v2"
	"testing"
)

// TestPackPanelT holds the transposing pack this CPU uses to the definition
// panel[l·nr+q] = B[(j+q)·ldb + l0+l], zero for q ≥ w.
func TestPackPanelT(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 0))
	for _, nr := range []int{4, 12, 16, 24, 32} {
		for _, kc := range []int{1, 7, 8, 9, 16, 37} {
			for _, w := range []int{1, 7, 8, 9, nr - 1, nr} {
				if w > nr {
					continue
				}
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

// TestPackRows holds the row-order pack of a [k, n] B this CPU uses to its definition
// dst[p·kc·nr + l·nr + q] = B[(l0+l)·ldb + j0+p·nr+q], and checks it writes nothing else.
func TestPackRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 0))
	for _, nr := range []int{4, 12, 16, 24, 32} {
		for _, kc := range []int{1, 2, 5, 17} {
			for _, panels := range []int{1, 2, 3} {
				l0, j0 := 2, 3
				ldb := j0 + panels*nr + rng.IntN(5)
				b := matrix(rng, l0+kc, j0+panels*nr, ldb)
				dst := make([]float32, panels*kc*nr+5)
				for i := range dst {
					dst[i] = -7
				}
				packRows(dst, b, ldb, l0, kc, j0, panels, nr)
				for p := range panels {
					for l := range kc {
						for q := range nr {
							want := b[(l0+l)*ldb+j0+p*nr+q]
							if got := dst[p*kc*nr+l*nr+q]; got != want {
								t.Fatalf("nr=%d kc=%d panels=%d: dst[%d·%d·%d+%d·%d+%d] = %g, want %g", nr, kc, panels, p, kc, nr, l, nr, q, got, want)
							}
						}
					}
				}
				for i := panels * kc * nr; i < len(dst); i++ {
					if dst[i] != -7 {
						t.Fatalf("nr=%d kc=%d panels=%d: wrote dst[%d] past the panels", nr, kc, panels, i)
					}
				}
			}
		}
	}
}

// TestPackA holds the A pack (full panels four rows at a time through packA4 or packA4s,
// a ragged last panel the generic way) to its definition dst[p·kc·mr + l·mr + r] =
// A[(i0+p·mr+r)·lda + l0+l], zero past the last row, and checks it writes nothing else.
//
// It runs with the four-row transposes this CPU uses and with the generic ones.
func TestPackA(t *testing.T) {
	asm4, asm4s := packA4, packA4s
	defer func() { packA4, packA4s = asm4, asm4s }()
	for _, generic := range []bool{false, true} {
		if generic {
			packA4, packA4s = packA4Generic, packA4sGeneric
		}
		testPackA(t)
	}
}

func testPackA(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 0))
	for _, mr := range []int{4, 6, 8, 12, 14} {
		for _, kc := range []int{1, 7, 8, 9, 16, 31, 256} {
			for _, rows := range []int{1, 3, 4, 5, 8, 12, 13, 24, 29} {
				i0, l0 := 2, 3
				lda := l0 + kc + rng.IntN(5)
				a := matrix(rng, i0+rows, lda, lda)
				panels := (rows + mr - 1) / mr
				dst := make([]float32, panels*kc*mr+5)
				for i := range dst {
					dst[i] = -7
				}
				packA(dst, a, lda, i0, rows, l0, kc, mr)
				for p := range panels {
					for l := range kc {
						for r := range mr {
							want := float32(0)
							if i := p*mr + r; i < rows {
								want = a[(i0+i)*lda+l0+l]
							}
							if got := dst[p*kc*mr+l*mr+r]; got != want {
								t.Fatalf("mr=%d kc=%d rows=%d: dst[%d·%d·%d+%d·%d+%d] = %g, want %g", mr, kc, rows, p, kc, mr, l, mr, r, got, want)
							}
						}
					}
				}
				for i := panels * kc * mr; i < len(dst); i++ {
					if dst[i] != -7 {
						t.Fatalf("mr=%d kc=%d rows=%d: wrote dst[%d] past the panels", mr, kc, rows, i)
					}
				}
			}
		}
	}
}
