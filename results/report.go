package results

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ltsbench/ltsbench/bench"
)

// Format is a report format of `ltsbench report --format`.
type Format string

// The report formats.
const (
	FormatTable    Format = "table"    // terminal table (tablewriter)
	FormatMarkdown Format = "markdown" // GitHub Markdown, one table per run
	FormatLaTeX    Format = "latex"    // booktabs table environments, one per run
	FormatCSV      Format = "csv"      // one header row, raw numbers, every run's front
	FormatJSON     Format = "json"     // an array with one object per run
	FormatBenchfmt Format = "benchfmt" // the Go benchmark format, for benchstat
)

// writers is the registry of report formats, in the order help texts show them: a new
// format is a file with its writer and one line here.
var writers = []struct {
	format Format
	write  func(io.Writer, []*Run) error
}{
	{FormatTable, WriteTable},
	{FormatMarkdown, WriteMarkdown},
	{FormatLaTeX, WriteLaTeX},
	{FormatCSV, WriteCSV},
	{FormatJSON, WriteJSONReport},
	{FormatBenchfmt, WriteBenchfmt},
}

// Formats lists the report formats in the order help texts show them.
var Formats = func() []Format {
	fs := make([]Format, len(writers))
	for i, w := range writers {
		fs[i] = w.format
	}
	return fs
}()

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("format %q is not one of %s", s, strings.Join(names, ", "))
}

// WriteReport writes the Pareto fronts of runs (one run per device, usually) in format f:
// one table per run, in the order given.
func WriteReport(w io.Writer, f Format, runs []*Run) error {
	for _, x := range writers {
		if x.format == f {
			return x.write(w, runs)
		}
	}
	_, err := ParseFormat(string(f))
	return err
}

// The column headers of the human-readable tables, units included.
var tableHeader = []string{"Architecture", "Decoder params (M)", "Total params (M)", "Latency (ms)", "Memory (MiB)"}

// generationHeader is the columns a generation objective adds (generationCells).
var generationHeader = []string{"TTFT (ms)", "ms/token", "Cache (MiB)"}

// tableHeaderOf is the column headers of r's table: a generation objective names its
// latency and adds generationHeader.
func tableHeaderOf(r *Run) []string {
	h := slices.Clone(tableHeader)
	if !r.Info.Generative() {
		return h
	}
	switch r.Info.ObjectiveOf() {
	case ObjectivePrefill:
		h[3] = "Prefill (ms)"
	case ObjectiveDecode:
		h[3] = "Decode (ms/token)"
	case ObjectiveGenerate:
		h[3] = "Generate (ms/token)"
	}
	return append(h, generationHeader...)
}

// row is one front member as the text tables print it (the Markdown and LaTeX templates
// read its fields); Extra is the cells of generationHeader for a generation objective.
type row struct {
	Summary, DecoderM, TotalM, Latency, MemoryMiB string
	Extra                                         []string
}

// rowsOf formats a run's front; dash separates p10 and p90 (an en dash, "--" in LaTeX).
func rowsOf(r *Run, dash string) []row {
	rows := make([]row, len(r.Front))
	for i := range r.Front {
		rec := &r.Front[i]
		rows[i] = row{
			Summary:   rec.Arch.Summary(),
			DecoderM:  fmt.Sprintf("%.2f", float64(rec.DecoderParams)/1e6),
			TotalM:    fmt.Sprintf("%.2f", float64(rec.TotalParams())/1e6),
			Latency:   latencyCell(rec, r.Info.Protocol.LTSCompat, dash),
			MemoryMiB: fmt.Sprintf("%.1f", float64(rec.MemoryBytes)/BytesPerMB),
		}
		if r.Info.Generative() {
			rows[i].Extra = generationCells(rec, r.Info.ObjectiveOf())
		}
	}
	return rows
}

// Cells is the row's cells in column order.
func (r row) Cells() []string {
	return append([]string{r.Summary, r.DecoderM, r.TotalM, r.Latency, r.MemoryMiB}, r.Extra...)
}

// generationCells is the cells of generationHeader for rec, measured under objective
// obj: the median time to the first token, the median decode step and the KV cache the
// measurement held, in MiB; "–" where the objective does not measure it or the record
// has no generation measurement. The cell that is the objective itself (prefill's
// time to the first token, decode's and generate's time per token) is the record's
// latency, the confirmed one when it was confirmed; generate's time to the first
// token is the search's measurement.
func generationCells(rec *Record, obj string) []string {
	cells := []string{"–", "–", "–"}
	ms := func(v float64) string { return fmt.Sprintf("%.*f", msPrecision(v), v) }
	g := rec.Generation
	if g == nil {
		return cells
	}
	switch obj {
	case ObjectivePrefill:
		cells[0] = ms(rec.Latency().Median)
	case ObjectiveDecode:
		cells[1] = ms(rec.Latency().Median)
	case ObjectiveGenerate:
		if g.TTFT != nil {
			cells[0] = ms(g.TTFT.Median)
		}
		cells[1] = ms(rec.Latency().Median)
	}
	cells[2] = fmt.Sprintf("%.2f", g.CacheMiB)
	return cells
}

// generationCaption is the caption's description of what a generation objective
// timed: "prefill of 64 tokens into an empty KV cache", …
func generationCaption(obj string, g *bench.GenerationProtocol) string {
	switch obj {
	case ObjectivePrefill:
		return fmt.Sprintf("prefill of %d tokens into an empty KV cache", g.PromptLen)
	case ObjectiveDecode:
		return fmt.Sprintf("decode of one token at context %d (the KV cache filled)", g.Context)
	}
	return fmt.Sprintf("generation of %d tokens after a %d-token prompt", g.NewTokens, g.PromptLen)
}

// latencyCell is "median (p10–p90)", or the latency objective alone when the record
// has no sample statistics or the run followed LTS's protocol (whose objective is the
// mean of 10, which a median and percentiles would misrepresent).
func latencyCell(rec *Record, ltsCompat bool, dash string) string {
	st := rec.Latency()
	prec := msPrecision(st.Median)
	if st.N == 0 || ltsCompat {
		return fmt.Sprintf("%.*f", msPrecision(rec.LatencyMS), rec.LatencyMS)
	}
	return fmt.Sprintf("%.*f (%.*f%s%.*f)", prec, st.Median, prec, st.P10, dash, prec, st.P90)
}

// msPrecision gives latencies about three significant digits.
func msPrecision(ms float64) int {
	switch {
	case ms >= 100:
		return 0
	case ms >= 10:
		return 1
	case ms >= 1:
		return 2
	default:
		return 3
	}
}

// captionStyle adapts the caption to a format's typography.
type captionStyle struct {
	times, dash string
	esc         func(string) string // escapes free text
	code        func(string) string // sets an identifier (a metric name)
}

var plainCaption = captionStyle{times: "×", dash: "–", esc: identity, code: identity}

func identity(s string) string { return s }

// DeviceLabel names the device of a run with what identifies it: the accelerator's name
// where the environment describes one, else the CPU model and the number of threads.
// A fleet run is named by its device class, described by its workers' environment
// (the coordinator's machine measured nothing).
func (r *Run) DeviceLabel() string {
	env := &r.Info.Environment
	device := r.Info.Device
	if f := r.Info.Fleet; f != nil {
		device = "class " + f.Class
		if !r.Info.ClassEnvironment() {
			return device
		}
	}
	var parts []string
	if env.GPU != nil && env.GPU.Name != "" {
		parts = append(parts, env.GPU.Name)
	} else {
		if env.CPUModel != "" {
			parts = append(parts, env.CPUModel)
		}
		if t := r.threads(); t > 0 {
			parts = append(parts, plural(t, "thread"))
		}
	}
	if len(parts) == 0 {
		return device
	}
	return device + " (" + strings.Join(parts, ", ") + ")"
}

// threads is the number of threads the measurements used.
func (r *Run) threads() int {
	if r.Info.Protocol.Threads > 0 {
		return r.Info.Protocol.Threads
	}
	if !r.Info.ClassEnvironment() {
		return 0
	}
	return r.Info.Environment.Threads
}

// spaceLabel is "GPT-2", "GPT-2 (adaptive)" or "Transformer-XL"; "" if run.json has no space.
func (r *Run) spaceLabel() string {
	s := r.Info.Space
	if s == nil {
		return ""
	}
	if t := s.ModelType(); t != nil {
		return t.Label
	}
	return string(s.Backbone)
}

// caption states what the table shows and how it was measured: device, search space,
// front size, batch × sequence, output mode, latency statistic and memory metric.
func caption(r *Run, st captionStyle) string {
	var sb strings.Builder
	sb.WriteString("Pareto front on " + st.esc(r.DeviceLabel()))
	if s := r.spaceLabel(); s != "" {
		sb.WriteString(", " + st.esc(s) + " space")
	}
	fmt.Fprintf(&sb, ": %d of %s measured", len(r.Front), plural(len(r.Archive), "architecture"))
	if n := r.Infeasible(); n > 0 {
		fmt.Fprintf(&sb, " (%d infeasible)", n)
	}
	if r.Strict() {
		sb.WriteString(", strict (LTS) dominance")
	}
	p := &r.Info.Protocol
	obj := r.Info.ObjectiveOf()
	if g := r.Info.Generation; r.Info.Generative() && g != nil {
		fmt.Fprintf(&sb, ". Batch %d, %s", p.Batch, generationCaption(obj, g))
	} else {
		fmt.Fprintf(&sb, ". Batch %d %s seq %d", p.Batch, st.times, p.SeqLen)
	}
	if p.MemLen > 0 {
		fmt.Fprintf(&sb, " + memory %d", p.MemLen)
	}
	if p.Output != "" {
		fmt.Fprintf(&sb, ", output %s", st.esc(string(p.Output)))
	}
	latency := "latency"
	switch obj {
	case ObjectivePrefill:
		latency = "latency (prefill)"
	case ObjectiveDecode:
		latency = "latency (decode step)"
	case ObjectiveGenerate:
		latency = "latency (decode step, every step of every generation)"
	}
	if p.LTSCompat {
		fmt.Fprintf(&sb, "; %s: mean of %s samples after %d warm-ups (LTS protocol), ms", latency, sampleRange(r.Front, st.dash), p.Warmup)
	} else {
		fmt.Fprintf(&sb, "; %s: median (p10%sp90) of %s samples, ms", latency, st.dash, sampleRange(r.Front, st.dash))
	}
	if r.Info.Generative() {
		sb.WriteString("; TTFT: median time to the first token; ms/token: median decode step; cache: the KV cache of the measurement, MiB")
	}
	fmt.Fprintf(&sb, "; memory: %s, MiB.", st.code(r.Info.MemoryMetric))
	return sb.String()
}

// sampleRange is "n = 20" or "n = 10–35" over the front's measurements.
func sampleRange(front []Record, dash string) string {
	lo, hi := 0, 0
	for i := range front {
		n := front[i].Latency().N
		if i == 0 || n < lo {
			lo = n
		}
		if n > hi {
			hi = n
		}
	}
	if lo == hi {
		return fmt.Sprintf("n = %d", lo)
	}
	return fmt.Sprintf("n = %d%s%d", lo, dash, hi)
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
