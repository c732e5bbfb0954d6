package results

import (
	"encoding/csv"
	"io"
	"strconv"
)

// csvHeader names the CSV columns; units are in the names, numbers are raw.
var csvHeader = []string{
	"dir", "device", "memory_metric", "seq", "iteration", "key", "summary",
	"decoder_params", "total_params",
	"latency_median_ms", "latency_p10_ms", "latency_p90_ms", "latency_mean_ms", "latency_std_ms", "latency_cv", "latency_n",
	"memory_bytes", "alloc_peak_bytes",
	"objective", "ttft_median_ms", "per_token_median_ms", "per_token_p90_ms", "tokens_per_s_median",
	"cache_bytes_per_token", "cache_bytes",
}

// WriteCSV prints one header row, then the front of every run, one architecture a row,
// with the run's directory and device in the first columns. alloc_peak_bytes is empty
// where a record carries no measurement; the run's objective follows, then what a
// generation objective measured (empty where it did not: see Record.Generation).
func WriteCSV(w io.Writer, runs []*Run) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	f64 := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, r := range runs {
		for i := range r.Front {
			rec := &r.Front[i]
			st := rec.Latency()
			alloc := ""
			if rec.Result != nil {
				alloc = i64(rec.Result.AllocPeakBytes)
			}
			cells := []string{
				r.Dir, r.Info.Device, r.Info.MemoryMetric, strconv.Itoa(rec.Seq), strconv.Itoa(rec.Iteration),
				rec.Key, rec.Arch.Summary(),
				i64(rec.DecoderParams), i64(rec.TotalParams()),
				f64(st.Median), f64(st.P10), f64(st.P90), f64(st.Mean), f64(st.Std), f64(st.CV), strconv.Itoa(st.N),
				i64(rec.MemoryBytes), alloc,
				r.Info.ObjectiveOf(),
			}
			gen := make([]string, 6)
			if g := rec.Generation; g != nil {
				if g.TTFT != nil {
					gen[0] = f64(g.TTFT.Median)
				}
				if g.PerToken != nil {
					gen[1], gen[2] = f64(g.PerToken.Median), f64(g.PerToken.P90)
				}
				if g.TokensPerS != nil {
					gen[3] = f64(g.TokensPerS.Median)
				}
				gen[4], gen[5] = i64(g.CacheBytesPerToken), i64(g.CacheBytes)
			}
			err := cw.Write(append(cells, gen...))
			if err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
