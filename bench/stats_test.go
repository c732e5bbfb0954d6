package bench

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	// By hand, for 4, 1, 3, 2 ms: sorted 1 2 3 4; median (2+3)/2; p10 at rank
	// 0.1·3 = 0.3 → 1.3; p90 at 2.7 → 3.7; mean 2.5; variance (2.25+0.25+0.25+2.25)/3.
	got := Summarize([]float64{4, 1, 3, 2})
	std := math.Sqrt(5.0 / 3)
	want := Stats{Median: 2.5, P10: 1.3, P90: 3.7, Mean: 2.5, Std: std, CV: std / 2.5, N: 4, Min: 1, Max: 4}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"median", got.Median, want.Median}, {"p10", got.P10, want.P10}, {"p90", got.P90, want.P90},
		{"mean", got.Mean, want.Mean}, {"std", got.Std, want.Std}, {"cv", got.CV, want.CV},
		{"min", got.Min, want.Min}, {"max", got.Max, want.Max},
	} {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s = %.15g, want %.15g", c.name, c.got, c.want)
		}
	}
	if got.N != 4 {
		t.Errorf("n = %d, want 4", got.N)
	}
	// One sample: no spread, and nothing that JSON cannot encode.
	one := Summarize([]float64{7})
	if one != (Stats{Median: 7, P10: 7, P90: 7, Mean: 7, N: 1, Min: 7, Max: 7}) {
		t.Errorf("one sample: %+v", one)
	}
}

func TestLatencyStatistic(t *testing.T) {
	r := &Result{Latency: Summarize([]float64{1, 2, 9})}
	r.Protocol.Statistic = StatMedian
	if r.LatencyMS() != 2 {
		t.Errorf("median latency %g, want 2", r.LatencyMS())
	}
	r.Protocol = DefaultProtocol().WithLTSCompat()
	if r.LatencyMS() != 4 {
		t.Errorf("LTS latency %g, want the mean 4", r.LatencyMS())
	}
}
