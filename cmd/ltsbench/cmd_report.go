package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/search"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "report",
		Usage:     "print the Pareto front of run directories as a table, Markdown, LaTeX, CSV, JSON or Go benchmark format, and plot it",
		ArgsUsage: "DIR...",
		UsageText: "ltsbench report DIR... [--format table|markdown|latex|csv|json|benchfmt] [--plot FILE.svg|.png|.pdf] [--confirm [--confirm-rounds N] [--device D]]",
		Description: "Reads each run directory written by `ltsbench run` (run.json, archive.jsonl) and prints\n" +
			"its Pareto front (decoder parameters ↑, latency ↓, memory ↓), recomputed from the archive,\n" +
			"one table per directory with the device and protocol in its caption. Give one directory\n" +
			"per device to compare devices; benchfmt output compares with benchstat -table '' -col device.\n" +
			"--plot draws decoder parameters against latency and memory, one row per directory.\n" +
			"Where a run's front was confirmed (DIR/confirmed.jsonl), its confirmed latencies are used.\n" +
			"Where a run measured its front on other device classes (run --also-measure, DIR/devices.jsonl),\n" +
			"table, markdown and latex show their latency and memory and Kendall's τ between the classes\n" +
			"under the front, json adds \"devices\" and \"device_taus\", benchfmt a block per class (compare\n" +
			"with benchstat -table '' -col device); csv keeps the fronts alone.\n\n" +
			"--confirm first measures each run's front and its neighbourhood again on this machine,\n" +
			"--confirm-rounds times each in interleaved rounds under the run's protocol, and rewrites\n" +
			"DIR/confirmed.jsonl and DIR/pareto.jsonl (atomically) before reporting; --device must be\n" +
			"the run's device (the default).\n" +
			"Flags may come before or after the directories.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: string(results.FormatTable), Usage: "output: " + formatChoices()},
			&cli.StringFlag{Name: "plot", Usage: "also draw the fronts to `FILE` (.svg, .png or .pdf)"},
			&cli.BoolFlag{Name: "confirm", Usage: "measure each run's front and its neighbourhood again, in interleaved rounds, before reporting"},
			&cli.IntFlag{Name: "confirm-rounds", Value: defaultConfirmRounds, Usage: "with --confirm: measurements of each architecture"},
			&cli.StringFlag{Name: "device", Usage: "with --confirm: where to measure (default and only choice: the run's device)"},
		},
		Action: reportAction,
	})
}

// Confirmation sizes: rounds of the paper budget (and of report --confirm) and of the
// quick one, and the most architectures one confirmation measures.
const (
	defaultConfirmRounds = 5
	quickConfirmRounds   = 2
	maxConfirmArchs      = 64
	quickConfirmArchs    = 12
)

func formatChoices() string {
	names := make([]string, len(results.Formats))
	for i, f := range results.Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// reportArgs splits the arguments into directories and the flags given after them
// (the natural order: `report DIR --format csv`), over the values given before them.
func reportArgs(c *cli.Context) (dirs []string, vals map[string]string, confirm bool, err error) {
	valued := []string{"format", "plot", "confirm-rounds", "device"}
	vals = map[string]string{}
	for _, n := range valued {
		vals[n] = c.String(n)
	}
	vals["confirm-rounds"] = strconv.Itoa(c.Int("confirm-rounds"))
	confirm = c.Bool("confirm")
	in := c.Args().Slice()
	for i := 0; i < len(in); i++ {
		a := in[i]
		if a == "--" {
			return append(dirs, in[i+1:]...), vals, confirm, nil
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			dirs = append(dirs, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case name == "h" || name == "help":
			return nil, nil, false, cli.ShowSubcommandHelp(c)
		case name == "confirm":
			confirm = true
			if hasVal {
				if confirm, err = strconv.ParseBool(val); err != nil {
					return nil, nil, false, usagef("--confirm: %q is not true or false", val)
				}
			}
			continue
		case !slices.Contains(valued, name):
			return nil, nil, false, usagef("flag provided but not defined: %s", a)
		}
		if !hasVal {
			if i+1 == len(in) {
				return nil, nil, false, usagef("--%s needs a value", name)
			}
			i++
			val = in[i]
		}
		vals[name] = val
	}
	return dirs, vals, confirm, nil
}

func reportAction(c *cli.Context) error {
	e := envOf(c)
	dirs, vals, confirm, err := reportArgs(c)
	if err != nil || vals == nil { // vals is nil after -h printed the help
		return err
	}
	format, plot := vals["format"], vals["plot"]
	if len(dirs) == 0 {
		return usagef("report: give at least one run directory (ltsbench report DIR... [--format F] [--plot FILE])")
	}
	f, err := results.ParseFormat(format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if plot != "" {
		if err := results.CheckPlotPath(plot); err != nil {
			return usagef("--plot: %v", err)
		}
	}
	rounds, err := strconv.Atoi(vals["confirm-rounds"])
	if err != nil || rounds < 1 {
		return usagef("--confirm-rounds: want a whole number ≥ 1, got %q", vals["confirm-rounds"])
	}
	if !confirm && vals["device"] != "" {
		return usagef("--device: only used with --confirm (a report measures nothing otherwise)")
	}
	runs := make([]*results.Run, 0, len(dirs))
	for _, d := range dirs {
		r, err := results.LoadRun(d)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if confirm {
			if err := confirmRun(c, e.stderr, r, vals["device"], search.ConfirmOptions{Rounds: rounds, Margin: search.DefaultConfirmMargin, MaxArchs: maxConfirmArchs}); err != nil {
				return err
			}
			if r, err = results.LoadRun(d); err != nil {
				return fmt.Errorf("report: %w", err)
			}
		}
		for _, w := range r.Warnings {
			fmt.Fprintf(e.stderr, "ltsbench: warning: %s\n", w)
		}
		runs = append(runs, r)
	}
	// The plot first: a failure there leaves no half-told story on stdout.
	if plot != "" {
		if err := results.WritePlot(plot, runs); err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
	}
	return results.WriteReport(e.stdout, f, runs)
}

// confirmRun measures the front of r and its neighbourhood again on the run's device
// (device, when given, must name it) under the run's protocol, seed and memory
// metric, and rewrites DIR/confirmed.jsonl and DIR/pareto.jsonl.
func confirmRun(c *cli.Context, stderr io.Writer, r *results.Run, device string, opt search.ConfirmOptions) error {
	info := r.Info
	dev, err := backend.ParseDevice(info.Device)
	if err != nil {
		return fmt.Errorf("%s: run.json: device: %v", r.Dir, err)
	}
	if device != "" {
		want, err := backend.ParseDevice(device)
		if err != nil {
			return usagef("--device: %v", err)
		}
		if want.String() != dev.String() {
			return usagef("--device: %s is not the device the run in %s measured on (%s): confirmations compare only on the same device", want, r.Dir, dev)
		}
	}
	// A confirmation rewrites the run's files: no search may be writing them meanwhile.
	lock, err := results.LockRun(r.Dir)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	p := info.Protocol
	be, err := backend.Open(dev, backendOptions(p))
	if err != nil {
		return err
	}
	defer be.Close()
	m := &benchMeasurer{be: be, proto: p, gen: info.Generation, seed: info.Search.Seed, metric: info.MemoryMetric}
	return confirmFront(c, stderr, r.Dir, r.Archive, r.Strict(), r.Info.Bounds(), m, opt)
}

// confirmFront runs search.Confirm on a run directory and says on stderr what it
// found: how many architectures over how many rounds, and their run-to-run spread.
func confirmFront(c *cli.Context, stderr io.Writer, dir string, recs []results.Record, strict bool, bounds results.Bounds, m search.Measurer, opt search.ConfirmOptions) error {
	cands := search.Candidates(recs, strict, bounds, opt.Margin, opt.MaxArchs)
	if len(cands) == 0 {
		return nil
	}
	fmt.Fprintf(stderr, "confirming the front of %s: %d architectures (the front and those within %.0f %% of it), %d rounds each, interleaved\n",
		dir, len(cands), 100*opt.Margin, opt.Rounds)
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	out, err := search.Confirm(envOf(c).ctx, dir, recs, strict, bounds, m, opt, logf)
	if err != nil {
		return err
	}
	maxSpread := 0.0
	for _, cf := range out.Confirmations {
		maxSpread = max(maxSpread, cf.Spread)
	}
	if opt.Rounds > 1 {
		fmt.Fprintf(stderr, "confirmed %d architectures: round-to-round spread median %.1f %%, largest %.1f %%; front of %d",
			len(out.Confirmations), 100*out.MedianSpread, 100*maxSpread, len(out.Front))
	} else {
		fmt.Fprintf(stderr, "confirmed %d architectures (one round: no spread to tell); front of %d", len(out.Confirmations), len(out.Front))
	}
	if out.Unconfirmed > 0 {
		fmt.Fprintf(stderr, " (%d of them not re-measured: beyond the %d a confirmation takes, or on the front only with the confirmed latencies)", out.Unconfirmed, opt.MaxArchs)
	}
	if out.Failed > 0 {
		fmt.Fprintf(stderr, "; %d measurements failed", out.Failed)
	}
	fmt.Fprintln(stderr)
	return nil
}

// confirmFlags are the flags of `run` that size its confirmation phase.
func confirmFlags() []cli.Flag {
	return []cli.Flag{
		&cli.UintFlag{Name: "confirm-rounds", Usage: fmt.Sprintf("when the search ends, measure the front and its neighbourhood again this many times each, in interleaved rounds (0: off; default %d, quick budget %d)",
			defaultConfirmRounds, quickConfirmRounds)},
	}
}

// confirmAfterRun is the confirmation phase of `run`, after a search that completed:
// the front and its neighbourhood of out are measured again with m (see
// search.Confirm), --confirm-rounds times each (0: not at all), so that the front
// the run reports rests on repeated, comparable measurements.
func confirmAfterRun(c *cli.Context, dir string, out *search.Outcome, cfg search.Config, m search.Measurer) error {
	rounds, archs := defaultConfirmRounds, maxConfirmArchs
	if c.String("budget") == "quick" {
		rounds, archs = quickConfirmRounds, quickConfirmArchs
	}
	if c.IsSet("confirm-rounds") {
		rounds = int(min(c.Uint("confirm-rounds"), 1000))
	}
	if rounds == 0 || out == nil || out.Stopped {
		return nil
	}
	opt := search.ConfirmOptions{Rounds: rounds, Margin: search.DefaultConfirmMargin, MaxArchs: archs}
	return confirmFront(c, envOf(c).stderr, dir, out.Records, cfg.Strict, cfg.Bounds(), m, opt)
}
