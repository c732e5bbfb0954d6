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

func TestDotAxpyScale(t *testing.T) {
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
			y0 := append([]float32(nil), y...)
			axpy(alpha, x, y[:n])
			for i := range n {
				want := float64(y0[i]) + alpha32(alpha)*float64(x[i])
				tol := eps32 * (math.Abs(float64(y0[i])) + math.Abs(alpha32(alpha)*float64(x[i])))
				if math.Abs(float64(y[i])-want) > tol {
					t.Fatalf("Axpy n=%d: y[%d] = %g, want %g", n, i, y[i], want)
				}
			}
			if y[n] != y0[n] || y[n+1] != y0[n+1] {
				t.Fatalf("Axpy n=%d wrote past y[:n]", n)
			}

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

func alpha32(a float32) float64 { return float64(a) }

func TestMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 0))
	nan := float32(math.NaN())
	vecPaths(t, func(t *testing.T) {
		for _, n := range vecLens[1:] {
			x := randSlice(rng, n, 3)
			want := float32(math.Inf(-1))
			for _, e := range x {
				want = max(want, e)
			}
			if got := maxOf(x); got != want {
				t.Errorf("max n=%d = %g, want %g", n, got, want)
			}
			for _, at := range []int{0, n / 2, n - 1} {
				y := append([]float32(nil), x...)
				y[at] = nan
				if got := maxOf(y); !math.IsNaN(float64(got)) {
					t.Errorf("max n=%d with NaN at %d = %g, want NaN", n, at, got)
				}
			}
		}
	})
}

// ulpDiff is |got - want| in units of the last place of want as a float32.
func ulpDiff(got float32, want float64) float64 {
	w := float32(want)
	ulp := float64(math.Nextafter32(float32(math.Abs(float64(w))), float32(math.Inf(1))) - float32(math.Abs(float64(w))))
	return math.Abs(float64(got)-want) / ulp
}

func TestExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 0))
	vecPaths(t, func(t *testing.T) {
		x := make([]float32, 0, 5000)
		for range 4000 {
			x = append(x, float32(rng.Float64()*175-87.3))
		}
		for range 990 {
			x = append(x, float32(rng.NormFloat64()))
		}
		x = append(x, 0, -0.0, 1, -1, 88.3, -87.3, float32(math.Ln2), -float32(math.Ln2)/2)
		in := append([]float32(nil), x...)
		expShiftSum(x, 0)
		worst := 0.0
		for i, e := range in {
			want := math.Exp(float64(e))
			d := ulpDiff(x[i], want)
			if d > worst {
				worst = d
			}
			if d > 2 {
				t.Errorf("exp(%g) = %g, want %g (%.1f ulp)", e, x[i], want, d)
			}
		}
		t.Logf("worst exp error %.2f ulp", worst)

		specials := []float32{float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1)), -200, 200, -87.5, 89}
		got := append([]float32(nil), specials...)
		expShiftSum(got, 0)
		if !math.IsNaN(float64(got[0])) || got[1] != 0 || !math.IsInf(float64(got[2]), 1) || got[3] != 0 || !math.IsInf(float64(got[4]), 1) {
			t.Errorf("exp of NaN, -Inf, +Inf, -200, 200 = %v", got[:5])
		}
		if got[5] > 1.2e-38 || !(got[6] > 1e38) {
			t.Errorf("exp(-87.5) = %g (want ≤ 1.2e-38), exp(89) = %g (want > 1e38)", got[5], got[6])
		}
	})
}

func TestSoftmaxAndShiftSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 0))
	vecPaths(t, func(t *testing.T) {
		for _, n := range vecLens[1:] {
			x := randSlice(rng, n, 4)
			if n > 3 {
				x[1] = float32(math.Inf(-1)) // a masked position
			}
			m := float64(maxOf(x))
			var sum float64
			for _, e := range x {
				sum += math.Exp(float64(e) - m)
			}
			y := append([]float32(nil), x...)
			s := expShiftSum(y, float32(m))
			if math.Abs(float64(s)-sum) > 4e-7*sum*float64(1+n/8) {
				t.Errorf("expShiftSum n=%d = %g, want %g", n, s, sum)
			}
			SoftmaxInPlace(x)
			for i, e := range y {
				want := float64(e) / float64(s)
				if math.Abs(float64(x[i])-want) > 1e-6*want+1e-38 {
					t.Fatalf("softmax n=%d: [%d] = %g, want %g", n, i, x[i], want)
				}
			}
		}
		masked := []float32{float32(math.Inf(-1)), float32(math.Inf(-1))}
		SoftmaxInPlace(masked)
		SoftmaxInPlace(nil)
		if !math.IsNaN(float64(masked[0])) {
			t.Errorf("softmax of an all -Inf row = %v, want NaN", masked)
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
