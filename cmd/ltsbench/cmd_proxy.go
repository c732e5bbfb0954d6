package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ltsbench/ltsbench/internal/inputfile"
	"github.com/ltsbench/ltsbench/proxy"
	"github.com/ltsbench/ltsbench/results"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "proxy",
		Usage:     "rank-correlate the cost proxies with the perplexity of trained models",
		UsageText: "ltsbench proxy FILE.jsonl... [--target valid_ppl] [--format table|markdown|latex|csv|json]",
		Description: "Reads trained models, one JSON object a line as in the LTS benchmark\n" +
			"({\"set\", \"backbone\", \"config\", \"ppl\": {...}}), computes for each the decoder params,\n" +
			"the total params and the FLOPs per token from its config, and prints Spearman's ρ and\n" +
			"Kendall's τ-b of each proxy against the target, one result per file. Negative values\n" +
			"mean: more of the proxy, lower perplexity. Where \"ppl\" is a single number (the\n" +
			"pareto_* sets) that number is the target.\n\n" +
			"The counts follow the architecture (GPT-2 formulas for GPT-2 models), not the counts\n" +
			"published with the data; random_GPT2_lm1b's published counts used the Transformer-XL\n" +
			"formulas. Flags may come before or after the files.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "target", Value: "valid_ppl", Usage: "the key of \"ppl\" to correlate with"},
			formatFlag("table", "markdown", "latex", "csv", "json"),
		},
		Action: proxyAction,
	})
}

func proxyAction(c *cli.Context) error {
	e := envOf(c)
	files, flags, err := trailingFlags(c, "format", "target")
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("proxy needs at least one FILE.jsonl of trained models")
	}
	format, err := checkFormat(flags["format"], "table", "markdown", "latex", "csv", "json")
	if err != nil {
		return err
	}
	target := flags["target"]
	if target == "" {
		return usagef("--target: empty")
	}
	var perSet [][]proxy.Result // per file, one per proxy
	for _, path := range files {
		st, err := proxyFile(path, target)
		if err != nil {
			return err
		}
		if st.Untrained > 0 {
			fmt.Fprintf(e.stderr, "%s: left out %d model(s) without \"ppl\" (not trained)\n", path, st.Untrained)
		}
		perSet = append(perSet, st.Results)
	}
	switch format {
	case "json":
		return writeJSON(e.stdout, slices.Concat(perSet...))
	case "csv":
		return writeProxyCSV(e.stdout, perSet)
	case "markdown":
		return writeProxyMarkdown(e.stdout, perSet)
	case "latex":
		return writeProxyLaTeX(e.stdout, perSet, target)
	}
	return writeProxyTable(e.stdout, perSet, target)
}

// proxyFile runs the study on one file; errors name the file (and the line).
func proxyFile(path, target string) (proxy.Study, error) {
	f, err := inputfile.Open(path, inputfile.MaxJSONLBytes)
	if err != nil {
		return proxy.Study{}, err
	}
	defer f.Close()
	st, err := proxy.Read(f, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), target)
	var mt *proxy.MissingTargetError
	if errors.As(err, &mt) {
		err = fmt.Errorf("%w; choose with --target", err)
	}
	var le *proxy.LineError
	if errors.As(err, &le) {
		return st, fmt.Errorf("%s:%w", path, err)
	}
	if err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// cell formats a correlation for the human formats; n/a where undefined.
func cell(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', 3, 64)
}

func writeProxyTable(w io.Writer, perSet [][]proxy.Result, target string) error {
	header := []string{"set", "n"}
	align := []tw.Align{tw.AlignLeft, tw.AlignRight}
	for _, p := range proxy.Proxies {
		header = append(header, p.Heading+" ρ", p.Heading+" τ")
		align = append(align, tw.AlignRight, tw.AlignRight)
	}
	var rows [][]string
	for _, rs := range perSet {
		row := []string{rs[0].Set, strconv.Itoa(rs[0].N)}
		for _, r := range rs {
			row = append(row, cell(r.Spearman), cell(r.Kendall))
		}
		rows = append(rows, row)
	}
	if err := renderTable(w, header, rows, align...); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "ρ Spearman, τ Kendall τ-b, against %s (or \"ppl\" where it is one number); negative: more of the proxy, lower perplexity.\n", target)
	return err
}

func writeProxyMarkdown(w io.Writer, perSet [][]proxy.Result) error {
	var b strings.Builder
	b.WriteString("| set | n |")
	for _, p := range proxy.Proxies {
		fmt.Fprintf(&b, " %s ρ | %s τ |", p.Heading, p.Heading)
	}
	b.WriteString("\n|:--|--:|" + strings.Repeat("--:|--:|", len(proxy.Proxies)) + "\n")
	for _, rs := range perSet {
		fmt.Fprintf(&b, "| %s | %d |", rs[0].Set, rs[0].N)
		for _, r := range rs {
			fmt.Fprintf(&b, " %s | %s |", cell(r.Spearman), cell(r.Kendall))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeProxyLaTeX writes a booktabs table body (tabular only: captions and floats are
// the paper's business).
func writeProxyLaTeX(w io.Writer, perSet [][]proxy.Result, target string) error {
	num := func(v *float64) string {
		if v == nil {
			return "--"
		}
		return "$" + strconv.FormatFloat(*v, 'f', 3, 64) + "$"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%% Rank correlation with %s: Spearman's rho, Kendall's tau-b.\n", results.LaTeXEscape(target))
	b.WriteString(`\begin{tabular}{lr` + strings.Repeat("rr", len(proxy.Proxies)) + "}\n\\toprule\n")
	b.WriteString("Set & $n$")
	for _, p := range proxy.Proxies {
		h := strings.ToUpper(p.Heading[:1]) + p.Heading[1:]
		fmt.Fprintf(&b, ` & \multicolumn{2}{c}{%s}`, h)
	}
	b.WriteString(" \\\\\n")
	for i := range proxy.Proxies {
		fmt.Fprintf(&b, `\cmidrule(lr){%d-%d}`, 3+2*i, 4+2*i)
	}
	b.WriteString("\n &")
	for range proxy.Proxies {
		b.WriteString(` & $\rho$ & $\tau$`)
	}
	b.WriteString(" \\\\\n\\midrule\n")
	for _, rs := range perSet {
		fmt.Fprintf(&b, "%s & %d", results.LaTeXEscape(rs[0].Set), rs[0].N)
		for _, r := range rs {
			fmt.Fprintf(&b, " & %s & %s", num(r.Spearman), num(r.Kendall))
		}
		b.WriteString(" \\\\\n")
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeProxyCSV writes one record per (set, proxy), full precision; empty where
// undefined.
func writeProxyCSV(w io.Writer, perSet [][]proxy.Result) error {
	cw := csv.NewWriter(w)
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'g', -1, 64)
	}
	cw.Write([]string{"set", "n", "proxy", "spearman", "kendall"})
	for _, rs := range perSet {
		for _, r := range rs {
			cw.Write([]string{r.Set, strconv.Itoa(r.N), r.Proxy, num(r.Spearman), num(r.Kendall)})
		}
	}
	cw.Flush()
	return cw.Error()
}
