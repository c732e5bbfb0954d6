package results

import (
	"io"
	"regexp"
	"strings"
	"text/template"
)

// latexTmpl renders one booktabs table environment per run. The summaries are set in
// \texttt and \small so that long heterogeneous layer lists fit a column.
var latexTmpl = template.Must(template.New("latex").Parse(
	`% Pareto fronts written by ltsbench report. Needs \usepackage{booktabs}.
{{range .}}
\begin{table}[t]
\centering
\caption{ {{- .Caption -}} }
\label{ {{- .Label -}} }
\small
\begin{tabular}{lrrrr}
\toprule
{{range $j, $h := .Header}}{{if $j}} & {{end}}{{$h}}{{end}} \\
\midrule
{{range .Rows}}\texttt{ {{- .Summary -}} } & {{.DecoderM}} & {{.TotalM}} & {{.Latency}} & {{.MemoryMiB}} \\
{{else}}\multicolumn{5}{c}{\emph{No architecture on the front.}} \\
{{end}}\bottomrule
\end{tabular}
\end{table}
{{end}}`))

// WriteLaTeX prints each run's front as a booktabs table with a caption that states the
// device and protocol.
func WriteLaTeX(w io.Writer, runs []*Run) error {
	st := captionStyle{times: `$\times$`, dash: "--", esc: LaTeXEscape, code: func(s string) string { return `\texttt{` + LaTeXEscape(s) + `}` }}
	return latexTmpl.Execute(w, textTables(runs, st, LaTeXEscape))
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
