package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/internal/progress"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/search"
	"github.com/ltsbench/ltsbench/space"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "run",
		Usage:     "search a space for the Pareto front of decoder params, latency and memory on a device",
		UsageText: "ltsbench run [--device D] --space " + backboneNames("|") + " --out DIR [--budget quick|paper] [--iterations N --population N … --seed S] [--resume]",
		Description: "LTS's evolutionary search: every candidate is checked against the space before it is\n" +
			"measured, then built and timed on the device; the Pareto front of (decoder params ↑,\n" +
			"latency ↓, memory ↓) over everything measured so far is printed at the end.\n\n" +
			"DIR/run.json holds the settings and the environment, DIR/archive.jsonl one line per\n" +
			"measured architecture (written the moment it is measured), DIR/pareto.jsonl the front\n" +
			"(rewritten each iteration). A killed run continues with --resume, measuring nothing twice.\n\n" +
			"--budget paper is the paper's search (population 100 = 20 parents + 40 mutations + 40\n" +
			"crossovers, 30 iterations); --budget quick takes about a minute on two cores\n" +
			"(population 20 = 4 + 8 + 8, 4 iterations, 64 tokens, 3 samples). Explicit flags override the budget.\n\n" +
			"--fleet, --listen ADDR or --nats URL hand each generation to `ltsbench worker`s (on other GPUs,\n" +
			"boards or hosts) through NATS JetStream; the archive is the one this process would write.",
		Flags:  append(append(append(append(runFlags(), spaceFlags()...), protocolFlags()...), confirmFlags()...), fleetFlags()...),
		Action: runAction,
	})
}

func runFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "device", Value: "cpu", Usage: "where to measure: " + deviceNames()},
		&cli.StringFlag{Name: "out", Usage: "run `DIR` (created if missing)"},
		&cli.StringFlag{Name: "budget", Value: "paper", Usage: "search size: paper or quick"},
		&cli.StringFlag{Name: "algorithm", Value: search.Evolution, Usage: "search algorithm: " + strings.Join(search.Algorithms(), ", ") + " (evolution is LTS's; random spends its budget on random samples)"},
		&cli.Uint64Flag{Name: "seed", Value: 1111, Usage: "seed of the search, the weights and the token ids"},
		&cli.IntFlag{Name: "iterations", Usage: "search iterations (paper 30, quick 4)"},
		&cli.IntFlag{Name: "population", Usage: "population size = parents + mutations + crossovers (paper 100, quick 20)"},
		&cli.IntFlag{Name: "parents", Usage: "parents per iteration, drawn from the Pareto front (paper 20)"},
		&cli.IntFlag{Name: "mutations", Usage: "mutated children per iteration (paper 40)"},
		&cli.IntFlag{Name: "crossovers", Usage: "crossover children per iteration (paper 40)"},
		&cli.Float64Flag{Name: "mutation-prob", Usage: "chance a mutation redraws each gene (0.3)"},
		&cli.Float64Flag{Name: "crossover-prob", Usage: "chance a crossover child takes each gene from its first parent (0.5)"},
		&cli.Float64Flag{Name: "max-latency-ms", Usage: "keep only architectures at most this slow on the front (0: no bound)"},
		&cli.Float64Flag{Name: "max-memory-mb", Usage: "keep only architectures needing at most this many MiB on the front (0: no bound)"},
		&cli.StringFlag{Name: "memory-metric", Value: bench.MetricAllocPeak, Usage: "memory objective: alloc_peak_bytes (exact), rss_peak_bytes, nvml_process_peak_bytes or device_used_delta_bytes"},
		&cli.BoolFlag{Name: "resume", Usage: "continue the run in DIR from its archive, under the protocol, device and memory metric in its run.json (a flag that contradicts them is refused)"},
		&cli.StringFlag{Name: "plot", Usage: "also draw the front into `FILE` (.svg, .png or .pdf)"},
		&cli.StringFlag{Name: "objective", Value: results.ObjectiveLatency, Usage: "the latency the front minimises: latency (one forward of batch × seq-len tokens, the paper's), " +
			"prefill (a forward over --prompt-len tokens that fills the KV cache: the time to the first token), decode (one step with the cache filled to --context: the time per token) " +
			"or generate (prefill + --new-tokens tokens: the median time per token over every step; the time to the first token and tokens/s are kept beside it)"},
		&cli.IntFlag{Name: "prompt-len", Value: bench.DefaultPromptLen, Usage: "--objective prefill and generate: prompt tokens per sequence (quick budget 64)"},
		&cli.IntFlag{Name: "context", Value: bench.DefaultContext, Usage: "--objective decode: cached positions before the timed step (quick budget 64)"},
		&cli.IntFlag{Name: "new-tokens", Value: bench.DefaultNewTokens, Usage: "--objective generate: new tokens per sequence (quick budget 16)"},
	}
}

// quickBudget is --budget quick: a search that finishes in about a minute on two cores.
var quickBudget = struct {
	iterations, population, parents, mutations, crossovers int
	seqLen, warmup, minSamples, maxSamples                 int
	minTime, maxTime                                       time.Duration
	promptLen, context, newTokens                          int
}{
	iterations: 4, population: 20, parents: 4, mutations: 8, crossovers: 8,
	seqLen: 64, warmup: 1, minSamples: 3, maxSamples: 10, minTime: 0, maxTime: 5 * time.Second,
	promptLen: 64, context: 64, newTokens: 16,
}

// runConfig reads the search settings: the budget's, then the explicit flags.
func runConfig(c *cli.Context, s *space.Space) (search.Config, error) {
	cfg := search.PaperConfig(s)
	switch c.String("budget") {
	case "paper":
	case "quick":
		quickSearch(&cfg)
	default:
		return cfg, usagef("--budget: %q is not paper or quick", c.String("budget"))
	}
	cfg.Algorithm = c.String("algorithm")
	cfg.Seed = c.Uint64("seed")
	for _, f := range []struct {
		name string
		dst  *int
	}{{"iterations", &cfg.Iterations}, {"population", &cfg.Population}, {"parents", &cfg.Parents}, {"mutations", &cfg.Mutations}, {"crossovers", &cfg.Crossovers}} {
		if c.IsSet(f.name) {
			*f.dst = c.Int(f.name)
		}
	}
	if c.IsSet("mutation-prob") {
		cfg.MutationProb = c.Float64("mutation-prob")
	}
	if c.IsSet("crossover-prob") {
		cfg.CrossoverProb = c.Float64("crossover-prob")
	}
	cfg.Strict = c.Bool("lts-compat")
	cfg.MaxLatencyMS = c.Float64("max-latency-ms")
	maxMB := c.Float64("max-memory-mb")
	if maxMB < 0 {
		// Said in MiB, as given: MaxMemoryBytes would be a rounded byte count.
		return cfg, usagef("--max-memory-mb: must be ≥ 0 (0: no bound), got %g", maxMB)
	}
	cfg.MaxMemoryBytes = int64(maxMB * results.BytesPerMB)
	if err := cfg.Validate(); err != nil {
		return cfg, flagError(err)
	}
	return cfg, nil
}

// runProtocol reads the protocol flags, with the quick budget's defaults where a flag
// is not given. A generation objective (generation) sets the tokens of each pass and
// computes the last position only: the protocol then has no seq_len and output last.
// A fleet run's threads are the workers' to bound (see measureProtocol).
func runProtocol(c *cli.Context, generation, onFleet bool) (bench.Protocol, error) {
	p, err := measureProtocol(c, !onFleet)
	if err == nil && generation {
		p.SeqLen, p.Output = 0, model.OutputLast
	}
	if err != nil || c.String("budget") != "quick" || p.LTSCompat {
		return p, err
	}
	q := quickBudget
	set := func(flag string, apply func()) {
		if !c.IsSet(flag) {
			apply()
		}
	}
	if !generation {
		set("seq-len", func() { p.SeqLen = q.seqLen })
	}
	set("warmup", func() { p.Warmup = q.warmup })
	set("min-samples", func() { p.MinSamples = q.minSamples })
	set("max-samples", func() { p.MaxSamples = q.maxSamples })
	set("min-time", func() { p.MinTimeS = q.minTime.Seconds() })
	set("max-time", func() { p.MaxTimeS = q.maxTime.Seconds() })
	if err := p.Validate(); err != nil {
		return p, flagError(err)
	}
	return p, nil
}

// runObjective checks the objective name (--objective's, or the resumed run's) and,
// for a generation objective, reads the lengths it measures at (the quick budget's
// where a flag is not given); gp is nil for the latency objective. A length flag the
// objective does not use is refused, as are the flags a generation objective sets
// itself. checkPositions checks the lengths against the space once a resumed run's
// are known.
func runObjective(c *cli.Context, name string) (string, *bench.GenerationProtocol, error) {
	obj, err := results.ParseObjective(name)
	if err != nil {
		return "", nil, usagef("--objective: %v", err)
	}
	uses := map[string][]string{
		results.ObjectiveLatency:  nil,
		results.ObjectivePrefill:  {"prompt-len"},
		results.ObjectiveDecode:   {"context"},
		results.ObjectiveGenerate: {"prompt-len", "new-tokens"},
	}[obj]
	for _, f := range []string{"prompt-len", "context", "new-tokens"} {
		if c.IsSet(f) && !slices.Contains(uses, f) {
			return "", nil, usagef("--%s: --objective %s does not use it", f, obj)
		}
	}
	if obj == results.ObjectiveLatency {
		return obj, nil, nil
	}
	for _, f := range []string{"seq-len", "output"} {
		if c.IsSet(f) {
			return "", nil, usagef("--%s: --objective %s sets the tokens of each pass and computes the last position only; drop --%s", f, obj, f)
		}
	}
	quick := c.String("budget") == "quick"
	length := func(flag string, q int) int {
		if quick && !c.IsSet(flag) {
			return q
		}
		return c.Int(flag)
	}
	gp := bench.GenerationProtocol{Mode: obj}
	switch obj {
	case results.ObjectivePrefill:
		gp.PromptLen = length("prompt-len", quickBudget.promptLen)
	case results.ObjectiveDecode:
		gp.Context = length("context", quickBudget.context)
	case results.ObjectiveGenerate:
		gp.PromptLen = length("prompt-len", quickBudget.promptLen)
		gp.NewTokens = length("new-tokens", quickBudget.newTokens)
	}
	for _, f := range []struct {
		flag string
		v    int
	}{{"prompt-len", gp.PromptLen}, {"context", gp.Context}, {"new-tokens", gp.NewTokens}} {
		if slices.Contains(uses, f.flag) && f.v < 1 {
			return "", nil, usagef("--%s: must be at least 1, got %d", f.flag, f.v)
		}
	}
	return obj, &gp, nil
}

// checkPositions refuses generation lengths whose passes reach past the learned
// positions of the space's GPT-2s (tgt_len): no architecture could run them.
func checkPositions(s *space.Space, obj string, gp *bench.GenerationProtocol) error {
	if gp == nil || !s.ModelType().Positions {
		return nil
	}
	positions, flags := gp.PromptLen, "--prompt-len" // prefill
	switch obj {
	case results.ObjectiveDecode:
		positions, flags = gp.Context+1, "--context"
	case results.ObjectiveGenerate:
		positions, flags = gp.PromptLen+gp.NewTokens-1, "--prompt-len or --new-tokens"
	}
	if positions > s.TgtLen {
		return usagef("--objective %s: its passes reach position %d, past the space's tgt_len (GPT-2 positions) %d: shorten %s",
			obj, positions, s.TgtLen, flags)
	}
	return nil
}

// benchMeasure and benchMeasureGeneration are bench.Measure and
// bench.MeasureGeneration, which the measurers of run and worker call (tests put a
// deterministic fake in their place).
var (
	benchMeasure           = bench.Measure
	benchMeasureGeneration = bench.MeasureGeneration
)

// benchMeasurer measures architectures for the search: with bench.Measure (the
// latency objective), or with bench.MeasureGeneration when gen is set (prefill,
// decode, generate), whose result's latency is the objective's.
type benchMeasurer struct {
	be     backend.Backend
	proto  bench.Protocol
	gen    *bench.GenerationProtocol
	seed   uint64
	metric string
}

func (m *benchMeasurer) Measure(ctx context.Context, a *space.Arch) (*search.Measurement, error) {
	if m.gen != nil {
		res, err := benchMeasureGeneration(ctx, m.be, a, m.proto, *m.gen, m.seed)
		if err != nil {
			return nil, err
		}
		return searchMeasurement(res.Result, &res.Generation, m.metric)
	}
	res, err := benchMeasure(ctx, m.be, a, m.proto, m.seed)
	if err != nil {
		return nil, err
	}
	return searchMeasurement(res, nil, m.metric)
}

// searchMeasurement is a result as the search archives it, measured here or by a
// fleet worker: its latency objective (the mode's latency, for a generation
// objective, whose measurement gen is kept beside it) and its memory metric.
func searchMeasurement(res *bench.Result, gen *bench.Generation, metric string) (*search.Measurement, error) {
	mem, err := res.MemoryBytes(metric)
	if err != nil {
		return nil, err
	}
	return &search.Measurement{LatencyMS: res.LatencyMS(), MemoryBytes: mem, Result: res, Generation: gen}, nil
}

func runAction(c *cli.Context) error {
	e := envOf(c)
	if c.NArg() > 0 {
		return usagef("run takes no arguments (got %q)", c.Args().First())
	}
	dir := c.String("out")
	if dir == "" {
		return usagef("run needs --out DIR, where the archive and the front are written")
	}
	if p := c.String("plot"); p != "" {
		if err := results.CheckPlotPath(p); err != nil {
			return usagef("--plot: %v", err)
		}
	}
	dev, err := backend.ParseDevice(c.String("device"))
	if err != nil {
		return usagef("--device: %v", err)
	}
	metric, err := bench.ParseMemoryMetric(c.String("memory-metric"))
	if err == nil {
		err = bench.CheckMetricOnDevice(metric, dev)
	}
	if err != nil {
		return usagef("--memory-metric: %v", err)
	}
	fo, err := fleetOptionsOf(c) // nil: measure in this process
	if err != nil {
		return err
	}
	s, err := spaceFromFlags(c)
	if err != nil {
		return err
	}
	cfg, err := runConfig(c, s)
	if err != nil {
		return err
	}
	// Resuming without --objective continues the run's (read again, and its errors
	// reported, below).
	objective := c.String("objective")
	if c.Bool("resume") && !c.IsSet("objective") {
		if ri, err := results.ReadRunInfo(dir); err == nil {
			objective = ri.ObjectiveOf()
		}
	}
	objective, gen, err := runObjective(c, objective)
	if err != nil {
		return err
	}
	if gen != nil && metric != bench.MetricAllocPeak {
		return usagef("--memory-metric: --objective %s measures %s only (which holds the KV cache)", objective, bench.MetricAllocPeak)
	}
	// A fleet run's --threads reaches the workers as given (0 when not given: each
	// worker uses all of its cores), each cutting it to its own CPUs.
	proto, err := runProtocol(c, gen != nil, fo != nil)
	if err != nil {
		return err
	}
	if s.ModelType().Positions && proto.SeqLen > s.TgtLen {
		// Every GPT-2 of the space has tgt_len learned positions: longer sequences
		// cannot run, and silently shortening them would misstate the protocol.
		return usagef("--seq-len: %d is longer than the space's tgt_len (GPT-2 positions) %d", proto.SeqLen, s.TgtLen)
	}
	// Everything a run needs is checked before anything is measured; one process at a
	// time writes a run directory (results.LockRun).
	resume := c.Bool("resume")
	var prior *results.RunInfo
	if resume {
		prior, err = results.ReadRunInfo(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return usagef("--resume: %s has no %s: there is no run to continue there (start one without --resume)", dir, results.RunFile)
		}
		if err != nil {
			return fmt.Errorf("--resume: %w", err)
		}
		lock, err := results.LockRun(dir)
		if err != nil {
			return err
		}
		defer lock.Unlock()
		if err := search.CheckResume(prior, cfg); err != nil {
			return usagef("%s: %v", filepath.Join(dir, results.RunFile), err)
		}
		if err := checkFleetResume(dir, fo); err != nil {
			return err
		}
		if proto, metric, dev, err = resumeSettings(c, dir, prior, proto, metric, dev); err != nil {
			return err
		}
		if objective, gen, err = resumeObjective(c, dir, prior, objective, gen); err != nil {
			return err
		}
	} else if _, err := os.Stat(filepath.Join(dir, results.ArchiveFile)); err == nil {
		return fmt.Errorf("--out: %s already holds a run; continue it with --resume or choose another DIR", dir)
	}

	if err := checkPositions(s, objective, gen); err != nil {
		return err
	}

	// A fleet run measures in its workers (their class's fingerprint keeps the
	// archive on one kind of device), not with a backend of its own.
	var be backend.Backend
	if fo == nil {
		if be, err = backend.Open(dev, backendOptions(proto)); err != nil {
			return err
		}
		defer be.Close()
	}

	if resume && fo == nil {
		if err := sameMachine(dir, prior.Environment, bench.CaptureEnvironment(proto.Threads, be)); err != nil {
			return err
		}
	} else if !resume {
		// The directory is made once the device is known to work, and locked before
		// anything is written; the check for a run already there is repeated under the
		// lock (another process may have started one meanwhile).
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		lock, err := results.LockRun(dir)
		if err != nil {
			return err
		}
		defer lock.Unlock()
		if _, err := os.Stat(filepath.Join(dir, results.ArchiveFile)); err == nil {
			return fmt.Errorf("--out: %s already holds a run; continue it with --resume or choose another DIR", dir)
		}
		ri, err := cfg.RunInfo()
		if err != nil {
			return err
		}
		ri.Command = commandLine(c)
		ri.Device = dev.String()
		ri.MemoryMetric = metric
		ri.Protocol = proto
		ri.Objective, ri.Generation = objective, gen
		ri.Environment = bench.CaptureEnvironment(proto.Threads, be)
		ri.Started = time.Now().UTC().Format(time.RFC3339)
		if err := results.WriteRunInfo(dir, &ri); err != nil {
			return err
		}
	}

	fmt.Fprintf(e.stderr, "searching %s on %s: %s, %d iterations, up to %d architectures, into %s\n",
		s.Backbone, dev, cfg.Algorithm, cfg.Iterations, cfg.Budget(), dir)
	if gen != nil {
		fmt.Fprintf(e.stderr, "objective: %s\n", objectiveLabel(objective, gen))
	}
	if !resume && !c.IsSet("budget") {
		// The paper's search measures thousands of architectures: say what that costs
		// before it starts. Each measurement takes at least its warm-up and min-time.
		per := proto.MinTimeS
		fmt.Fprintf(e.stderr, "the paper's budget: up to %d architectures at %.0f s or more each (the protocol's --min-time, plus warm-up and set-up) is %s or more; --budget quick searches %d architectures in a few minutes\n",
			cfg.Budget(), per, time.Duration(float64(cfg.Budget())*per*float64(time.Second)).Round(time.Minute), quickArchitectures(s))
	}
	var m search.Measurer = &benchMeasurer{be: be, proto: proto, gen: gen, seed: cfg.Seed, metric: metric}
	var fg *fleetGenerations
	if fo != nil {
		fr, err := startFleet(e.ctx, e.stderr, dir, fo, dev, resume)
		if err != nil {
			return err
		}
		defer fr.close()
		fg = newFleetGenerations(fr, fo, proto, gen, cfg.Seed, metric, dir, e.stderr)
		m = fg
	}
	prog := progress.New(e.stderr, cfg.Budget())
	store, err := results.OpenStore(dir, resume)
	if err != nil {
		return err
	}
	defer store.Close()
	out, runErr := search.Run(e.ctx, cfg, m, store, prog)
	if out == nil {
		return runErr
	}
	if runErr == nil && fo == nil {
		runErr = confirmAfterRun(c, dir, out, cfg, m)
	} else if runErr == nil && (!c.IsSet("confirm-rounds") || c.Uint("confirm-rounds") > 0) {
		fmt.Fprintln(e.stderr, "a fleet run does not confirm its front (the confirmation rounds measure on one device, interleaved)")
	}

	// Whatever happened, show the front of what was measured.
	run, err := results.LoadRun(dir)
	if err != nil {
		return errors.Join(runErr, err)
	}
	if err := results.WriteReport(e.stdout, results.FormatTable, []*results.Run{run}); err != nil {
		return errors.Join(runErr, err)
	}
	if runErr == nil && fo != nil && len(fo.also) > 0 {
		runErr = alsoMeasure(e.ctx, e.stdout, dir, fg, fo.also, out.Front)
	}
	if runErr == nil && fg != nil {
		runErr = fg.coord.Finish(e.ctx)
	}
	if p := c.String("plot"); p != "" {
		if err := results.WritePlot(p, []*results.Run{run}); err != nil {
			return errors.Join(runErr, fmt.Errorf("--plot: %w", err))
		}
		fmt.Fprintf(e.stderr, "plot written to %s\n", p)
	}
	// The front as reported (after confirmation, when there was one), not the search's.
	fmt.Fprintf(e.stderr, "%d measured (%d infeasible), front of %d; files in %s\n",
		len(out.Records), out.Infeasible, len(run.Front), dir)
	return runErr
}

// commandLine is the invocation as the flags were given, for run.json.
func commandLine(c *cli.Context) []string {
	cmd := []string{"ltsbench", "run"}
	for _, name := range c.LocalFlagNames() {
		cmd = append(cmd, fmt.Sprintf("--%s=%s", name, c.Value(name)))
	}
	return cmd
}

// quickSearch sets the search sizes of --budget quick.
func quickSearch(cfg *search.Config) {
	q := quickBudget
	cfg.Iterations, cfg.Population = q.iterations, q.population
	cfg.Parents, cfg.Mutations, cfg.Crossovers = q.parents, q.mutations, q.crossovers
}

// quickArchitectures is how many architectures --budget quick measures.
func quickArchitectures(s *space.Space) int {
	cfg := search.PaperConfig(s)
	quickSearch(&cfg)
	return cfg.Budget()
}

// resumeSettings returns the protocol, memory metric and device of the run being
// resumed (run.json's): a flag not given takes the run's value, and a flag given with
// another value is refused, naming the field and both values, since an archive whose
// records were measured two ways cannot be compared.
func resumeSettings(c *cli.Context, dir string, ri *results.RunInfo, proto bench.Protocol, metric string, dev backend.Device) (bench.Protocol, string, backend.Device, error) {
	old := ri.Protocol
	type field struct {
		flag, name string
		was, now   any
	}
	fields := []field{
		{"device", "device", ri.Device, dev.String()},
		{"memory-metric", "memory_metric", ri.MemoryMetric, metric},
		{"batch", "batch", old.Batch, proto.Batch},
		{"seq-len", "seq_len", old.SeqLen, proto.SeqLen},
		{"output", "output", old.Output, proto.Output},
		{"threads", "threads", old.Threads, proto.Threads},
		{"warmup", "warmup", old.Warmup, proto.Warmup},
		{"min-samples", "min_samples", old.MinSamples, proto.MinSamples},
		{"max-samples", "max_samples", old.MaxSamples, proto.MaxSamples},
		{"min-time", "min_time_s", old.MinTimeS, proto.MinTimeS},
		{"max-time", "max_time_s", old.MaxTimeS, proto.MaxTimeS},
		{"lts-compat", "lts_compat", old.LTSCompat, proto.LTSCompat},
		{"math", "tf32", old.TF32, proto.TF32},
		{"no-graph", "no_graph", old.NoGraph, proto.NoGraph},
	}
	// --budget quick sets the sampling flags it does not find.
	byBudget := map[string]bool{"seq-len": true, "warmup": true, "min-samples": true, "max-samples": true, "min-time": true, "max-time": true}
	for _, f := range fields {
		given := c.IsSet(f.flag) || (byBudget[f.flag] && c.IsSet("budget"))
		if given && fmt.Sprint(f.was) != fmt.Sprint(f.now) {
			return proto, metric, dev, usagef("--%s: the run in %s was measured with %s %v, not %v: resuming would mix two protocols in one archive (drop the flag, or start a new run)",
				f.flag, dir, f.name, f.was, f.now)
		}
	}
	d, err := backend.ParseDevice(ri.Device)
	if err != nil {
		return proto, metric, dev, fmt.Errorf("%s: device: %w", filepath.Join(dir, results.RunFile), err)
	}
	return old, ri.MemoryMetric, d, nil
}

// objectiveLabel says what a generation objective times: "decode at context 64", …
func objectiveLabel(obj string, gp *bench.GenerationProtocol) string {
	switch obj {
	case results.ObjectivePrefill:
		return fmt.Sprintf("prefill of %d tokens", gp.PromptLen)
	case results.ObjectiveDecode:
		return fmt.Sprintf("decode at context %d", gp.Context)
	}
	return fmt.Sprintf("generate (prefill %d + %d new tokens, per-token latency)", gp.PromptLen, gp.NewTokens)
}

// resumeObjective returns the objective and generation lengths of the run being
// resumed (run.json's; latency in a run.json from before the objective): a flag
// given with another value is refused, naming the field and both values.
func resumeObjective(c *cli.Context, dir string, ri *results.RunInfo, obj string, gp *bench.GenerationProtocol) (string, *bench.GenerationProtocol, error) {
	var was, now bench.GenerationProtocol
	if ri.Generation != nil {
		was = *ri.Generation
	}
	if gp != nil {
		now = *gp
	}
	for _, f := range []struct {
		flag, name string
		was, now   any
	}{
		{"objective", "objective", ri.ObjectiveOf(), obj},
		{"prompt-len", "prompt_len", was.PromptLen, now.PromptLen},
		{"context", "context", was.Context, now.Context},
		{"new-tokens", "new_tokens", was.NewTokens, now.NewTokens},
	} {
		// --budget quick sets the lengths it does not find.
		given := c.IsSet(f.flag) || (f.flag != "objective" && c.IsSet("budget"))
		if given && fmt.Sprint(f.was) != fmt.Sprint(f.now) {
			return obj, gp, usagef("--%s: the run in %s was measured with %s %v, not %v: resuming would mix two objectives in one archive (drop the flag, or start a new run)",
				f.flag, dir, f.name, f.was, f.now)
		}
	}
	return ri.ObjectiveOf(), ri.Generation, nil
}

// sameMachine refuses to resume a run on another CPU or GPU, or with another CPU
// kernel: its latencies would not compare with the archive's.
func sameMachine(dir string, was, now bench.Environment) error {
	gpu := func(e bench.Environment) string {
		if e.GPU == nil {
			return ""
		}
		return e.GPU.Name
	}
	for _, f := range []struct{ name, was, now string }{
		{"cpu_model", was.CPUModel, now.CPUModel},
		{"cpu_kernel", was.CPUKernel, now.CPUKernel},
		{"gpu", gpu(was), gpu(now)},
	} {
		if f.was != "" && f.was != f.now { // "" : a run.json from before the field existed
			return usagef("--resume: the run in %s was measured with %s %q, this machine has %q: its latencies would not compare (start a new run)", dir, f.name, f.was, f.now)
		}
	}
	return nil
}
