package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/cpu" // --profile-ops
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "measure",
		Usage:     "measure the inference latency and peak memory of one architecture on a device",
		UsageText: "ltsbench measure [--device D] (--arch FILE | --preset NAME) [--batch N --seq-len T --threads N …] [--format table|json|benchfmt]",
		Description: "--mode forward (the default): runs one decoder forward pass of batch × seq-len tokens\n" +
			"(Transformer-XL with a full memory) until warm, then times single forwards until\n" +
			"--min-samples and --min-time both hold (at most --max-samples or --max-time), and reports\n" +
			"the latency (median, p10, p90, mean, std, CV, n), alloc_peak_bytes (exact) and the\n" +
			"resident peak.\n\n" +
			"--mode prefill|decode|generate: times generation with a KV cache under the same sampling\n" +
			"bounds: a prefill of --prompt-len tokens; a decode step at --context; or whole\n" +
			"generations (prefill + --new-tokens - 1 steps: time to first token, per-token latency,\n" +
			"tokens/s). Lengths not given are cut to fit n_positions (said on stderr). Reports the KV\n" +
			"cache, alloc_peak_bytes (exact, the cache included) and the resident peak over the timed\n" +
			"passes.\n\n" +
			"Presets: " + presetNames(),
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "device", Value: "cpu", Usage: "where to run: " + deviceNames()},
			&cli.StringFlag{Name: "arch", Usage: "architecture JSON `FILE` (LTS/Archai key names; n_head and d_inner lists longer than n_layer are cut to their first n_layer values)"},
			&cli.StringFlag{Name: "preset", Usage: "a named architecture (see the list above)"},
			&cli.Uint64Flag{Name: "seed", Value: 1111, Usage: "seed of the weights and the token ids"},
			&cli.StringFlag{Name: "format", Value: "table", Usage: "output: table, json or benchfmt (compare two runs with benchstat)"},
			&cli.BoolFlag{Name: "profile-ops", Usage: "cpu: after the measurement, time every op over as many forwards (--mode decode: steps) and print where the time goes, by op kind"},
		}, append(protocolFlags(), generationFlags()...)...),
		Action: measureAction,
	})
}

// protocolFlags are the measurement protocol's flags, shared by measure and run
// (read by measureProtocol).
func protocolFlags() []cli.Flag {
	def := bench.DefaultProtocol()
	return []cli.Flag{
		&cli.IntFlag{Name: "batch", Value: def.Batch, Usage: "sequences per forward"},
		&cli.IntFlag{Name: "seq-len", Usage: "tokens per sequence (default: 192, or n_positions when smaller; Transformer-XL: tgt_len)"},
		&cli.StringFlag{Name: "output", Value: string(def.Output), Usage: "what a timed forward computes: full (every position, whole vocabulary), last (last position only) or none (decoder body only)"},
		&cli.IntFlag{Name: "threads", Usage: "CPU worker threads (default: all cores; more than the machine has are cut to that, with a warning; in a fleet run each worker cuts it to its own cores)"},
		&cli.IntFlag{Name: "warmup", Value: def.Warmup, Usage: "untimed forwards before sampling"},
		&cli.IntFlag{Name: "min-samples", Value: def.MinSamples, Usage: "timed forwards at least"},
		&cli.IntFlag{Name: "max-samples", Value: def.MaxSamples, Usage: "timed forwards at most"},
		&cli.DurationFlag{Name: "min-time", Value: measureSeconds(def.MinTimeS), Usage: "sample for at least this long"},
		&cli.DurationFlag{Name: "max-time", Value: measureSeconds(def.MaxTimeS), Usage: "stop sampling after this long (0: no bound)"},
		&cli.BoolFlag{Name: "lts-compat", Usage: "LTS's protocol: 2 warm-ups, exactly 10 samples, their mean is the latency"},
		&cli.StringFlag{Name: "math", Value: "fp32", Usage: "GPU matrix products: fp32 (exact) or tf32 (tensor cores)"},
		&cli.BoolFlag{Name: "no-graph", Usage: "GPU: launch kernel by kernel instead of replaying a CUDA graph"},
	}
}

func measureSeconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func presetNames() string {
	var names []string
	for _, p := range bench.Presets() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

func measureAction(c *cli.Context) error {
	e := envOf(c)
	if c.NArg() > 0 {
		return usagef("measure takes no arguments (got %q); the architecture is --arch FILE or --preset NAME", c.Args().First())
	}
	archFile, presetName := c.String("arch"), c.String("preset")
	if (archFile == "") == (presetName == "") {
		return usagef("measure needs exactly one of --arch FILE and --preset NAME")
	}
	dev, err := backend.ParseDevice(c.String("device"))
	if err != nil {
		return usagef("--device: %v", err)
	}
	format, err := formatOf(c, "table", "json", "benchfmt")
	if err != nil {
		return err
	}
	p, err := measureProtocol(c, true)
	if err != nil {
		return err
	}
	if c.Bool("profile-ops") && (dev.Kind != cpu.ProfileKind || format == "benchfmt") {
		return usagef("--profile-ops: only on the cpu device, with --format table or json")
	}
	mode, err := measureMode(c)
	if err != nil {
		return err
	}
	if c.Bool("profile-ops") && mode != bench.ModeForward && mode != bench.ModeDecode {
		return usagef("--profile-ops: only with --mode forward or decode")
	}

	var a *space.Arch
	if presetName != "" {
		if a, err = bench.Preset(presetName); err != nil {
			return usagef("--preset: %v", err)
		}
	} else if a, err = space.LoadArch(archFile); err != nil {
		return fmt.Errorf("--arch: %w", err)
	}
	if _, err := p.Resolve(a); err != nil {
		return flagError(err)
	}
	var gp bench.GenerationProtocol
	if mode != bench.ModeForward {
		if gp, err = generationProtocol(c, a, mode, format); err != nil {
			return err
		}
	}

	be, err := backend.Open(dev, backendOptions(p))
	if err != nil {
		return err
	}
	defer be.Close()
	name := presetName
	if name == "" {
		name = a.Key()
	}
	fmt.Fprintf(e.stderr, "measuring %s on %s (%d threads)…\n", name, dev, p.Threads)
	if s, ok := be.(backend.Summarizer); ok {
		fmt.Fprintf(e.stderr, "backend: %s\n", s.Summary())
	}
	if mode != bench.ModeForward {
		return measureGeneration(c, be, a, p, gp, presetName, format)
	}
	res, err := bench.Measure(e.ctx, be, a, p, c.Uint64("seed"))
	if err != nil {
		return err
	}
	res.Name = presetName
	env := bench.CaptureEnvironment(p.Threads, be)
	var prof *cpu.Profile
	if c.Bool("profile-ops") {
		if prof, err = profileOps(a, res.Protocol, c.Uint64("seed"), res.Latency.N); err != nil {
			return fmt.Errorf("--profile-ops: %w", err)
		}
	}

	switch format {
	case "json":
		if prof != nil {
			return writeJSON(e.stdout, measureProfileJSON{measureJSON{res, env}, prof})
		}
		return writeJSON(e.stdout, measureJSON{res, env})
	case "benchfmt":
		return bench.WriteBenchfmt(e.stdout, env, []*bench.Result{res})
	default:
		if err := writeMeasureTable(e.stdout, res, env); err != nil || prof == nil {
			return err
		}
		fmt.Fprintln(e.stdout)
		return prof.WriteTable(e.stdout)
	}
}

// profileOps times every op of the measured forward (same shape, output, threads and
// weights) over n profiled forwards interleaved with n plain ones.
func profileOps(a *space.Arch, p bench.Protocol, seed uint64, n int) (*cpu.Profile, error) {
	g, err := model.Build(a, p.Shape(), model.BuildOptions{Output: p.Output})
	if err != nil {
		return nil, err
	}
	w, err := model.InitWeights(a, seed, p.Threads)
	if err != nil {
		return nil, err
	}
	return cpu.ProfileForward(w, g, p.Threads, p.Warmup, n)
}

// profileDecodeOps times every op of the measured decode step (same context, batch,
// threads and weights) over n profiled steps interleaved with n plain ones.
func profileDecodeOps(a *space.Arch, p bench.Protocol, gp bench.GenerationProtocol, seed uint64, n int) (*cpu.Profile, error) {
	graphs, err := bench.GenerationGraphs(a, bench.GenerationShapes(a, p.Batch, gp))
	if err != nil {
		return nil, err
	}
	w, err := model.InitWeights(a, seed, p.Threads)
	if err != nil {
		return nil, err
	}
	return cpu.ProfileDecode(w, graphs[0], graphs[1], p.Threads, p.Warmup, n)
}

// measureProtocol reads the protocol flags; mistakes are usage errors. here says
// that this machine measures: --threads defaults to its CPUs and is cut to them. A
// fleet run's workers measure on other machines, each bounding --threads by its own
// CPUs (fleetMeasurer): the number given travels unchanged, and 0 when not given.
func measureProtocol(c *cli.Context, here bool) (bench.Protocol, error) {
	p := bench.DefaultProtocol()
	out, err := model.ParseOutput(c.String("output"))
	if err != nil {
		return p, usagef("--output: %v", err)
	}
	switch c.String("math") {
	case "fp32":
	case "tf32":
		p.TF32 = true
	default:
		return p, usagef("--math: %q is not fp32 or tf32", c.String("math"))
	}
	p.Batch = c.Int("batch")
	p.SeqLen = c.Int("seq-len")
	p.Output = out
	p.Threads = c.Int("threads")
	if here && p.Threads == 0 {
		p.Threads = runtime.NumCPU()
	}
	if n := runtime.NumCPU(); here && p.Threads > n {
		// More threads than CPUs would time the scheduler, not the model: use them all,
		// say so, and record the number used.
		fmt.Fprintf(envOf(c).stderr, "ltsbench: --threads %d is more than the %d CPUs here: using %d\n", p.Threads, n, n)
		p.Threads = n
	}
	p.NoGraph = c.Bool("no-graph")
	p.Warmup = c.Int("warmup")
	p.MinSamples = c.Int("min-samples")
	p.MaxSamples = c.Int("max-samples")
	p.MinTimeS = c.Duration("min-time").Seconds()
	p.MaxTimeS = c.Duration("max-time").Seconds()
	if c.Bool("lts-compat") {
		for _, f := range []string{"warmup", "min-samples", "max-samples", "min-time", "max-time"} {
			if c.IsSet(f) {
				return p, usagef("--%s: --lts-compat fixes the sampling (2 warm-ups, 10 samples); drop one of them", f)
			}
		}
		p = p.WithLTSCompat()
	}
	if err := p.Validate(); err != nil {
		return p, flagError(err)
	}
	return p, nil
}

// measureJSON is the JSON of measure: the Result and the environment it was measured in.
type measureJSON struct {
	*bench.Result
	Environment bench.Environment `json:"environment"`
}

// measureProfileJSON is measure's JSON with --profile-ops.
type measureProfileJSON struct {
	measureJSON
	OpProfile *cpu.Profile `json:"op_profile"`
}

func writeMeasureTable(w io.Writer, r *bench.Result, env bench.Environment) error {
	tw, row := newMeasureTable(w)
	p := r.Protocol
	resultHeadRows(row, r)
	shape := fmt.Sprintf("batch %d × %d tokens", p.Batch, p.SeqLen)
	if p.MemLen > 0 {
		shape += fmt.Sprintf(" + %d memory rows", p.MemLen)
	}
	row("forward", "%s, output %s", shape, p.Output)
	row("decoder params", "%s", groupDigits(r.DecoderParams))
	row("total params", "%s", groupDigits(r.TotalParams))
	row("latency", "%s", statsCell(r.Latency, "ms"))
	if p.LTSCompat {
		row("LTS latency", "%.3f ms (mean of %d after %d warm-ups)", r.Latency.Mean, r.Latency.N, p.Warmup)
	}
	row("alloc peak", "%s, exact (weights + arena + memory)", measureMiB(r.AllocPeakBytes))
	resultTailRows(row, r, env, "")
	return tw.Flush()
}

// measureRow adds a "name  value" line to a measure table.
type measureRow func(name, format string, args ...any)

// newMeasureTable is the tab writer of a measure table and the function adding its rows.
func newMeasureTable(w io.Writer) (*tabwriter.Writer, measureRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	return tw, func(name, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", name, fmt.Sprintf(format, args...))
	}
}

// statsCell is a distribution in a measure table: median, p10, p90, mean ± std, CV, n.
func statsCell(s bench.Stats, unit string) string {
	return fmt.Sprintf("median %.3f %s  p10 %.3f  p90 %.3f  mean %.3f ± %.3f  CV %.1f%%  n %d",
		s.Median, unit, s.P10, s.P90, s.Mean, s.Std, 100*s.CV, s.N)
}

// resultHeadRows are the first rows of every measure table: the architecture and the
// device.
func resultHeadRows(row measureRow, r *bench.Result) {
	name := r.Key
	if r.Name != "" {
		name = r.Name + "  (" + r.Key + ")"
	}
	row("architecture", "%s", name)
	row("device", "%s, %d threads, %s", r.Device, r.Protocol.Threads, r.Protocol.MathMode())
}

// resultTailRows are the last rows of every measure table: the memory beside the
// allocation peak (the resident peak over what rssOver says, the GPU's), the machine
// and the environment's notes.
func resultTailRows(row measureRow, r *bench.Result, env bench.Environment, rssOver string) {
	if r.WorkspaceBytes > 0 {
		row("workspace", "%s, the backend's own buffers (GEMM packing, cuBLAS)", measureMiB(r.WorkspaceBytes))
	}
	if r.RSSPeakBytes != nil {
		row("resident peak", "%s, whole process (VmHWM)%s", measureMiB(*r.RSSPeakBytes), rssOver)
	} else if r.RSSNote != "" {
		row("resident peak", "%s", r.RSSNote)
	}
	if r.NVMLProcessPeakBytes != nil {
		row("GPU process peak", "%s (NVML)", measureMiB(*r.NVMLProcessPeakBytes))
	}
	if r.DeviceUsedDeltaBytes != nil {
		row("GPU used delta", "%s", measureMiB(*r.DeviceUsedDeltaBytes))
	}
	if r.MemoryNote != "" {
		row("GPU memory", "%s", r.MemoryNote)
	}
	cpu := env.CPUModel
	if env.GPU != nil {
		cpu += "; " + env.GPU.Name
	}
	row("machine", "%s/%s, %s", env.OS, env.Arch, cpu)
	for _, n := range env.Notes {
		row("note", "%s", n)
	}
}

func measureMiB(b int64) string {
	return fmt.Sprintf("%.1f MiB = %s B", float64(b)/(1<<20), groupDigits(b))
}
