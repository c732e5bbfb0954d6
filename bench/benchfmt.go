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
//	cpu-kernel: <the CPU backend's SGEMM kernel>
//	thp: <the transparent huge page setting: madvise, always, never>
//	ltsbench: <version> <commit>
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
// the thread count as the GOMAXPROCS suffix. Configuration lines (BenchfmtConfig) are
// written again when the protocol changes between results.
func WriteBenchfmt(w io.Writer, env Environment, results []*Result) error {
	bw := bufio.NewWriter(w)
	config := NewBenchfmtConfig(bw, false)
	config.Set(BenchfmtEnvironment(env)...)
	for _, r := range results {
		config.Set(BenchfmtProtocol(r.Device, r.Protocol)...)
		name := r.Name
		if name == "" {
			name = r.Key
		}
		threads := r.Protocol.Threads
		if threads <= 0 {
			threads = env.Threads
		}
		WriteBenchfmtResult(bw, name, threads, r)
	}
	WriteBenchfmtUnits(bw)
	return bw.Flush()
}

// BenchfmtConfig writes the configuration lines of the Go benchmark format, "key:
// value". A line holds until its key is written again; an empty value clears the key
// ("key:"). Every writer of benchfmt in ltsbench (a measurement, a report of runs)
// writes its configuration through one, with the keys of BenchfmtEnvironment and
// BenchfmtProtocol, so that the two always name the same things the same way.
type BenchfmtConfig struct {
	w       io.Writer
	last    map[string]string
	restate bool
}

// NewBenchfmtConfig writes configuration lines to w: with restate every key each time
// Set is given it, else only a key whose value changed (a key never set counts as
// empty, so an empty value is written only to clear one).
func NewBenchfmtConfig(w io.Writer, restate bool) *BenchfmtConfig {
	return &BenchfmtConfig{w: w, last: map[string]string{}, restate: restate}
}

// Set writes the configuration lines of kvs (key, value), in order. A value is kept on
// one line (runs of white space become one space).
func (c *BenchfmtConfig) Set(kvs ...[2]string) {
	for _, kv := range kvs {
		key, v := kv[0], oneLine(kv[1])
		if !c.restate && c.last[key] == v {
			continue
		}
		c.last[key] = v
		if v == "" {
			fmt.Fprintf(c.w, "%s:\n", key)
		} else {
			fmt.Fprintf(c.w, "%s: %s\n", key, v)
		}
	}
}

// BenchfmtEnvironment is the configuration that describes the machine and build of env,
// every key present, empty where it does not apply: goos, goarch, cpu, cpu-kernel, thp
// (transparent huge pages), gpu, gpu-driver, cuda (the CUDA version, or the runtime version of another accelerator),
// ltsbench (version and commit).
func BenchfmtEnvironment(env Environment) [][2]string {
	var gpu, driver, runtime string
	if env.GPU != nil {
		gpu, driver, runtime = env.GPU.Name, env.GPU.Driver, env.GPU.CUDAVersion
	}
	return [][2]string{
		{"goos", env.OS},
		{"goarch", env.Arch},
		{"cpu", env.CPUModel},
		{"cpu-kernel", env.CPUKernel},
		{"thp", env.TransparentHugePages},
		{"gpu", gpu},
		{"gpu-driver", driver},
		{"cuda", runtime},
		{"ltsbench", strings.TrimSpace(env.Ltsbench.Version + " " + env.Ltsbench.Commit)},
	}
}

// BenchfmtProtocol is the configuration that describes what was measured on device: device,
// batch, seq-len, mem-len (empty without a memory), output, math.
func BenchfmtProtocol(device string, p Protocol) [][2]string {
	memLen := ""
	if p.MemLen > 0 {
		memLen = strconv.Itoa(p.MemLen)
	}
	return [][2]string{
		{"device", device},
		{"batch", strconv.Itoa(p.Batch)},
		{"seq-len", strconv.Itoa(p.SeqLen)},
		{"mem-len", memLen},
		{"output", string(p.Output)},
		{"math", p.MathMode()},
	}
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
