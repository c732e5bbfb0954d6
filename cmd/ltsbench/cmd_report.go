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
	format, plot := c.String("format"), c.String("plot")
	// urfave/cli stops at the first argument; `report DIR --format csv` is the natural
	// order, so flags among the directories are read here.
	var dirs []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			dirs = append(dirs, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			dirs = append(dirs, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			return cli.ShowSubcommandHelp(c)
		}
		if name != "format" && name != "plot" {
			return usagef("report: flag provided but not defined: %s", a)
		}
		if !hasVal {
			if i+1 == len(args) {
				return usagef("report: --%s needs a value", name)
			}
			i++
			val = args[i]
		}
		if name == "format" {
			format = val
		} else {
			plot = val
		}
	}
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
