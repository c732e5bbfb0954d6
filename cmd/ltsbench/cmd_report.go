package main

import (
	"fmt"
	"strings"

	"github.com/ltsbench/ltsbench/results"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "report",
		Usage:     "print the Pareto front of run directories as a table, Markdown, LaTeX, CSV, JSON or Go benchmark format, and plot it",
		ArgsUsage: "DIR...",
		UsageText: "ltsbench report DIR... [--format table|markdown|latex|csv|json|benchfmt] [--plot FILE.svg|.png|.pdf]",
		Description: "Reads each run directory written by `ltsbench run` (run.json, archive.jsonl) and prints\n" +
			"its Pareto front (decoder parameters ↑, latency ↓, memory ↓), recomputed from the archive,\n" +
			"one table per directory with the device and protocol in its caption. Give one directory\n" +
			"per device to compare devices; benchfmt output compares with benchstat -col device.\n" +
			"--plot draws decoder parameters against latency and memory, one row per directory.\n" +
			"Flags may come before or after the directories.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: string(results.FormatTable), Usage: "output: " + formatChoices()},
			&cli.StringFlag{Name: "plot", Usage: "also draw the fronts to `FILE` (.svg, .png or .pdf)"},
		},
		Action: reportAction,
	})
}

func formatChoices() string {
	names := make([]string, len(results.Formats))
	for i, f := range results.Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

func reportAction(c *cli.Context) error {
	e := envOf(c)
	// Flags may follow the directories: `report DIR --format csv` is the natural order.
	dirs, vals, err := trailingFlags(c, "format", "plot")
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
	runs := make([]*results.Run, 0, len(dirs))
	for _, d := range dirs {
		r, err := results.LoadRun(d)
		if err != nil {
			return fmt.Errorf("report: %w", err)
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
