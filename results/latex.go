package results

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"text/template"
)

// latexLongRows is the front size above which a table becomes a longtable that breaks
// across pages instead of a float that cannot fit one.
const latexLongRows = 40

// latexTmpl renders per run a table that fits a page: a short model id (M1…Mn in front
// order), the key dimensions (layers, d_model, heads and d_inner as min–max over the
// layers), decoder parameters, latency and memory; then an appendix table that gives
// each id's full architecture. A front of more than latexLongRows models is a longtable.
var latexTmpl = template.Must(template.New("latex").Funcs(template.FuncMap{
	// col is the columns of class i in the device table: 3-4, 5-6, …
	"col": func(i int, _ string) string { return fmt.Sprintf("%d-%d", 3+2*i, 4+2*i) },
}).Parse(
	`% Pareto fronts written by ltsbench report. Needs \usepackage{booktabs} (and longtable
% for fronts of more than 40 models). Model ids M1...Mn are in front order; the appendix
% tables give each id's full architecture.
{{range .}}{{if .Long}}
\begin{small}
\begin{longtable}{lrrrrrrr}
\caption{ {{- .Caption -}} }
\label{ {{- .Label -}} } \\
\toprule
Model & $L$ & $d_{\mathrm{model}}$ & Heads & $d_{\mathrm{inner}}$ & {{.Params}} & {{.Latency}} & {{.Memory}} \\
\midrule
\endfirsthead
\toprule
Model & $L$ & $d_{\mathrm{model}}$ & Heads & $d_{\mathrm{inner}}$ & {{.Params}} & {{.Latency}} & {{.Memory}} \\
\midrule
\endhead
{{range .Rows}}{{.ID}} & {{.L}} & {{.DModel}} & {{.Heads}} & {{.DInner}} & {{.DecoderM}} & {{.Latency}} & {{.MemoryMiB}} \\
{{end}}\bottomrule
\end{longtable}
\end{small}
{{else}}
\begin{table}[t]
\centering
\caption{ {{- .Caption -}} }
\label{ {{- .Label -}} }
\small
\begin{tabular}{lrrrrrrr}
\toprule
Model & $L$ & $d_{\mathrm{model}}$ & Heads & $d_{\mathrm{inner}}$ & {{.Params}} & {{.Latency}} & {{.Memory}} \\
\midrule
{{range .Rows}}{{.ID}} & {{.L}} & {{.DModel}} & {{.Heads}} & {{.DInner}} & {{.DecoderM}} & {{.Latency}} & {{.MemoryMiB}} \\
{{else}}\multicolumn{8}{c}{\emph{No architecture on the front.}} \\
{{end}}\bottomrule
\end{tabular}
\end{table}
{{end}}{{with .Devices}}
\begin{table}[t]
\centering
\caption{ {{- .Caption -}} }
\label{ {{- .Label -}} }
\small
\begin{tabular}{rr{{range .Classes}}rr{{end}}}
\toprule
 & {{range .Classes}} & \multicolumn{2}{c}{ {{- . -}} }{{end}} \\
{{range $i, $c := .Classes}}\cmidrule(lr){ {{- $c | col $i -}} }{{end}}
\# & Decoder params{{range .Classes}} & ms & MiB{{end}} \\
\midrule
{{range .Rows}}{{range $j, $c := .}}{{if $j}} & {{end}}{{$c}}{{end}} \\
{{end}}\bottomrule
\end{tabular}
\end{table}
{{end}}{{end}}{{range .}}{{if .Rows}}
% Appendix: the full architectures of the models in table \ref{ {{- .Label -}} }.
\begin{small}
\begin{longtable}{ll}
\caption{Architectures of the models in Table~\ref{ {{- .Label -}} }: layers $L$, $d_{\mathrm{model}}$, heads and $d_{\mathrm{inner}}$ per layer.}
\label{ {{- .Label -}} -arch} \\
\toprule
Model & Architecture \\
\midrule
\endhead
{{range .Rows}}{{.ID}} & \texttt{ {{- .Summary -}} } \\
{{end}}\bottomrule
\end{longtable}
\end{small}
{{end}}{{end}}`))

// latexTable is one run's table as the LaTeX template fills it in.
type latexTable struct {
	Caption, Label          string
	Params, Latency, Memory string // column headers
	Long                    bool
	Rows                    []latexRow
	Devices                 *latexDevices // nil for a run without devices.jsonl
}

// latexDevices is a run's front on other device classes as a table of its own, the
// Kendall τ of each pair of classes in its caption.
type latexDevices struct {
	Caption, Label string
	Classes        []string
	Rows           [][]string
}

// latexRow is one front model: its id, key dimensions, numbers and full summary.
type latexRow struct {
	ID, L, DModel, Heads, DInner, DecoderM, Latency, MemoryMiB, Summary string
}

// WriteLaTeX prints each run's front as a booktabs table (a longtable for a front of
// more than latexLongRows models) with a caption that states the device and protocol,
// then an appendix table per run with the full architectures.
func WriteLaTeX(w io.Writer, runs []*Run) error {
	st := captionStyle{times: `$\times$`, dash: "--", esc: LaTeXEscape, code: func(s string) string { return `\texttt{` + LaTeXEscape(s) + `}` }}
	texts := textTables(runs, st, LaTeXEscape)
	tables := make([]latexTable, len(runs))
	for i, r := range runs {
		t := texts[i]
		lt := latexTable{Caption: t.Caption, Label: t.Label, Params: t.Header[1], Latency: t.Header[3], Memory: t.Header[4], Long: len(t.Rows) > latexLongRows}
		for j, rw := range t.Rows {
			a := r.Front[j].Arch
			lt.Rows = append(lt.Rows, latexRow{
				ID: fmt.Sprintf("M%d", j+1), L: fmt.Sprint(a.NLayer), DModel: fmt.Sprint(a.DModel),
				Heads: span(a.NHead[:min(a.NLayer, len(a.NHead))]), DInner: span(a.DInner[:min(a.NLayer, len(a.DInner))]),
				DecoderM: rw.DecoderM, Latency: rw.Latency, MemoryMiB: rw.MemoryMiB, Summary: rw.Summary,
			})
		}
		lt.Devices = latexDevicesOf(r, t, st)
		tables[i] = lt
	}
	return latexTmpl.Execute(w, tables)
}

// latexDevicesOf is r's device table (the cells of WriteDeviceTable, "--" where an
// architecture could not run) under a caption that also gives the τ of each pair of
// classes; nil when r has none.
func latexDevicesOf(r *Run, t textTable, st captionStyle) *latexDevices {
	if t.Devices == nil {
		return nil
	}
	d := &latexDevices{Label: t.Label + "-devices", Rows: t.Devices.Rows}
	for _, c := range r.DeviceClasses {
		d.Classes = append(d.Classes, LaTeXEscape(c))
	}
	for _, row := range d.Rows {
		for j, c := range row {
			if c == "-" {
				row[j] = "--"
			}
		}
	}
	var taus []string
	for _, tau := range DeviceTaus(r.Devices, r.DeviceClasses) {
		v := "n/a"
		if !math.IsNaN(tau.Tau) {
			v = fmt.Sprintf("$%.3f$", tau.Tau)
		}
		taus = append(taus, fmt.Sprintf("%s vs %s %s over %s", LaTeXEscape(tau.A), LaTeXEscape(tau.B), v, plural(tau.N, "architecture")))
	}
	sentence := "Kendall's $\\tau$ of latency: " + strings.Join(taus, "; ") + "."
	if len(taus) == 0 {
		sentence = "" // one class: nothing to compare
	}
	d.Caption = devicesCaption(r, st, sentence)
	return d
}

// span summarises per-layer values as "v" when all are equal and "min--max" otherwise.
func span(v []int) string {
	if len(v) == 0 {
		return "--"
	}
	lo, hi := slices.Min(v), slices.Max(v)
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d--%d", lo, hi)
}

// LaTeXEscape makes text safe in LaTeX's text mode: the ten special characters become
// commands that print them.
var LaTeXEscape = strings.NewReplacer(
	`\`, `\textbackslash{}`, "{", `\{`, "}", `\}`, "$", `\$`, "&", `\&`, "#", `\#`,
	"%", `\%`, "_", `\_`, "^", `\textasciicircum{}`, "~", `\textasciitilde{}`,
).Replace

var nonLabel = regexp.MustCompile(`[^a-zA-Z0-9]+`)

// latexLabel is a \label for a run's table: "tab:pareto-cuda-0".
func latexLabel(r *Run) string {
	return "tab:pareto-" + strings.Trim(nonLabel.ReplaceAllString(strings.ToLower(r.Info.Device), "-"), "-")
}
