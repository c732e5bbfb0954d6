package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/internal/progress"
	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/search"
	"github.com/ltsbench/ltsbench/space"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "run",
		Usage:     "search a space for the Pareto front of decoder params, latency and memory on a device",
		UsageText: "ltsbench run [--device D] --space gpt2|transformer_xl --out DIR [--budget quick|paper] [--iterations N --population N … --seed S] [--resume]",
		Description: "LTS's evolutionary search: every candidate is checked against the space before it is\n" +
			"measured, then built and timed on the device; the Pareto front of (decoder params ↑,\n" +
			"latency ↓, memory ↓) over everything measured so far is printed at the end.\n\n" +
			"DIR/run.json holds the settings and the environment, DIR/archive.jsonl one line per\n" +
			"measured architecture (written the moment it is measured), DIR/pareto.jsonl the front\n" +
			"(rewritten each iteration). A killed run continues with --resume, measuring nothing twice.\n\n" +
			"--budget paper is the paper's search (population 100 = 20 parents + 40 mutations + 40\n" +
			"crossovers, 30 iterations); --budget quick takes about a minute on two cores\n" +
			"(population 20 = 4 + 8 + 8, 4 iterations, 64 tokens, 3 samples). Explicit flags override the budget.",
		Flags:  append(append(append(runFlags(), spaceFlags()...), protocolFlags()...), confirmFlags()...),
		Action: runAction,
	})
}

func runFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "device", Value: "cpu", Usage: "where to measure: cpu or cuda:N"},
		&cli.StringFlag{Name: "out", Usage: "run `DIR` (created if missing)"},
		&cli.StringFlag{Name: "budget", Value: "paper", Usage: "search size: paper or quick"},
		&cli.StringFlag{Name: "algorithm", Value: search.Evolution, Usage: "evolution (LTS) or random (the same budget of random samples)"},
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
		&cli.BoolFlag{Name: "resume", Usage: "continue the run in DIR from its archive"},
		&cli.StringFlag{Name: "plot", Usage: "also draw the front into `FILE` (.svg, .png or .pdf)"},
	}
}

// quickBudget is --budget quick: a search that finishes in about a minute on two cores.
var quickBudget = struct {
	iterations, population, parents, mutations, crossovers int
	seqLen, warmup, minSamples, maxSamples                 int
	minTime, maxTime                                       time.Duration
}{4, 20, 4, 8, 8, 64, 1, 3, 10, 0, 5 * time.Second}

// runConfig reads the search settings: the budget's, then the explicit flags.
func runConfig(c *cli.Context, s *space.Space) (search.Config, error) {
	cfg := search.PaperConfig(s)
	switch c.String("budget") {
	case "paper":
	case "quick":
		q := quickBudget
		cfg.Iterations, cfg.Population = q.iterations, q.population
		cfg.Parents, cfg.Mutations, cfg.Crossovers = q.parents, q.mutations, q.crossovers
	default:
		return cfg, usagef("--budget: %q is not paper or quick", c.String("budget"))
	}
	switch a := c.String("algorithm"); a {
	case search.Evolution, search.Random:
		cfg.Algorithm = a
	default:
		return cfg, usagef("--algorithm: %q is not evolution or random", a)
	}
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
	if cfg.MaxLatencyMS < 0 {
		return cfg, usagef("--max-latency-ms: want ≥ 0, got %g", cfg.MaxLatencyMS)
	}
	maxMB := c.Float64("max-memory-mb")
	if maxMB < 0 {
		return cfg, usagef("--max-memory-mb: want ≥ 0, got %g", maxMB)
	}
	cfg.MaxMemoryBytes = int64(maxMB * results.BytesPerMB)
	if err := cfg.Validate(); err != nil {
		return cfg, usagef("%v", err)
	}
	return cfg, nil
}

// runProtocol reads the protocol flags, with the quick budget's defaults where a flag
// is not given.
func runProtocol(c *cli.Context) (bench.Protocol, error) {
	p, err := measureProtocol(c)
	if err != nil || c.String("budget") != "quick" || p.LTSCompat {
		return p, err
	}
	q := quickBudget
	set := func(flag string, apply func()) {
		if !c.IsSet(flag) {
			apply()
		}
	}
	set("seq-len", func() { p.SeqLen = q.seqLen })
	set("warmup", func() { p.Warmup = q.warmup })
	set("min-samples", func() { p.MinSamples = q.minSamples })
	set("max-samples", func() { p.MaxSamples = q.maxSamples })
	set("min-time", func() { p.MinTimeS = q.minTime.Seconds() })
	set("max-time", func() { p.MaxTimeS = q.maxTime.Seconds() })
	if err := p.Validate(); err != nil {
		return p, usagef("%v", err)
	}
	return p, nil
}

// benchMeasurer measures architectures for the search with bench.Measure.
type benchMeasurer struct {
	be     backend.Backend
	proto  bench.Protocol
	seed   uint64
	metric string
}

func (m *benchMeasurer) Measure(ctx context.Context, a *space.Arch) (*search.Measurement, error) {
	res, err := bench.Measure(ctx, m.be, a, m.proto, m.seed)
	if err != nil {
		return nil, err
	}
	mem, err := res.MemoryBytes(m.metric)
	if err != nil {
		return nil, err
	}
	return &search.Measurement{LatencyMS: res.LatencyMS(), MemoryBytes: mem, Result: res}, nil
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
	if err != nil {
		return usagef("--memory-metric: %v", err)
	}
	s, err := spaceFromFlags(c)
	if err != nil {
		return err
	}
	cfg, err := runConfig(c, s)
	if err != nil {
		return err
	}
	proto, err := runProtocol(c)
	if err != nil {
		return err
	}
	if s.Backbone == space.GPT2 && proto.SeqLen > s.TgtLen {
		// Every GPT-2 of the space has tgt_len learned positions: longer sequences
		// cannot run, and silently shortening them would misstate the protocol.
		return usagef("--seq-len: %d is longer than the space's tgt_len (GPT-2 positions) %d", proto.SeqLen, s.TgtLen)
	}
	resume := c.Bool("resume")
	if resume {
		if err := search.CheckResume(dir, cfg); err != nil {
			return err
		}
	} else if _, err := os.Stat(filepath.Join(dir, results.ArchiveFile)); err == nil {
		return fmt.Errorf("--out: %s already holds a run; continue it with --resume or choose another DIR", dir)
	}

	be, err := backend.Open(dev, backend.Options{Threads: proto.Threads, TF32: proto.TF32, NoGraph: proto.NoGraph})
	if err != nil {
		return err
	}
	defer be.Close()

	if !resume {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		ri := cfg.RunInfo()
		ri.Command = commandLine(c)
		ri.Device = dev.String()
		ri.MemoryMetric = metric
		ri.Protocol = proto
		ri.Environment = bench.CaptureEnvironment(proto.Threads, be)
		ri.Started = time.Now().UTC().Format(time.RFC3339)
		if err := results.WriteRunInfo(dir, &ri); err != nil {
			return err
		}
	}

	fmt.Fprintf(e.stderr, "searching %s on %s: %s, %d iterations, up to %d architectures, into %s\n",
		s.Backbone, dev, cfg.Algorithm, cfg.Iterations, cfg.Budget(), dir)
	prog := progress.New(e.stderr, cfg.Budget())
	m := &benchMeasurer{be: be, proto: proto, seed: cfg.Seed, metric: metric}
	out, runErr := search.Run(e.ctx, cfg, m, dir, resume, prog)
	if out == nil {
		return runErr
	}
	if runErr == nil {
		runErr = confirmAfterRun(c, dir, out, cfg, m)
	}

	// Whatever happened, show the front of what was measured.
	run, err := results.LoadRun(dir)
	if err != nil {
		return errors.Join(runErr, err)
	}
	if err := results.WriteReport(e.stdout, results.FormatTable, []*results.Run{run}); err != nil {
		return errors.Join(runErr, err)
	}
	if p := c.String("plot"); p != "" {
		if err := results.WritePlot(p, []*results.Run{run}); err != nil {
			return errors.Join(runErr, fmt.Errorf("--plot: %w", err))
		}
		fmt.Fprintf(e.stderr, "plot written to %s\n", p)
	}
	fmt.Fprintf(e.stderr, "%d measured (%d infeasible), front of %d; files in %s\n",
		len(out.Records), out.Infeasible, len(out.Front), dir)
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
