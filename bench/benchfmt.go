package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Units of the Go benchmark format written by WriteBenchfmt. Exact metrics are declared
// "assume=exact" so that benchstat reports their change without a confidence interval.
const (
	UnitAllocPeak       = "alloc-peak-B"
	UnitDecoderParams   = "decoder-params"
	UnitTotalParams     = "total-params"
	UnitRSSPeak         = "rss-peak-B"
	UnitNVMLProcessPeak = "nvml-process-peak-B"
	UnitDeviceUsedDelta = "device-used-delta-B"
)

// WriteBenchfmt writes results in the Go benchmark format
// (https://golang.org/design/14313-benchmark-format), so that two runs compare with
// benchstat:
//
//	goos: linux
//	goarch: amd64
//	cpu: <model>
//	device: cpu
//	batch: 1
//	seq-len: 192
//	output: full
//	BenchmarkForward/gpt2-small-2  1  81234567 ns/op  650475520 alloc-peak-B  85056000 decoder-params  …
//	…
//	Unit alloc-peak-B assume=exact
//	Unit decoder-params assume=exact
//
// Every timed forward is one result line with one iteration, so benchstat sees all n
// samples of an architecture; the name is the preset (or the architecture's key) with
// the thread count as the GOMAXPROCS suffix. Configuration lines are written again when
// the protocol changes between results.
func WriteBenchfmt(w io.Writer, env Environment, results []*Result) error {
	bw := bufio.NewWriter(w)
	config := func(key, value string) {
		fmt.Fprintf(bw, "%s: %s\n", key, oneLine(value))
	}
	config("goos", env.OS)
	config("goarch", env.Arch)
	if env.CPUModel != "" {
		config("cpu", env.CPUModel)
	}
	if env.CPUKernel != "" {
		config("cpu-kernel", env.CPUKernel)
	}
	if env.GPU != nil {
		config("gpu", env.GPU.Name)
	}
	v := env.Ltsbench
	config("ltsbench", v.Version+" "+v.Commit)
	last := map[string]string{}
	for _, r := range results {
		p := r.Protocol
		for _, kv := range [][2]string{
			{"device", r.Device},
			{"batch", strconv.Itoa(p.Batch)},
			{"seq-len", strconv.Itoa(p.SeqLen)},
			{"mem-len", strconv.Itoa(p.MemLen)},
			{"output", string(p.Output)},
			{"math", p.MathMode()},
		} {
			if last[kv[0]] != kv[1] {
				config(kv[0], kv[1])
				last[kv[0]] = kv[1]
			}
		}
		name := r.Name
		if name == "" {
			name = r.Key
		}
		threads := p.Threads
		if threads <= 0 {
			threads = env.Threads
		}
		WriteBenchfmtResult(bw, name, threads, r)
	}
	WriteBenchfmtUnits(bw)
	return bw.Flush()
}

// WriteBenchfmtResult writes one result line per timed forward of r, named
// BenchmarkName(name, threads), with the exact parameter counts and every memory measure
// r has after ns/op. A result without samples gets one line with its median.
func WriteBenchfmtResult(w io.Writer, name string, threads int, r *Result) {
	var extra strings.Builder
	fmt.Fprintf(&extra, "\t%d %s\t%d %s\t%d %s", r.AllocPeakBytes, UnitAllocPeak, r.DecoderParams, UnitDecoderParams, r.TotalParams, UnitTotalParams)
	for _, m := range []struct {
		v    *int64
		unit string
	}{{r.RSSPeakBytes, UnitRSSPeak}, {r.NVMLProcessPeakBytes, UnitNVMLProcessPeak}, {r.DeviceUsedDeltaBytes, UnitDeviceUsedDelta}} {
		if m.v != nil {
			fmt.Fprintf(&extra, "\t%d %s", *m.v, m.unit)
		}
	}
	samples := r.SamplesMS
	if len(samples) == 0 {
		samples = []float64{r.Latency.Median}
	}
	benchName := BenchmarkName(name, threads)
	for _, ms := range samples {
		fmt.Fprintf(w, "%s\t1\t%s ns/op%s\n", benchName, BenchfmtNS(ms), extra.String())
	}
}

// BenchmarkName is the name of a result line: BenchmarkForward/<name>, name made safe by
// BenchfmtName, with the -<threads> suffix benchstat reads as GOMAXPROCS when threads > 0.
func BenchmarkName(name string, threads int) string {
	s := "BenchmarkForward/" + BenchfmtName(name)
	if threads > 0 {
		s += "-" + strconv.Itoa(threads)
	}
	return s
}

// BenchfmtNS writes milliseconds as benchfmt nanoseconds. Samples are whole nanoseconds
// on the CPU and finer on a GPU; a tenth of a nanosecond keeps both without float noise.
func BenchfmtNS(ms float64) string {
	return strconv.FormatFloat(math.Round(ms*1e7)/10, 'f', -1, 64)
}

// WriteBenchfmtUnits declares the exact metrics, so that benchstat reports their change
// without a confidence interval.
func WriteBenchfmtUnits(w io.Writer) {
	fmt.Fprintf(w, "Unit %s assume=exact better=lower\n", UnitAllocPeak)
	fmt.Fprintf(w, "Unit %s assume=exact better=higher\n", UnitDecoderParams)
	fmt.Fprintf(w, "Unit %s assume=exact\n", UnitTotalParams)
}

// BenchfmtName makes s safe as one part of a benchmark name: no white space, and no
// "/" or "=", which would split it into sub-benchmark parts.
func BenchfmtName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '=' || r <= ' ' {
			return '_'
		}
		return r
	}, s)
}

// oneLine keeps a configuration value on its line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
