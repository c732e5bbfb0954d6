package kern

import (
	"math"
	"math/rand/v2"
	"testing"
)

// vecPaths runs f on the assembly helpers where this CPU has them, then on the generic
// ones.
func vecPaths(t *testing.T, f func(t *testing.T)) {
	detected := asmVec
	defer func() { asmVec = detected }()
	for _, asm := range []bool{true, false} {
		if asm && !detected {
			continue
		}
		asmVec = asm
		t.Run(map[bool]string{true: "asm", false: "generic"}[asm], f)
	}
}

func randSlice(rng *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * scale)
	}
	return x
}

// vecLens covers empty, below one vector, the 8- and 32-lane loops and their tails.
var vecLens = []int{0, 1, 3, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, 100, 257}

const eps32 = 1.0 / (1 << 23)

func TestDotScale(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 0))
	vecPaths(t, func(t *testing.T) {
		for _, n := range vecLens {
			x, y := randSlice(rng, n, 1), randSlice(rng, n+2, 1)
			var ref, abs float64
			for i := range n {
				ref += float64(x[i]) * float64(y[i])
				abs += math.Abs(float64(x[i]) * float64(y[i]))
			}
			if got := dot(x, y[:n]); math.Abs(float64(got)-ref) > eps32*float64(n+2)*abs {
				t.Errorf("Dot n=%d = %g, want %g", n, got, ref)
			}

			if n >= 1 {
				ldb := n + 3
				b := randSlice(rng, 3*ldb+n, 1)
				out := dot4(x, b, ldb)
				for q := range 4 {
					var ref, abs float64
					for i := range n {
						ref += float64(x[i]) * float64(b[q*ldb+i])
						abs += math.Abs(float64(x[i]) * float64(b[q*ldb+i]))
					}
					if math.Abs(float64(out[q])-ref) > eps32*float64(n+2)*abs {
						t.Errorf("dot4 n=%d: [%d] = %g, want %g", n, q, out[q], ref)
					}
				}
			}

			const alpha = 0.37
			x0 := append([]float32(nil), x...)
			scale(alpha, x)
			for i := range n {
				if want := x0[i] * alpha; x[i] != want {
					t.Fatalf("Scale n=%d: x[%d] = %g, want %g", n, i, x[i], want)
				}
			}
		}
	})
}

func TestEpilogueRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 0))
	vecPaths(t, func(t *testing.T) {
		for _, n := range []int{1, 7, 8, 16, 23, 40} {
			for mode := range 12 {
				ep := &Epilogue{Act: Act(mode % 3), LDR: n + 5}
				if mode/3%2 == 1 {
					ep.Bias = randSlice(rng, n+4, 1)
				}
				if mode/6 == 1 {
					ep.Residual = randSlice(rng, 2*ep.LDR, 1)
				}
				c := randSlice(rng, n, 4)
				c[0] = -11 // deep in GELU's flat tail
				if n > 8 {
					c[8] = 30
				}
				in := append([]float32(nil), c...)
				const i, j0 = 1, 3
				if ep.Bias == nil {
					epilogueRow(c, i, 0, ep)
				} else {
					epilogueRow(c, i, j0, ep)
				}
				for q, x := range in {
					pre, tol := float64(x), 0.0
					jb := q
					if ep.Bias != nil {
						jb = j0 + q
						pre += float64(ep.Bias[jb])
						tol += math.Abs(float64(x)) + math.Abs(float64(ep.Bias[jb]))
					} else {
						tol += math.Abs(pre)
					}
					want := refAct(ep.Act, pre)
					if ep.Residual != nil {
						r := float64(ep.Residual[i*ep.LDR+jb])
						want += r
						tol += math.Abs(r)
					}
					if math.Abs(float64(c[q])-want) > 4*eps32*tol+1e-36 {
						t.Fatalf("epilogue n=%d act=%d bias=%v res=%v: [%d] of %g = %g, want %g",
							n, ep.Act, ep.Bias != nil, ep.Residual != nil, q, x, c[q], want)
					}
				}
			}
		}
	})
}

// Axpy adds alpha·x into y with one rounding per element (FMA or multiply-add), and
// leaves the rest of a longer y alone.
func TestAxpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 0))
	vecPaths(t, func(t *testing.T) {
		for _, n := range vecLens {
			x, y := randSlice(rng, n, 1), randSlice(rng, n+3, 1)
			y0 := append([]float32(nil), y...)
			const alpha = -1.7
			Axpy(alpha, x, y)
			for i := range n {
				want := float64(y0[i]) + alpha*float64(x[i])
				if d := math.Abs(float64(y[i]) - want); d > 2*eps32*(math.Abs(float64(y0[i]))+math.Abs(alpha*float64(x[i]))) {
					t.Fatalf("Axpy n=%d: y[%d] = %g, want %g", n, i, y[i], want)
				}
			}
			for i := n; i < n+3; i++ {
				if y[i] != y0[i] {
					t.Fatalf("Axpy n=%d wrote y[%d] past x", n, i)
				}
			}
		}
	})
}
