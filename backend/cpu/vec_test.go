package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ltsbench/ltsbench/backend/cpu/kern"
)

func TestExp32(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 2000000; i++ {
		x := float32(-87.3 + 176.0*float64(i)/2000000)
		want := math.Exp(float64(x))
		got := float64(exp32(x))
		rel := math.Abs(got-want) / want
		worst = max(worst, rel)
	}
	if worst > 2.5e-7 {
		t.Errorf("largest relative error %.3g, want ≤ 2.5e-7 (2 ulp)", worst)
	}
	if exp32(-100) != 0 || exp32(0) != 1 || !math.IsInf(float64(exp32(100)), 1) || !math.IsNaN(float64(exp32(float32(math.NaN())))) {
		t.Errorf("exp32 edge cases: %g %g %g", exp32(-100), exp32(0), exp32(100))
	}
}

// paths runs f once on the path this machine takes (assembly where it has it) and
// once on the plain Go one.
func paths(t *testing.T, f func(t *testing.T)) {
	detected := useAVX2
	defer func() { useAVX2 = detected }()
	names := map[bool]string{true: "asm", false: "generic"}
	for _, asm := range []bool{true, false} {
		if asm && !detected {
			continue
		}
		useAVX2 = asm
		t.Run(names[asm], f)
	}
}

func randVec(rng *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(scale * (2*rng.Float64() - 1))
	}
	return x
}

// guarded returns a slice of n values between NaN guard bands of g values each, and a
// check that the bands are untouched.
func guarded(n, g int) ([]float32, func(t *testing.T, name string)) {
	buf := make([]float32, n+2*g)
	for i := range buf {
		buf[i] = float32(math.NaN())
	}
	return buf[g : g+n : g+n], func(t *testing.T, name string) {
		t.Helper()
		for i := range g {
			if !math.IsNaN(float64(buf[i])) || !math.IsNaN(float64(buf[g+n+i])) {
				t.Fatalf("%s: wrote outside its slice", name)
			}
		}
	}
}

// lengths cover the empty slice, tails below 8, exact multiples and both together.
var lengths = []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 64, 100, 1000, 1027}

func TestRowHelpers(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, n := range lengths {
			x, y := randVec(rng, n, 3), randVec(rng, n, 3)
			var s, sq float64
			m := math.Inf(-1)
			for i := range x {
				s += float64(x[i])
				sq += float64(x[i]) * float64(x[i])
				m = max(m, float64(x[i]))
			}
			gs, gsq := sumSq(x)
			if math.Abs(gs-s) > 1e-9*(1+sq) || math.Abs(gsq-sq) > 1e-12*(1+sq) {
				t.Errorf("n=%d: sumSq = %g, %g, want %g, %g", n, gs, gsq, s, sq)
			}
			if n > 0 {
				if got := maxOf(x); float64(got) != m {
					t.Errorf("n=%d: maxOf = %g, want %g", n, got, m)
				}
				// NaN is ignored wherever it sits: first, in the vector part, in the tail.
				for _, at := range []int{0, n / 2, n - 1} {
					y := append([]float32(nil), x...)
					y[at] = float32(math.NaN())
					want := math.Inf(-1)
					for i, v := range y {
						if i != at {
							want = max(want, float64(v))
						}
					}
					if got := maxOf(y); float64(got) != want {
						t.Errorf("n=%d, NaN at %d: maxOf = %g, want %g", n, at, got, want)
					}
				}
				nans := make([]float32, n)
				for i := range nans {
					nans[i] = float32(math.NaN())
				}
				if got := maxOf(nans); !math.IsInf(float64(got), -1) {
					t.Errorf("n=%d all NaN: maxOf = %g, want -Inf", n, got)
				}
			}

			z, check := guarded(n, 8)
			copy(z, x)
			kern.Scale(-1.5, z)
			addTo(z, y)
			for i := range z {
				if want := -1.5*x[i] + y[i]; math.Abs(float64(z[i]-want)) > 1e-6*(1+math.Abs(float64(want))) {
					t.Fatalf("n=%d: Scale+addTo [%d] = %g, want %g", n, i, z[i], want)
				}
			}
			addConst(z, x, 2.25)
			for i := range z {
				if z[i] != x[i]+2.25 {
					t.Fatalf("n=%d: addConst [%d] = %g, want %g", n, i, z[i], x[i]+2.25)
				}
			}
			copy(z, x)
			addConst(z, z, -1) // in place
			for i := range z {
				if z[i] != x[i]-1 {
					t.Fatalf("n=%d: addConst in place [%d] = %g, want %g", n, i, z[i], x[i]-1)
				}
			}
			check(t, fmt.Sprintf("n=%d: Scale/addTo/addConst", n))

			g, b := randVec(rng, n, 1), randVec(rng, n, 1)
			normRow(z, x, g, b, 0.25, 1.75)
			for i := range z {
				want := (float64(x[i])-0.25)*1.75*float64(g[i]) + float64(b[i])
				if math.Abs(float64(z[i])-want) > 1e-6*(1+math.Abs(want)) {
					t.Fatalf("n=%d: normRow [%d] = %g, want %g", n, i, z[i], want)
				}
			}
			check(t, fmt.Sprintf("n=%d: normRow", n))
		}
	})
}

func TestExpHelpers(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, n := range lengths {
			x := randVec(rng, n, 40)
			if n > 2 {
				x[0], x[1] = -200, 90 // 0 after the shift; large before it
			}
			const scale, shift = 0.5, 30
			var wantSum float64
			for _, v := range x {
				wantSum += math.Exp(float64(v) - shift)
			}
			if got := expSum(x, shift); math.Abs(got-wantSum) > 3e-7*wantSum {
				t.Errorf("n=%d: expSum = %g, want %g", n, got, wantSum)
			}
			z, check := guarded(n, 8)
			copy(z, x)
			got := expScaleShift(z, scale, shift)
			for i, v := range x {
				arg := scale*float64(v) - shift
				e := math.Exp(arg)
				// 2 ulp of exp, plus the float32 rounding of the argument.
				if math.Abs(float64(z[i])-e) > (3e-7+1.2e-7*math.Abs(arg))*e+1e-37 {
					t.Fatalf("n=%d: expScaleShift [%d] = %g, want %g", n, i, z[i], e)
				}
			}
			// The sum of what it wrote, up to float32 rounding (positive terms).
			var zs float64
			for _, v := range z {
				zs += float64(v)
			}
			if math.Abs(float64(got)-zs) > float64(n/8+4)*6e-8*zs {
				t.Errorf("n=%d: expScaleShift sum = %g, want %g", n, got, zs)
			}
			check(t, fmt.Sprintf("n=%d: expScaleShift", n))
		}
	})
}

// tileShapes are (rows, cols, n) for the two tile helpers: every remainder of the 4-row
// and 3- or 8-column tiles, short and long reductions.
var tileShapes = [][3]int{
	{1, 1, 1}, {4, 3, 8}, {4, 4, 8}, {5, 7, 16}, {8, 6, 64}, {3, 2, 64}, {7, 13, 72},
	{16, 40, 64}, {9, 25, 300}, {4, 1, 5}, {6, 50, 33},
}

func TestDotTiles(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, sh := range tileShapes {
			rows, cols, n := sh[0], sh[1], sh[2]
			for _, backwards := range []bool{false, true} {
				ldq, ldk, lds := n+3, n+5, cols+2
				q := randVec(rng, 2+rows*ldq, 1)
				k := randVec(rng, 1+cols*ldk, 1)
				qo, ko, kstep := 2, 1, ldk
				if backwards {
					ko, kstep = 1+(cols-1)*ldk, -ldk
				}
				s, check := guarded(rows*lds, 16)
				dotTiles(s, lds, q, qo, ldq, k, ko, kstep, rows, cols, n)
				name := fmt.Sprintf("%d×%d×%d backwards=%v", rows, cols, n, backwards)
				check(t, name)
				for i := range rows {
					for j := range cols {
						var want, mag float64
						for l := range n {
							a, b := float64(q[qo+i*ldq+l]), float64(k[ko+j*kstep+l])
							want += a * b
							mag += math.Abs(a * b)
						}
						if got := s[i*lds+j]; math.Abs(float64(got)-want) > 1e-6*(1+mag) {
							t.Fatalf("%s: s[%d][%d] = %g, want %g", name, i, j, got, want)
						}
					}
					for j := cols; j < lds && i*lds+j < len(s); j++ {
						if !math.IsNaN(float64(s[i*lds+j])) {
							t.Fatalf("%s: wrote s[%d][%d] outside the tile", name, i, j)
						}
					}
				}
			}
		}
	})
}

func TestAccTiles(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, sh := range tileShapes {
			for _, byKey := range []bool{false, true} {
				rows, kc, cols := sh[0], sh[1], sh[2]
				// Probabilities stored by query (row i, key j at i·ldp + j) or by key
				// (at j·pStep + i), with padding either way.
				ldp, pStep := kc+1, 1
				if byKey {
					ldp, pStep = 1, rows+2
				}
				ldv, lda := cols+7, cols+3
				p := randVec(rng, rows*(kc+1)+kc*(rows+2), 1)
				v := randVec(rng, 3+kc*ldv, 1)
				acc, check := guarded(rows*lda, 16)
				init := randVec(rng, rows*lda, 1)
				for i := range rows {
					copy(acc[i*lda:i*lda+cols], init[i*lda:])
				}
				accTiles(acc, lda, p, ldp, pStep, v, 3, ldv, rows, kc, cols)
				name := fmt.Sprintf("%d×%d×%d byKey=%v", rows, kc, cols, byKey)
				check(t, name)
				for i := range rows {
					for c := range cols {
						want, mag := float64(init[i*lda+c]), 1.0
						for j := range kc {
							a, b := float64(p[i*ldp+j*pStep]), float64(v[3+j*ldv+c])
							want += a * b
							mag += math.Abs(a * b)
						}
						if got := acc[i*lda+c]; math.Abs(float64(got)-want) > 1e-6*mag {
							t.Fatalf("%s: acc[%d][%d] = %g, want %g", name, i, c, got, want)
						}
					}
					for c := cols; c < lda && i*lda+c < len(acc); c++ {
						if !math.IsNaN(float64(acc[i*lda+c])) {
							t.Fatalf("%s: wrote acc[%d][%d] outside the tile", name, i, c)
						}
					}
				}
			}
		}
	})
}

// The transposed helpers: scores of 16 queries (across the row) against keys, and the
// column-wise max and exp of the softmax.
func TestTransposedHelpers(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, sh := range [][2]int{{1, 1}, {5, 3}, {6, 64}, {13, 64}, {40, 30}, {7, 257}} {
			keys, dh := sh[0], sh[1]
			ldk := dh + 5
			qT := randVec(rng, dh*lanes, 1)
			k := randVec(rng, 2+keys*ldk, 1)
			s, check := guarded(keys*lanes, 16)
			name := fmt.Sprintf("%d keys × %d", keys, dh)
			// Rows of b along its rows (scores: bRow = ldk, bStep = 1) and down its
			// columns (the output transposed: bRow = 1, bStep = ldk).
			for _, down := range []bool{false, true} {
				bRow, bStep, rows := ldk, 1, keys
				if down {
					bRow, bStep, rows = 1, ldk, min(keys, dh)
				}
				n := dh
				if down {
					n = keys
				}
				if down && len(qT) < n*lanes {
					continue
				}
				for _, acc := range []bool{false, true} { // the second call adds the same again
					lanesTiles(s, qT, k, 2, bRow, bStep, rows, n, acc)
					check(t, name+": lanesTiles")
					for r := range rows {
						for i := range lanes {
							var want, mag float64
							for l := range n {
								p := float64(qT[l*lanes+i]) * float64(k[2+r*bRow+l*bStep])
								want += p
								mag += math.Abs(p)
							}
							if acc {
								want, mag = 2*want, 2*mag
							}
							if got := s[r*lanes+i]; math.Abs(float64(got)-want) > 1e-6*(1+mag) {
								t.Fatalf("%s (down %v, acc %v): s[%d][%d] = %g, want %g", name, down, acc, r, i, got, want)
							}
						}
					}
				}
			}
			lanesTiles(s, qT, k, 2, ldk, 1, keys, dh, false)

			f := [lanes]float32{}
			for i := range f {
				f[i] = float32(i) - 7.5
			}
			before := append([]float32(nil), s...)
			colScale(s, keys, &f)
			for j := range keys {
				for i := range lanes {
					if s[j*lanes+i] != before[j*lanes+i]*f[i] {
						t.Fatalf("%s: colScale [%d][%d] = %g, want %g", name, j, i, s[j*lanes+i], before[j*lanes+i]*f[i])
					}
				}
			}
			check(t, name+": colScale")

			var m, shift, sum [lanes]float32
			for i := range m {
				m[i] = float32(i) - 8 // a running maximum above some columns, below others
				shift[i] = 0.5 * float32(i)
				sum[i] = float32(i)
			}
			s[0] = float32(math.Inf(-1)) // a masked score
			want := m
			for j := range keys {
				for i := range lanes {
					want[i] = max(want[i], s[j*lanes+i])
				}
			}
			colMax(s, keys, &m)
			if m != want {
				t.Fatalf("%s: colMax = %v, want %v", name, m, want)
			}
			orig := append([]float32(nil), s...)
			wantSum := sum
			colExp(s, keys, 0.25, &shift, &sum)
			check(t, name+": colExp")
			var added [lanes]float64
			for j := range keys {
				for i := range lanes {
					arg := 0.25*float64(orig[j*lanes+i]) - float64(shift[i])
					e := math.Exp(arg)
					if math.IsInf(arg, -1) {
						e, arg = 0, 0
					}
					added[i] += e
					if math.Abs(float64(s[j*lanes+i])-e) > (3e-7+1.2e-7*math.Abs(arg))*e {
						t.Fatalf("%s: colExp [%d][%d] = %g, want %g", name, j, i, s[j*lanes+i], e)
					}
				}
			}
			for i := range lanes {
				w := float64(wantSum[i]) + added[i]
				if math.Abs(float64(sum[i])-w) > 1e-6*w {
					t.Fatalf("%s: colExp sum[%d] = %g, want %g", name, i, sum[i], w)
				}
			}
		}
	})
}

func TestTranspose(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		for _, rows := range []int{1, 7, 8, 13, 16} {
			for _, cols := range []int{1, 8, 9, 30, 64} {
				lds, ldd := cols+3, rows+5
				src := randVec(rng, 2+rows*lds, 1)
				dst, check := guarded(cols*ldd, 16)
				transpose(dst, ldd, src, 2, lds, rows, cols)
				name := fmt.Sprintf("%d×%d", rows, cols)
				check(t, name)
				for r := range rows {
					for c := range cols {
						if dst[c*ldd+r] != src[2+r*lds+c] {
							t.Fatalf("%s: dst[%d][%d] = %g, want %g", name, c, r, dst[c*ldd+r], src[2+r*lds+c])
						}
					}
				}
				for c := range cols {
					for r := rows; r < ldd && c*ldd+r < len(dst); r++ {
						if !math.IsNaN(float64(dst[c*ldd+r])) {
							t.Fatalf("%s: wrote dst[%d][%d] outside the block", name, c, r)
						}
					}
				}
			}
		}
	})
}

// The wrappers check what the assembly would touch: a tile that does not fit panics
// instead of reading or writing past the slice.
func TestTilesCheckBounds(t *testing.T) {
	for name, f := range map[string]func(){
		"dotTiles k backwards": func() {
			dotTiles(make([]float32, 16), 4, make([]float32, 64), 0, 16, make([]float32, 64), 8, -16, 4, 4, 16)
		},
		"dotTiles s": func() {
			dotTiles(make([]float32, 15), 4, make([]float32, 64), 0, 16, make([]float32, 64), 0, 16, 4, 4, 16)
		},
		"accTiles v": func() {
			accTiles(make([]float32, 64), 16, make([]float32, 16), 4, 1, make([]float32, 63), 0, 16, 4, 4, 16)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic for a tile that does not fit", name)
				}
			}()
			f()
		}()
	}
}

// The attention helpers at GPT-2's shapes: a block of 16 queries against 192 keys of
// 64 values (the scores), and 16 rows of probabilities times 192 value rows.
func BenchmarkAttentionTiles(b *testing.B) {
	const rows, keys, dh, ld = 16, 192, 64, 3 * 768
	rng := rand.New(rand.NewPCG(9, 10))
	qkv := randVec(rng, keys*ld, 1)
	s := make([]float32, rows*keys)
	acc := make([]float32, rows*768)
	flops := float64(2 * rows * keys * dh)
	b.Run("dotTiles", func(b *testing.B) {
		for b.Loop() {
			dotTiles(s, keys, qkv, 0, ld, qkv, 768, ld, rows, keys, dh)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("accTiles", func(b *testing.B) {
		for b.Loop() {
			accTiles(acc, 768, s, keys, 1, qkv, 1536, ld, rows, keys, dh)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("softmax", func(b *testing.B) {
		for b.Loop() {
			for i := range rows {
				row := s[i*keys : (i+1)*keys]
				expScaleShift(row, 0.125, 0.125*maxOf(row))
			}
		}
		b.ReportMetric(float64(rows*keys*b.N)/b.Elapsed().Seconds()/1e9, "Gexp/s")
	})
}
