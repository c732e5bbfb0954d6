package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fixture runs and golden reports of the results package.
const reportData = "../../results/testdata"

var (
	cpuRun  = filepath.Join(reportData, "run-cpu")
	cudaRun = filepath.Join(reportData, "run-cuda")
)

func runReport(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runContext(context.Background(), append([]string{"ltsbench", "report"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestReportGolden checks that the command prints the results package's golden report
// for every format, with the flags before or after the directories.
func TestReportGolden(t *testing.T) {
	for format, golden := range map[string]string{
		"table": "report.txt", "markdown": "report.md", "latex": "report.tex",
		"csv": "report.csv", "json": "report.json", "benchfmt": "report.bench",
	} {
		want, err := os.ReadFile(filepath.Join(reportData, golden))
		if err != nil {
			t.Fatal(err)
		}
		// The golden files were made from the results package, where the run
		// directories are testdata/run-*.
		wantS := strings.ReplaceAll(string(want), "testdata/run-", reportData+"/run-")
		for _, args := range [][]string{
			{"--format", format, cpuRun, cudaRun},
			{cpuRun, cudaRun, "--format=" + format},
			{cpuRun, "--format", format, cudaRun},
		} {
			code, out, errOut := runReport(t, args...)
			if code != 0 || errOut != "" {
				t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
			}
			if out != wantS {
				t.Errorf("%v: output differs from %s", args, golden)
			}
		}
	}
}

func TestReportDefaultIsTable(t *testing.T) {
	code, out, _ := runReport(t, cpuRun)
	if code != 0 || !strings.Contains(out, " Decoder params (M) │") || !strings.HasPrefix(out, "Pareto front on cpu (Cortex-A72, 4 threads)") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestReportPlot(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"front.svg", "front.png", "front.pdf"} {
		path := filepath.Join(dir, name)
		code, out, errOut := runReport(t, cpuRun, cudaRun, "--format", "csv", "--plot", path)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errOut)
		}
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Errorf("%s: plot not written: %v", name, err)
		}
		if !strings.HasPrefix(out, "dir,device,") {
			t.Errorf("%s: the report did not follow the plot", name)
		}
	}
}

func TestReportWarnings(t *testing.T) {
	// A pareto.jsonl out of step with the archive is reported on stderr; the report goes on.
	dir := t.TempDir()
	for _, f := range []string{"run.json", "archive.jsonl"} {
		data, err := os.ReadFile(filepath.Join(cpuRun, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "pareto.jsonl"), nil, 0o644)
	code, out, errOut := runReport(t, dir, "--format", "markdown")
	if code != 0 || !strings.Contains(out, "4 of 7 architectures") {
		t.Fatalf("exit %d, output %q", code, out)
	}
	if !strings.HasPrefix(errOut, "ltsbench: warning: ") || !strings.Contains(errOut, "pareto.jsonl lists 0 architectures") {
		t.Errorf("stderr %q", errOut)
	}
}

func TestReportErrors(t *testing.T) {
	corrupt := t.TempDir()
	for _, f := range []string{"run.json", "archive.jsonl"} {
		data, _ := os.ReadFile(filepath.Join(cpuRun, f))
		if f == "archive.jsonl" {
			lines := strings.SplitAfter(string(data), "\n")
			lines[1] = "{\"seq\": 1, \"arch\": \n"
			data = []byte(strings.Join(lines, ""))
		}
		os.WriteFile(filepath.Join(corrupt, f), data, 0o644)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no dir", nil, 2, "at least one run directory"},
		{"flags only", []string{"--format", "csv"}, 2, "at least one run directory"},
		{"bad format", []string{cpuRun, "--format", "html"}, 2, `--format: format "html" is not one of table, markdown, latex, csv, json, benchfmt`},
		{"format without value", []string{cpuRun, "--format"}, 2, "--format needs a value"},
		{"unknown flag after dir", []string{cpuRun, "--colour"}, 2, "--colour"},
		{"bad plot extension", []string{cpuRun, "--plot", "front.gif"}, 2, "--plot: front.gif: plot file must end in .svg, .png, .pdf"},
		{"missing dir", []string{cpuRun, filepath.Join(t.TempDir(), "nope")}, 1, "nope: no such file or directory"},
		{"not a run", []string{t.TempDir()}, 1, "run.json: no such file or directory"},
		{"corrupt archive", []string{corrupt}, 1, "archive.jsonl:2: bad record"},
		{"unwritable plot", []string{cpuRun, "--plot", filepath.Join(t.TempDir(), "no", "dir", "f.svg")}, 1, "--plot:"},
	} {
		code, out, errOut := runReport(t, tc.args...)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d (stderr %q)", tc.name, code, tc.code, errOut)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "ltsbench: ") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: stderr %q, want one line containing %q", tc.name, errOut, tc.want)
		}
		if out != "" {
			t.Errorf("%s: wrote to stdout on failure:\n%s", tc.name, out)
		}
	}
}

func TestReportHelpAmongDirs(t *testing.T) {
	code, out, errOut := runReport(t, cpuRun, "-h")
	if code != 0 || errOut != "" || !strings.Contains(out, "ltsbench report DIR...") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}
