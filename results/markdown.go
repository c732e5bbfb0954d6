package results

import (
	"io"
	"strconv"
	"strings"
	"text/template"
)

// markdownTmpl renders one run: the caption as a bold-labelled paragraph, then a GitHub
// table with the architecture left-aligned and the numbers right-aligned; then, for a
// run that measured its front on other device classes, their table and the Kendall τ
// of each pair of classes as a list.
var markdownTmpl = template.Must(template.New("markdown").Parse(
	`{{range $i, $t := .}}{{if $i}}
{{end}}**Table {{$t.Number}}.** {{$t.Caption}}

{{if $t.Rows}}| {{range $j, $h := $t.Header}}{{if $j}} | {{end}}{{$h}}{{end}} |
|:--{{range $j, $h := $t.Header}}{{if $j}}|--:{{end}}{{end}}|
{{range $t.Rows}}|{{range $j, $c := .Cells}} {{if $j}}{{$c}}{{else}}` + "`{{$c}}`" + `{{end}} |{{end}}
{{end}}{{else}}_No architecture on the front._
{{end}}{{with $t.Devices}}
{{.Caption}}

| {{range $j, $h := .Header}}{{if $j}} | {{end}}{{$h}}{{end}} |
|{{range .Header}}--:|{{end}}
{{range .Rows}}|{{range .}} {{.}} |{{end}}
{{end}}{{if .Taus}}
{{range .Taus}}- {{.}}
{{end}}{{end}}{{end}}{{end}}`))

// textTable is what the Markdown and LaTeX templates fill in for one run.
type textTable struct {
	Number  int
	Caption string
	Label   string
	Header  []string
	Rows    []row
	Devices *textDevices // nil for a run without devices.jsonl
}

// textDevices is the front on other device classes as the text formats show it: the
// cells of WriteDeviceTable and its τ sentences, passed through the format's escaping.
type textDevices struct {
	Caption string
	Header  []string
	Rows    [][]string
	Taus    []string
}

// textDevicesOf fills r's device table, nil when r has none.
func textDevicesOf(r *Run, st captionStyle, cell func(string) string) *textDevices {
	if len(r.Devices) == 0 {
		return nil
	}
	esc := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = cell(s)
		}
		return out
	}
	d := &textDevices{Caption: devicesCaption(r, st, tausFollow(r)), Header: esc(deviceTableHeader(r.DeviceClasses))}
	for _, row := range deviceTableRows(r.Devices, r.DeviceClasses) {
		d.Rows = append(d.Rows, esc(row))
	}
	for _, line := range deviceTauLines(r.Devices, r.DeviceClasses) {
		d.Taus = append(d.Taus, st.esc(line))
	}
	return d
}

// textTables fills the tables of runs with captions in style st (whose dash also
// separates p10 and p90) and every cell passed through cell (the format's escaping).
func textTables(runs []*Run, st captionStyle, cell func(string) string) []textTable {
	tables := make([]textTable, len(runs))
	labels := map[string]int{}
	for i, r := range runs {
		t := textTable{Number: i + 1, Caption: caption(r, st), Label: latexLabel(r)}
		// Two runs on one device need two labels.
		if labels[t.Label]++; labels[t.Label] > 1 {
			t.Label += "-" + strconv.Itoa(labels[t.Label])
		}
		for _, h := range tableHeaderOf(r) {
			t.Header = append(t.Header, cell(h))
		}
		for _, rw := range rowsOf(r, st.dash) {
			extra := make([]string, len(rw.Extra))
			for k, x := range rw.Extra {
				extra[k] = cell(x)
			}
			t.Rows = append(t.Rows, row{cell(rw.Summary), cell(rw.DecoderM), cell(rw.TotalM), cell(rw.Latency), cell(rw.MemoryMiB), extra})
		}
		t.Devices = textDevicesOf(r, st, cell)
		tables[i] = t
	}
	return tables
}

// WriteMarkdown prints each run's front as a Markdown table after its caption.
func WriteMarkdown(w io.Writer, runs []*Run) error {
	st := captionStyle{times: "×", dash: "–", esc: markdownEscape, code: func(s string) string { return "`" + s + "`" }}
	// Summaries go in code spans, where only a backtick would need care and none occurs.
	return markdownTmpl.Execute(w, textTables(runs, st, markdownCell))
}

// markdownEscape keeps free text (a CPU or GPU name) from being read as markup.
var markdownEscape = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "|", `\|`, "#", `\#`,
).Replace

// markdownCell keeps a cell inside its column.
var markdownCell = strings.NewReplacer("|", `\|`, "\n", " ").Replace
