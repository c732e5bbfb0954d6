package results

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ltsbench/ltsbench/bench"
)

// WriteBenchfmt prints the fronts in the Go benchmark data format
// (golang.org/design/14313-benchmark-format), so that benchstat can compare two runs:
//
//	device: cuda:0                        (configuration lines, "key: value")
//	…
//	BenchmarkForward/<key>-8  1  12345678 ns/op  6043392 decoder-params  …
//	Unit decoder-params assume=exact better=higher
//
// The names and units are those of `ltsbench measure --format benchfmt`, so a front
// also compares with single measurements. Each architecture gets one result line per
// raw latency sample (one iteration, the sample in ns/op), so benchstat sees the real
// distribution; a record without samples gets one line with its latency. Parameter
// counts and alloc-peak-B are exact (assume=exact); the other memory measures are
// reported under their own names ("rss-peak-B", …), which benchstat scales as bytes.
// The -N suffix is the thread count. Every run restates every configuration key (empty
// when it does not apply), because a configuration line holds until it is overwritten;
// `benchstat -col device` then compares the devices.
func WriteBenchfmt(w io.Writer, runs []*Run) error {
	bw := bufio.NewWriter(w)
	config := bench.NewBenchfmtConfig(bw, true)
	for i, r := range runs {
		if i > 0 {
			bw.WriteString("\n")
		}
		writeBenchConfig(config, r)
		for j := range r.Front {
			rec := &r.Front[j]
			if rec.Result != nil {
				bench.WriteBenchfmtResult(bw, rec.Key, r.threads(), rec.Result)
				continue
			}
			// Only the objectives are known: one line with the latency and the run's
			// memory metric.
			fmt.Fprintf(bw, "%s\t1\t%s ns/op\t%d %s\t%d %s\t%d %s\n", bench.BenchmarkName(rec.Key, r.threads()),
				bench.BenchfmtNS(rec.LatencyMS), rec.DecoderParams, bench.UnitDecoderParams, rec.TotalParams(), bench.UnitTotalParams,
				rec.MemoryBytes, memoryUnit(r.Info.MemoryMetric))
		}
	}
	bw.WriteString("\n")
	bench.WriteBenchfmtUnits(bw)
	return bw.Flush()
}

// memoryUnit is the benchfmt unit of a memory metric: "rss_peak_bytes" → "rss-peak-B".
func memoryUnit(metric string) string {
	return strings.ReplaceAll(strings.TrimSuffix(metric, "_bytes"), "_", "-") + "-B"
}

// writeBenchConfig writes the configuration lines that describe a run's results: the
// environment and protocol keys every benchfmt writer uses (bench.BenchfmtEnvironment,
// bench.BenchfmtProtocol), the run's folder and space, and its memory metric.
func writeBenchConfig(c *bench.BenchfmtConfig, r *Run) {
	// A fleet run's environment is its class's device once a worker reported it; the
	// coordinator's machine is not described, as it measured nothing.
	env := bench.BenchfmtEnvironment(r.Info.Environment)
	if !r.Info.ClassEnvironment() {
		for i := range env {
			env[i][1] = "" // unknown, not another run's
		}
	}
	c.Set(env...)
	c.Set([2]string{"run", r.Dir}, [2]string{"space", r.spaceLabel()})
	device := r.Info.Device
	if r.Info.Fleet != nil {
		device = "class " + r.Info.Fleet.Class
	}
	c.Set(bench.BenchfmtProtocol(device, r.Info.Protocol)...)
	c.Set([2]string{"memory-metric", r.Info.MemoryMetric})
}
