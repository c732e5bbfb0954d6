package stats

import (
	"math"
	"slices"
)

// Mean is the arithmetic mean (NaN for no data).
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range xs {
		s += v
	}
	return s / float64(len(xs))
}

// Std is the sample standard deviation (divisor n−1); 0 for fewer than two values.
func Std(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	m := Mean(xs)
	ss := 0.0
	for _, v := range xs {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

// CV is the coefficient of variation Std/Mean; 0 when the mean is 0.
func CV(xs []float64) float64 {
	m := Mean(xs)
	if m == 0 || math.IsNaN(m) {
		return 0
	}
	return Std(xs) / m
}

// Quantile is the q-quantile (0 ≤ q ≤ 1) by linear interpolation between closest
// ranks, numpy's default (see the package comment); NaN for no data or q outside [0, 1].
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 || !(q >= 0 && q <= 1) {
		return math.NaN()
	}
	return quantileSorted(sorted(xs), q)
}

// Median is Quantile(xs, 0.5).
func Median(xs []float64) float64 { return Quantile(xs, 0.5) }

func sorted(xs []float64) []float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s
}

func quantileSorted(s []float64, q float64) float64 {
	h := float64(len(s)-1) * q
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (h-lo)*(s[i+1]-s[i])
}

// Summary is what ltsbench reports of a set of samples.
type Summary struct {
	N                int
	Mean, Std, CV    float64
	Median, P10, P90 float64
	Min, Max         float64
}

// Summarize computes the Summary of xs; the zero Summary for no data.
func Summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := sorted(xs)
	return Summary{
		N: len(s), Mean: Mean(s), Std: Std(s), CV: CV(s),
		Median: quantileSorted(s, 0.5), P10: quantileSorted(s, 0.1), P90: quantileSorted(s, 0.9),
		Min: s[0], Max: s[len(s)-1],
	}
}
