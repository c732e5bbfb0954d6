package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestREADMEProxyTable runs the command the README shows and checks its output is the
// README's block, so the documentation cannot drift from what ltsbench prints.
func TestREADMEProxyTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block, ok := between(string(readme), "<!-- proxy-table: begin -->\n```\n", "```\n<!-- proxy-table: end -->")
	if !ok {
		t.Fatal("README.md has no proxy-table block")
	}
	cmdLine, want, _ := strings.Cut(block, "\n")
	args := strings.Fields(strings.TrimPrefix(cmdLine, "$ ltsbench "))
	// The README's glob, expanded as a shell would, from the repository root.
	var expanded []string
	for _, a := range args {
		if strings.Contains(a, "*") {
			matches, err := globFrom("../..", a)
			if err != nil || len(matches) == 0 {
				t.Fatalf("glob %s: %v", a, err)
			}
			expanded = append(expanded, matches...)
		} else {
			expanded = append(expanded, a)
		}
	}
	code, out, errOut := runLtsbench(t, expanded...)
	if code != 0 {
		t.Fatalf("%s: exit %d: %s", cmdLine, code, errOut)
	}
	if out != want {
		t.Errorf("README's block differs from what %q prints:\n%s", cmdLine, out)
	}
}

func between(s, begin, end string) (string, bool) {
	_, rest, ok := strings.Cut(s, begin)
	if !ok {
		return "", false
	}
	in, _, ok := strings.Cut(rest, end)
	return in, ok
}

// globFrom expands pattern relative to dir and returns the matches relative to the
// working directory.
func globFrom(dir, pattern string) ([]string, error) {
	return filepath.Glob(filepath.Join(dir, pattern))
}

// quickRunLine is every line shape `make run` prints, one pattern per format string in
// the Makefile, cmd_run.go, cmd_report.go, internal/progress and search (the numbers
// vary, the shapes may not), plus the table's box lines and the README's "⋮" elision.
var quickRunLine = []*regexp.Regexp{
	regexp.MustCompile(`^\$ make run$`),
	regexp.MustCompile(`^\.\.\.$`),
	regexp.MustCompile(`^⋮$`),
	regexp.MustCompile(`^make run: the previous run moved to out/quick\.\d{8}-\d{6}$`),
	regexp.MustCompile(`^searching gpt2 on cpu: evolution, \d+ iterations, up to \d+ architectures, into out/quick$`),
	regexp.MustCompile(`^searching: \d+ iterations, \d+ architectures to measure$`),
	regexp.MustCompile(`^\d+/\d+ measured \(\d+%\), iteration \d+/\d+, front \d+, elapsed \w+, remaining (~\w+|\?)$`),
	regexp.MustCompile(`^iteration \d+/\d+ done: \d+/\d+ measured, front \d+, elapsed \w+, remaining (~\w+|\?)$`),
	regexp.MustCompile(`^search done: \d+ architectures \(\d+ measured now, \d+ resumed, \d+ infeasible\), front \d+$`),
	regexp.MustCompile(`^confirming the front of out/quick: \d+ architectures \(the front and those within \d+ % of it\), \d+ rounds each, interleaved$`),
	regexp.MustCompile(`^confirmation round \d+/\d+ done: \d+ architectures \(\w+\)$`),
	regexp.MustCompile(`^confirmed \d+ architectures: round-to-round spread median [\d.]+ %, largest [\d.]+ %; front of \d+( \(\d+ of them not re-measured: beyond the \d+ a confirmation takes, or on the front only with the confirmed latencies\))?$`),
	regexp.MustCompile(`^Pareto front on cpu \(.+, \d+ threads\), GPT-2 \(adaptive\) space: \d+ of \d+ architectures measured\. Batch 1 × seq 64, output full; latency: median \(p10–p90\) of n = \d+ samples, ms; memory: alloc_peak_bytes, MiB\.$`),
	regexp.MustCompile(`^[┌├└][─┬┼┴]+[┐┤┘]$`),
	regexp.MustCompile(`^│ +Architecture +│ Decoder params \(M\) │ Total params \(M\) │ +Latency \(ms\) +│ Memory \(MiB\) │$`),
	regexp.MustCompile(`^│ L\d+ d\d+ h\[[\d,]+\] i\[[\d,]+\] +│ +[\d.]+ │ +[\d.]+ │ +[\d.]+ \([\d.]+–[\d.]+\) │ +[\d.]+ │$`),
	regexp.MustCompile(`^plot written to out/quick/front\.svg$`),
	regexp.MustCompile(`^\d+ measured \(\d+ infeasible\), front of \d+; files in out/quick$`),
}

// TestREADMEQuickRun checks that every line of the README's `make run` example has a
// shape ltsbench prints, that the progress and confirmation lines it shows are there,
// and that the table's lines are all as wide as its top border.
func TestREADMEQuickRun(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- quick-run: begin -->\n```\n")
	block, _, ok2 := strings.Cut(rest, "```\n<!-- quick-run: end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no quick-run block")
	}
	seen := make([]bool, len(quickRunLine))
	width := -1
	for _, line := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		i := slices.IndexFunc(quickRunLine, func(re *regexp.Regexp) bool { return re.MatchString(line) })
		if i < 0 {
			t.Errorf("README's make run example has a line ltsbench does not print: %q", line)
			continue
		}
		seen[i] = true
		if strings.HasPrefix(line, "│") || strings.HasPrefix(line, "┌") || strings.HasPrefix(line, "├") || strings.HasPrefix(line, "└") {
			if n := utf8.RuneCountInString(line); width < 0 {
				width = n
			} else if n != width {
				t.Errorf("table line is %d columns wide, the border %d: %q", n, width, line)
			}
		}
	}
	for i, re := range quickRunLine {
		if !seen[i] {
			t.Errorf("README's make run example has no line like %s", re)
		}
	}
}

// TestQuickRunShapes checks the patterns above against the format strings themselves,
// so that a changed message in the code fails here and the README is updated with it.
func TestQuickRunShapes(t *testing.T) {
	for _, f := range []struct{ file, format string }{
		{"cmd_run.go", `"searching %s on %s: %s, %d iterations, up to %d architectures, into %s\n"`},
		{"cmd_run.go", `"plot written to %s\n"`},
		{"cmd_run.go", `"%d measured (%d infeasible), front of %d; files in %s\n"`},
		{"cmd_report.go", `"confirming the front of %s: %d architectures (the front and those within %.0f %% of it), %d rounds each, interleaved\n"`},
		{"cmd_report.go", `"confirmed %d architectures: round-to-round spread median %.1f %%, largest %.1f %%; front of %d"`},
		{"../../internal/progress/progress.go", `"searching: %d iterations, %d architectures to measure"`},
		{"../../internal/progress/progress.go", `"%d/%d measured (%d%%), iteration %d/%d, front %d, %s"`},
		{"../../internal/progress/progress.go", `"iteration %d/%d done: %d/%d measured, front %d, %s"`},
		{"../../internal/progress/progress.go", `"elapsed %s, remaining %s"`},
		{"../../search/run.go", `"search done: %d architectures (%d measured now, %d resumed, %d infeasible), front %d"`},
		{"../../search/confirm.go", `"confirmation round %d/%d done: %d architectures (%s)"`},
		{"../../Makefile", `echo "make run: the previous run moved to $$t"`},
	} {
		src, err := os.ReadFile(f.file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), f.format) {
			t.Errorf("%s no longer prints %s: update the README's make run example and the patterns in this test", f.file, f.format)
		}
	}
}

// TestQuickRunTableShape renders a stored CPU run as `make run` prints its front and
// checks each table line against the README example's patterns.
func TestQuickRunTableShape(t *testing.T) {
	code, out, errOut := runLtsbench(t, "report", "../../results/testdata/run-cpu")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) < 5 || !strings.HasPrefix(lines[0], "Pareto front on cpu (") {
		t.Fatalf("report prints no caption and table:\n%s", out)
	}
	for _, line := range lines[1:] {
		if !slices.ContainsFunc(quickRunLine, func(re *regexp.Regexp) bool { return re.MatchString(line) }) {
			t.Errorf("the table has a line the README's example has no shape for: %q", line)
		}
	}
}
