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
// `benchstat -table "" -col device` then compares the devices (without -table "",
// benchstat puts runs whose other keys differ, cpu or gpu, in tables of their own).
//
// A run that measured its front on other device classes (DIR/devices.jsonl) follows
// with a block per other class, "device: class NAME", one line per architecture that
// ran there: its latency and the run's memory metric (devices.jsonl keeps no samples),
// under the same names, so `benchstat -table "" -col device` compares the classes too.
func WriteBenchfmt(w io.Writer, runs []*Run) error {
	bw := bufio.NewWriter(w)
	config := bench.NewBenchfmtConfig(bw, true)
	for i, r := range runs {
		if i > 0 {
			bw.WriteString("\n")
		}
		writeBenchConfig(config, r, "")
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
		writeBenchDevices(bw, config, r)
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
// bench.BenchfmtProtocol), the run's folder and space, and its memory metric. With a
// class, they describe the run's measurements on that other device class
// (devices.jsonl), whose environment the run does not know.
func writeBenchConfig(c *bench.BenchfmtConfig, r *Run, class string) {
	// A fleet run's environment is its class's device once a worker reported it; the
	// coordinator's machine is not described, as it measured nothing.
	env := bench.BenchfmtEnvironment(r.Info.Environment)
	if !r.Info.ClassEnvironment() || class != "" {
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
	if class != "" {
		device = "class " + class
	}
	c.Set(bench.BenchfmtProtocol(device, r.Info.Protocol)...)
	c.Set([2]string{"memory-metric", r.Info.MemoryMetric})
}

// writeBenchDevices writes a block per device class of r's devices.jsonl other than
// the run's own (whose front the run's block has, with its samples): the latency and
// memory of each architecture that ran there.
func writeBenchDevices(bw *bufio.Writer, config *bench.BenchfmtConfig, r *Run) {
	for _, class := range r.DeviceClasses {
		if r.Info.Fleet != nil && class == r.Info.Fleet.Class {
			continue
		}
		bw.WriteString("\n")
		writeBenchConfig(config, r, class)
		for _, m := range r.Devices {
			if m.Class != class || !m.Feasible {
				continue
			}
			fmt.Fprintf(bw, "%s\t1\t%s ns/op\t%d %s\t%d %s\n", bench.BenchmarkName(m.Key, r.threads()),
				bench.BenchfmtNS(m.LatencyMS), m.DecoderParams, bench.UnitDecoderParams, m.MemoryBytes, memoryUnit(r.Info.MemoryMetric))
		}
	}
}
