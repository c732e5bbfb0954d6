package stats

import (
	"math"
	"sort"
)

// Ranks returns the rank of each value, 1 for the smallest; tied values share the
// average of the ranks they span (so [10, 20, 20, 30] ranks [1, 2.5, 2.5, 4]). NaN
// values get unspecified ranks.
func Ranks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	r := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && xs[idx[j]] == xs[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // mean of ranks i+1 … j
		for k := i; k < j; k++ {
			r[idx[k]] = avg
		}
		i = j
	}
	return r
}

// Spearman is Spearman's rank correlation ρ: the Pearson correlation of the average
// ranks. NaN when the lengths differ, there are fewer than two pairs, a series is
// constant, or any value is NaN.
func Spearman(x, y []float64) float64 {
	if len(x) != len(y) || len(x) < 2 || hasNaN(x) || hasNaN(y) {
		return math.NaN()
	}
	return Pearson(Ranks(x), Ranks(y))
}

// Pearson is the Pearson product-moment correlation of x and y (NaN as for Spearman).
func Pearson(x, y []float64) float64 {
	if len(x) != len(y) || len(x) < 2 {
		return math.NaN()
	}
	mx, my := Mean(x), Mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// KendallTauB is Kendall's τ-b, which corrects for ties:
//
//	τ_b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂))
//
// over all pairs i < j, with n_c the concordant pairs, n_d the discordant pairs,
// n₀ = n(n−1)/2, n₁ the pairs tied in x and n₂ the pairs tied in y (a pair tied in both
// counts in n₁ and n₂). NaN as for Spearman. It compares every pair: O(n²), fine for
// the few thousand models a proxy study has.
func KendallTauB(x, y []float64) float64 {
	n := len(x)
	if n != len(y) || n < 2 || hasNaN(x) || hasNaN(y) {
		return math.NaN()
	}
	var nc, nd, tx, ty int64
	for i := range n {
		for j := i + 1; j < n; j++ {
			dx, dy := sign(x[i]-x[j]), sign(y[i]-y[j])
			switch {
			case dx == 0 && dy == 0:
				tx++
				ty++
			case dx == 0:
				tx++
			case dy == 0:
				ty++
			case dx == dy:
				nc++
			default:
				nd++
			}
		}
	}
	n0 := int64(n) * int64(n-1) / 2
	den := math.Sqrt(float64(n0-tx) * float64(n0-ty))
	if den == 0 {
		return math.NaN()
	}
	return float64(nc-nd) / den
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func hasNaN(xs []float64) bool {
	for _, v := range xs {
		if math.IsNaN(v) {
			return true
		}
	}
	return false
}
