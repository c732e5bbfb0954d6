package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ltsbench/ltsbench/internal/inputfile"
	"github.com/ltsbench/ltsbench/internal/stats"
	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
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

// proxyNames are the proxies, in output order, with their table headings.
var proxyNames = []struct{ key, heading string }{
	{"decoder_params", "decoder params"},
	{"total_params", "total params"},
	{"flops_per_token", "FLOPs"},
}

// proxyResult is one (file, proxy) result; --format json prints a list of them.
type proxyResult struct {
	Set      string   `json:"set"`
	N        int      `json:"n"`
	Proxy    string   `json:"proxy"`
	Spearman *float64 `json:"spearman"` // null where undefined (fewer than 2 models, constant data)
	Kendall  *float64 `json:"kendall"`
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
	var perSet [][]proxyResult // per file, one per proxy
	for _, path := range files {
		r, untrained, err := proxyFile(path, target)
		if err != nil {
			return err
		}
		if untrained > 0 {
			fmt.Fprintf(e.stderr, "%s: left out %d model(s) without \"ppl\" (not trained)\n", path, untrained)
		}
		perSet = append(perSet, r)
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

// proxyFile reads one file of models and correlates each proxy with the target over
// the trained ones; it also returns how many models had no "ppl" (left out).
func proxyFile(path, target string) (_ []proxyResult, untrained int, _ error) {
	f, err := inputfile.Open(path, inputfile.MaxJSONLBytes)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var proxies [3][]float64
	var y []float64
	sets := map[string]bool{}
	rd := bufio.NewReader(f)
	for line := 1; ; line++ {
		data, err := rd.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		if len(bytes.TrimSpace(data)) > 0 {
			a, v, set, perr := proxyRow(data, target)
			if errors.Is(perr, errUntrained) {
				untrained++
				continue
			}
			if perr != nil {
				return nil, 0, fmt.Errorf("%s:%d: %w", path, line, perr)
			}
			proxies[0] = append(proxies[0], float64(a.DecoderParams()))
			proxies[1] = append(proxies[1], float64(a.TotalParams()))
			proxies[2] = append(proxies[2], a.FLOPsPerToken())
			y = append(y, v)
			sets[set] = true
		}
		if err != nil {
			break
		}
	}
	if len(y) == 0 {
		return nil, 0, fmt.Errorf("%s: no trained models in the file", path)
	}
	// The set is what the rows say, else the file's name.
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if len(sets) == 1 && !sets[""] {
		name = slices.Collect(maps.Keys(sets))[0]
	}
	out := make([]proxyResult, len(proxyNames))
	for i, p := range proxyNames {
		out[i] = proxyResult{Set: name, N: len(y), Proxy: p.key,
			Spearman: finite(stats.Spearman(proxies[i], y)), Kendall: finite(stats.KendallTauB(proxies[i], y))}
	}
	return out, untrained, nil
}

// errUntrained marks a model without "ppl".
var errUntrained = errors.New(`no "ppl"`)

// proxyRow reads one model: its architecture, the target value and its set.
func proxyRow(data []byte, target string) (*space.Arch, float64, string, error) {
	var row struct {
		Set      string                     `json:"set"`
		Backbone string                     `json:"backbone"`
		Config   map[string]json.RawMessage `json:"config"`
		PPL      json.RawMessage            `json:"ppl"`
	}
	if err := json.Unmarshal(data, &row); err != nil {
		return nil, 0, "", fmt.Errorf("malformed JSON: %v", err)
	}
	if row.Config == nil {
		return nil, 0, "", errors.New(`no "config" object`)
	}
	// Benchmark rows carry the backbone next to the config.
	if _, ok := row.Config["backbone"]; !ok && row.Backbone != "" {
		row.Config["backbone"], _ = json.Marshal(row.Backbone)
	}
	cfg, _ := json.Marshal(row.Config)
	a, err := space.ParseArch(cfg)
	if err != nil {
		return nil, 0, "", fmt.Errorf("config: %w", err)
	}
	v, err := targetValue(row.PPL, target)
	if err != nil {
		return nil, 0, "", err
	}
	return a, v, row.Set, nil
}

// targetValue is ppl[target], or ppl itself where it is a single number.
func targetValue(ppl json.RawMessage, target string) (float64, error) {
	if len(ppl) == 0 || string(ppl) == "null" {
		return 0, errUntrained
	}
	var v float64
	if err := json.Unmarshal(ppl, &v); err == nil {
		return v, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(ppl, &m); err != nil {
		return 0, fmt.Errorf(`"ppl" is neither a number nor an object: %.40s`, ppl)
	}
	raw, ok := m[target]
	if !ok {
		return 0, fmt.Errorf(`"ppl" has no %q (it has %s); choose with --target`, target, strings.Join(slices.Sorted(maps.Keys(m)), ", "))
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, fmt.Errorf("ppl.%s: not a number: %.40s", target, raw)
	}
	return v, nil
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// cell formats a correlation for the human formats; n/a where undefined.
func cell(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', 3, 64)
}

func writeProxyTable(w io.Writer, perSet [][]proxyResult, target string) error {
	header := []string{"set", "n"}
	align := []tw.Align{tw.AlignLeft, tw.AlignRight}
	for _, p := range proxyNames {
		header = append(header, p.heading+" ρ", p.heading+" τ")
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

func writeProxyMarkdown(w io.Writer, perSet [][]proxyResult) error {
	var b strings.Builder
	b.WriteString("| set | n |")
	for _, p := range proxyNames {
		fmt.Fprintf(&b, " %s ρ | %s τ |", p.heading, p.heading)
	}
	b.WriteString("\n|:--|--:|" + strings.Repeat("--:|--:|", len(proxyNames)) + "\n")
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
func writeProxyLaTeX(w io.Writer, perSet [][]proxyResult, target string) error {
	num := func(v *float64) string {
		if v == nil {
			return "--"
		}
		return "$" + strconv.FormatFloat(*v, 'f', 3, 64) + "$"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%% Rank correlation with %s: Spearman's rho, Kendall's tau-b.\n", results.LaTeXEscape(target))
	b.WriteString(`\begin{tabular}{lr` + strings.Repeat("rr", len(proxyNames)) + "}\n\\toprule\n")
	b.WriteString("Set & $n$")
	for _, p := range proxyNames {
		h := strings.ToUpper(p.heading[:1]) + p.heading[1:]
		fmt.Fprintf(&b, ` & \multicolumn{2}{c}{%s}`, h)
	}
	b.WriteString(" \\\\\n")
	for i := range proxyNames {
		fmt.Fprintf(&b, `\cmidrule(lr){%d-%d}`, 3+2*i, 4+2*i)
	}
	b.WriteString("\n &")
	for range proxyNames {
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
func writeProxyCSV(w io.Writer, perSet [][]proxyResult) error {
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
