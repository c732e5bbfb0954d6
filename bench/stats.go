package bench

import "github.com/ltsbench/ltsbench/internal/stats"

// Summarize is the latency summary of samples in milliseconds: median, p10 and p90
// (linear interpolation between closest ranks), mean, sample standard deviation (0 for
// one sample), CV = std/mean, n, min and max. No samples give the zero Stats.
func Summarize(samplesMS []float64) Stats {
	s := stats.Summarize(samplesMS)
	return Stats{
		Median: s.Median, P10: s.P10, P90: s.P90,
		Mean: s.Mean, Std: s.Std, CV: s.CV, N: s.N,
		Min: s.Min, Max: s.Max,
	}
}
