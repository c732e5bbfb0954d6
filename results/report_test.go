package results

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/internal/snapshot"
)

// goldenFiles maps each format to its golden file of the two fixture runs.
var goldenFiles = map[Format]string{
	FormatTable:    "report.txt",
	FormatMarkdown: "report.md",
	FormatLaTeX:    "report.tex",
	FormatCSV:      "report.csv",
	FormatJSON:     "report.json",
	FormatBenchfmt: "report.bench",
}

func TestGolden(t *testing.T) {
	runs := loadFixtures(t)
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteReport(&buf, f, runs); err != nil {
				t.Fatal(err)
			}
			snapshot.Check(t, filepath.Join("testdata", goldenFiles[f]), buf.Bytes())
		})
	}
}

func report(t *testing.T, f Format, runs []*Run) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteReport(&buf, f, runs); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestCSVIsRaw checks that the CSV holds the archive's numbers exactly.
func TestCSVIsRaw(t *testing.T) {
	runs := loadFixtures(t)
	rows, err := csv.NewReader(strings.NewReader(report(t, FormatCSV, runs))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], csvHeader) {
		t.Fatalf("header %v", rows[0])
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var want []*Record
	for _, r := range runs {
		for i := range r.Front {
			want = append(want, &r.Front[i])
		}
	}
	if len(rows)-1 != len(want) {
		t.Fatalf("%d data rows, want %d", len(rows)-1, len(want))
	}
	for i, rec := range want {
		row := rows[i+1]
		f := func(name string) float64 {
			v, err := strconv.ParseFloat(row[col[name]], 64)
			if err != nil {
				t.Fatalf("row %d %s: %v", i+1, name, err)
			}
			return v
		}
		st := rec.Result.Latency
		if row[col["key"]] != rec.Key || f("decoder_params") != float64(rec.DecoderParams) ||
			f("total_params") != float64(rec.Result.TotalParams) || f("latency_median_ms") != st.Median ||
			f("latency_p10_ms") != st.P10 || f("latency_p90_ms") != st.P90 || f("latency_std_ms") != st.Std ||
			f("latency_n") != float64(st.N) || f("memory_bytes") != float64(rec.MemoryBytes) ||
			f("alloc_peak_bytes") != float64(rec.Result.AllocPeakBytes) {
			t.Errorf("row %d does not hold record %s exactly: %v", i+1, rec.Key, row)
		}
	}
}

func TestJSONReport(t *testing.T) {
	runs := loadFixtures(t)
	var got []JSONRun
	if err := json.Unmarshal([]byte(report(t, FormatJSON, runs)), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Measured != 7 || got[0].Infeasible != 1 || got[1].Measured != 8 || got[1].Device != "cuda:0" {
		t.Fatalf("runs: %+v", got)
	}
	for i, r := range runs {
		var keys []string
		for _, row := range got[i].Front {
			keys = append(keys, row.Key)
			if row.Arch == nil || row.Arch.Key() != row.Key {
				t.Errorf("run %d row %s: arch does not match its key", i, row.Key)
			}
		}
		var want []string
		for j := range r.Front {
			want = append(want, r.Front[j].Key)
		}
		if !slices.Equal(keys, want) {
			t.Errorf("run %d front %v, want %v", i, keys, want)
		}
	}
}

// TestBenchfmtSyntax checks the output against the rules of the Go benchmark format
// (golang.org/design/14313-benchmark-format) and that every raw sample is there.
func TestBenchfmtSyntax(t *testing.T) {
	runs := loadFixtures(t)
	out := report(t, FormatBenchfmt, runs)
	samples := map[string][]float64{} // name → ns/op values
	config := map[string]string{}
	var units []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "Benchmark"):
			fields := strings.Fields(line)
			if len(fields) < 4 || len(fields)%2 != 0 {
				t.Fatalf("result line with %d fields: %s", len(fields), line)
			}
			if n, err := strconv.Atoi(fields[1]); err != nil || n != 1 {
				t.Errorf("iterations %q, want 1", fields[1])
			}
			for i := 2; i < len(fields); i += 2 {
				if _, err := strconv.ParseFloat(fields[i], 64); err != nil {
					t.Errorf("value %q: %v", fields[i], err)
				}
			}
			if fields[3] != "ns/op" {
				t.Errorf("first unit %q, want ns/op", fields[3])
			}
			v, _ := strconv.ParseFloat(fields[2], 64)
			// Names are per device: the -N suffix and the device config tell runs apart.
			samples[config["device"]+" "+fields[0]] = append(samples[config["device"]+" "+fields[0]], v)
		case strings.HasPrefix(line, "Unit "):
			units = append(units, line)
		default:
			key, val, ok := strings.Cut(line, ":")
			if !ok || key == "" || strings.ContainsFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsUpper(r) }) {
				t.Fatalf("neither a result nor a configuration line: %q", line)
			}
			if val != "" && val[0] != ' ' {
				t.Errorf("configuration line without a space after the colon: %q", line)
			}
			config[key] = strings.TrimSpace(val)
		}
	}
	total := 0
	for _, r := range runs {
		suffix := "-" + strconv.Itoa(r.threads())
		for i := range r.Front {
			rec := &r.Front[i]
			name := r.Info.Device + " BenchmarkForward/" + rec.Key + suffix
			got := samples[name]
			if len(got) != len(rec.Result.SamplesMS) {
				t.Fatalf("%s: %d lines, want one per sample (%d)", name, len(got), len(rec.Result.SamplesMS))
			}
			for j, ms := range rec.Result.SamplesMS {
				if math.Abs(got[j]-ms*1e6) > 0.05 {
					t.Errorf("%s sample %d: %v ns, want %v ms", name, j, got[j], ms)
				}
			}
			total += len(got)
		}
	}
	if total == 0 {
		t.Fatal("no samples")
	}
	if !slices.Contains(units, "Unit decoder-params assume=exact better=higher") {
		t.Errorf("decoder-params not declared exact: %q", units)
	}
}

func TestLaTeXStructure(t *testing.T) {
	runs := loadFixtures(t)
	out := report(t, FormatLaTeX, runs)
	// Per run: the front table and the appendix table of full architectures.
	for _, cmd := range []string{`\toprule`, `\midrule`, `\bottomrule`, `\caption{`} {
		if n := strings.Count(out, cmd); n != 2*len(runs) {
			t.Errorf("%s appears %d times, want twice per run (%d)", cmd, n, 2*len(runs))
		}
	}
	if n := strings.Count(out, `\begin{table}`); n != len(runs) {
		t.Errorf("\\begin{table} appears %d times, want once per run (%d)", n, len(runs))
	}
	// The first CPU fixture model is L3 d320 h[8,2,4] i[1920,1920,3712]: id M1, heads 2--8.
	if !strings.Contains(out, `M1 & 3 & 320 & 2--8 & 1920--3712 & 6.08 & 649 (642--668) & 97.9 \\`) {
		t.Error("front row of M1 does not give its id, key dimensions and numbers")
	}
	if !strings.Contains(out, `M4 & \texttt{L5 d448 h[8,4,8,2,4] i[2048,1536,2048,1024,3072]} \\`) {
		t.Error("appendix does not give M4's full architecture")
	}
	checkLaTeXText(t, out)
	if !strings.Contains(out, `\texttt{nvml\_process\_peak\_bytes}`) || !strings.Contains(out, `Batch 1 $\times$ seq 192`) {
		t.Error("caption does not state the memory metric and batch × seq")
	}
}

// checkLaTeXText checks that outside comment lines and math ($\times$, $\tau$, signed
// numbers), every special character of a LaTeX report is escaped (or is a column
// separator &), and that braces balance.
func checkLaTeXText(t *testing.T, out string) {
	t.Helper()
	var body strings.Builder
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "%") {
			line = strings.NewReplacer(`$\times$`, `\times{}`, `$L$`, `L`, `$d_{\mathrm{model}}$`, `dmodel`, `$d_{\mathrm{inner}}$`, `dinner`, `Table~\ref`, `Table \ref`, `$\tau$`, `\tau{}`).Replace(line)
			line = latexNumber.ReplaceAllString(line, "$1")
			body.WriteString(line + "\n")
		}
	}
	text := body.String()
	depth := 0
	for i, r := range text {
		escaped := i > 0 && text[i-1] == '\\'
		switch {
		case r == '{' && !escaped:
			depth++
		case r == '}' && !escaped:
			depth--
		case strings.ContainsRune("_#%$^~", r) && !escaped:
			t.Errorf("unescaped %q at byte %d: %.40s", r, i, text[i:])
		}
		if depth < 0 {
			t.Fatalf("unbalanced braces at byte %d", i)
		}
	}
	if depth != 0 {
		t.Errorf("braces unbalanced: depth %d at the end", depth)
	}
}

// latexNumber is a number set in math mode: $-0.333$.
var latexNumber = regexp.MustCompile(`\$(-?[0-9.]+)\$`)

func TestEscapes(t *testing.T) {
	if got, want := LaTeXEscape(`a_b & c% $5 #1 {x} ~ ^ \`), `a\_b \& c\% \$5 \#1 \{x\} \textasciitilde{} \textasciicircum{} \textbackslash{}`; got != want {
		t.Errorf("LaTeXEscape = %q, want %q", got, want)
	}
	if got, want := markdownEscape("Intel(R) Xeon(R) *Gold* 6248_R | [x]"), `Intel(R) Xeon(R) \*Gold\* 6248\_R \| \[x\]`; got != want {
		t.Errorf("markdownEscape = %q, want %q", got, want)
	}
}

func TestCaption(t *testing.T) {
	runs := loadFixtures(t)
	got := caption(runs[0], plainCaption)
	for _, want := range []string{
		"Pareto front on cpu (Cortex-A72, 4 threads)", "GPT-2 (adaptive) space",
		"4 of 7 architectures measured (1 infeasible)", "Batch 1 × seq 192", "output full",
		"median (p10–p90) of n = 10 samples, ms", "memory: alloc_peak_bytes, MiB",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("caption %q lacks %q", got, want)
		}
	}
	// LTS's protocol optimises the mean of its samples: the table says so and shows it.
	lts := *runs[1]
	lts.Info.Protocol.LTSCompat = true
	lts.Info.Protocol.Warmup = 2
	lts.Info.Search.Dominance = "strict"
	got = caption(&lts, plainCaption)
	for _, want := range []string{"strict (LTS) dominance", "latency: mean of n = 40 samples after 2 warm-ups (LTS protocol)"} {
		if !strings.Contains(got, want) {
			t.Errorf("LTS caption %q lacks %q", got, want)
		}
	}
	rec := &lts.Front[0]
	if cell := latencyCell(rec, true, "–"); cell != strconv.FormatFloat(math.Round(rec.LatencyMS*100)/100, 'f', 2, 64) {
		t.Errorf("LTS latency cell %q, want the objective %v alone", cell, rec.LatencyMS)
	}
}

// TestEmptyFront reports a run where nothing could be measured in every format.
func TestEmptyFront(t *testing.T) {
	r := &Run{Dir: "d", Info: RunInfo{Device: "cuda:1", MemoryMetric: DefaultMemoryMetric,
		Protocol: bench.Protocol{Batch: 1, SeqLen: 192, Output: "full"}},
		Archive: []Record{{Seq: 0, Key: "k", Error: "out of memory"}}}
	for _, f := range Formats {
		out := report(t, f, []*Run{r})
		switch f {
		case FormatTable, FormatMarkdown, FormatLaTeX:
			if !strings.Contains(out, "No architecture on the front") && !strings.Contains(out, "no architecture on the front") {
				t.Errorf("%s: no note about the empty front:\n%s", f, out)
			}
			if !strings.Contains(out, "0 of 1 architecture measured (1 infeasible)") {
				t.Errorf("%s: caption does not count the infeasible record:\n%s", f, out)
			}
		case FormatCSV:
			if strings.Count(out, "\n") != 1 {
				t.Errorf("csv: want the header alone, got\n%s", out)
			}
		case FormatJSON:
			if !strings.Contains(out, `"front": []`) {
				t.Errorf("json: front is not an empty list:\n%s", out)
			}
		case FormatBenchfmt:
			if strings.Contains(out, "Benchmark") {
				t.Errorf("benchfmt: result lines for an empty front:\n%s", out)
			}
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	if _, err := ParseFormat("html"); err == nil || !strings.Contains(err.Error(), "table, markdown, latex, csv, json, benchfmt") {
		t.Errorf("ParseFormat(html): %v", err)
	}
}

// A front of more than latexLongRows models is a longtable that can break across pages.
func TestLaTeXLongFront(t *testing.T) {
	runs := loadFixtures(t)
	r := *runs[0]
	for len(r.Front) <= latexLongRows {
		r.Front = append(r.Front, runs[0].Front...)
	}
	out := report(t, FormatLaTeX, []*Run{&r})
	if strings.Contains(out, `\begin{table}`) || strings.Count(out, `\begin{longtable}`) != 2 {
		t.Errorf("a front of %d models is not set as a longtable plus appendix", len(r.Front))
	}
	if id := fmt.Sprintf("M%d & ", len(r.Front)); !strings.Contains(out, id) {
		t.Errorf("no row %q", id)
	}
}
