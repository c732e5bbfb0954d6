package stats

import (
	"math"
	"slices"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func TestRanks(t *testing.T) {
	for _, c := range []struct{ in, want []float64 }{
		{[]float64{10, 20, 20, 30}, []float64{1, 2.5, 2.5, 4}},
		{[]float64{3, 1, 2}, []float64{3, 1, 2}},
		{[]float64{5, 5, 5}, []float64{2, 2, 2}},
		{[]float64{2, 1, 2, 1, 2}, []float64{4, 1.5, 4, 1.5, 4}},
		{nil, []float64{}},
	} {
		if got := Ranks(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Ranks(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestSpearman(t *testing.T) {
	// The textbook example (IQ against hours of television a week): Σd² = 194, so
	// ρ = 1 − 6·194/(10·99) = −29/165.
	iq := []float64{106, 86, 100, 101, 99, 103, 97, 113, 112, 110}
	tv := []float64{7, 0, 27, 50, 28, 29, 20, 12, 6, 17}
	if got, want := Spearman(iq, tv), -29.0/165; !near(got, want) {
		t.Errorf("Spearman(IQ, TV) = %v, want %v", got, want)
	}
	// With a tie, by hand: ranks x [1, 2.5, 2.5, 4], y [1, 3, 2, 4]; Σdxdy = 4.5,
	// Σdx² = 4.5, Σdy² = 5, ρ = 4.5/√22.5 = 3/√10.
	if got, want := Spearman([]float64{1, 2, 2, 3}, []float64{1, 3, 2, 4}), 3/math.Sqrt(10); !near(got, want) {
		t.Errorf("Spearman with ties = %v, want %v", got, want)
	}
	// Only the order counts.
	x := []float64{1, 2, 3, 4, 5}
	if got := Spearman(x, []float64{1, 8, 27, 64, 125}); !near(got, 1) {
		t.Errorf("monotone: %v", got)
	}
	if got := Spearman(x, []float64{9, 7, 5, 3, -100}); !near(got, -1) {
		t.Errorf("reversed: %v", got)
	}
	for _, c := range [][2][]float64{{{1}, {2}}, {{1, 2}, {1, 2, 3}}, {{1, 1, 1}, {1, 2, 3}}, {{1, math.NaN()}, {1, 2}}} {
		if got := Spearman(c[0], c[1]); !math.IsNaN(got) {
			t.Errorf("Spearman(%v, %v) = %v, want NaN", c[0], c[1], got)
		}
	}
}

func TestKendallTauB(t *testing.T) {
	for _, c := range []struct {
		x, y []float64
		want float64
	}{
		// 7 concordant and 3 discordant pairs, no ties: τ = 4/10.
		{[]float64{1, 2, 3, 4, 5}, []float64{3, 1, 2, 5, 4}, 0.4},
		// 5 concordant, one pair tied in x: 5/√(5·6).
		{[]float64{1, 2, 2, 3}, []float64{1, 3, 2, 4}, 5 / math.Sqrt(30)},
		// One pair tied in both, two concordant: 2/√(2·2).
		{[]float64{1, 1, 2}, []float64{1, 1, 2}, 1},
		// Ties in both series on different pairs: x ties (0,1), y ties (2,3);
		// pairs (0,2) c, (0,3) c, (1,2) c, (1,3) c: 4/√(5·5).
		{[]float64{1, 1, 2, 3}, []float64{1, 2, 3, 3}, 0.8},
		{[]float64{1, 2, 3}, []float64{3, 2, 1}, -1},
	} {
		if got := KendallTauB(c.x, c.y); !near(got, c.want) {
			t.Errorf("KendallTauB(%v, %v) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
	for _, c := range [][2][]float64{{{1}, {2}}, {{1, 2}, {1}}, {{2, 2}, {1, 3}}, {{1, 2}, {math.NaN(), 1}}} {
		if got := KendallTauB(c[0], c[1]); !math.IsNaN(got) {
			t.Errorf("KendallTauB(%v, %v) = %v, want NaN", c[0], c[1], got)
		}
	}
}

func TestOrderStatistics(t *testing.T) {
	// numpy: np.percentile([1, 2, 3, 4], [10, 50, 90]) = [1.3, 2.5, 3.7].
	xs := []float64{4, 1, 3, 2}
	for _, c := range []struct{ q, want float64 }{{0.1, 1.3}, {0.5, 2.5}, {0.9, 3.7}, {0, 1}, {1, 4}, {0.25, 1.75}} {
		if got := Quantile(xs, c.q); !near(got, c.want) {
			t.Errorf("Quantile(%v, %v) = %v, want %v", xs, c.q, got, c.want)
		}
	}
	if !slices.Equal(xs, []float64{4, 1, 3, 2}) {
		t.Errorf("Quantile sorted its input: %v", xs)
	}
	if got := Median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("Median of an odd count = %v", got)
	}
	if got := Median([]float64{7}); got != 7 {
		t.Errorf("Median of one value = %v", got)
	}
	for _, q := range []float64{-0.1, 1.1, math.NaN()} {
		if !math.IsNaN(Quantile(xs, q)) {
			t.Errorf("Quantile(q = %v) is not NaN", q)
		}
	}
	if !math.IsNaN(Median(nil)) || !math.IsNaN(Mean(nil)) {
		t.Error("statistics of no data are not NaN")
	}
	// The textbook standard deviation example: mean 5, Σ(x−5)² = 32, sample variance
	// 32/7.
	data := []float64{2, 4, 4, 4, 5, 5, 7, 9}
	if got, want := Std(data), math.Sqrt(32.0/7); !near(got, want) {
		t.Errorf("Std = %v, want %v", got, want)
	}
	if got, want := CV(data), math.Sqrt(32.0/7)/5; !near(got, want) {
		t.Errorf("CV = %v, want %v", got, want)
	}
	if Std([]float64{3}) != 0 || CV([]float64{-1, 1}) != 0 {
		t.Error("Std of one value or CV of zero mean is not 0")
	}
	s := Summarize(data)
	want := Summary{N: 8, Mean: 5, Std: math.Sqrt(32.0 / 7), CV: math.Sqrt(32.0/7) / 5,
		Median: 4.5, P10: 3.4, P90: 7.6, Min: 2, Max: 9}
	// p10: h = 0.7 → 2 + 0.7·(4−2) = 3.4; p90: h = 6.3 → 7 + 0.3·(9−7) = 7.6.
	if s.N != want.N || !near(s.Mean, want.Mean) || !near(s.Std, want.Std) || !near(s.CV, want.CV) ||
		!near(s.Median, want.Median) || !near(s.P10, want.P10) || !near(s.P90, want.P90) || s.Min != want.Min || s.Max != want.Max {
		t.Errorf("Summarize = %+v, want %+v", s, want)
	}
	if (Summarize(nil) != Summary{}) {
		t.Error("Summarize(nil) is not the zero Summary")
	}
}
