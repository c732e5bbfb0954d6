package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/results"
)

// The fixture runs and golden reports of the results package.
const reportData = "../../results/testdata"

var (
	cpuRun     = filepath.Join(reportData, "run-cpu")
	cudaRun    = filepath.Join(reportData, "run-cuda")
	devicesRun = filepath.Join(reportData, "run-devices") // run-cpu's front on 3 classes
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

// A run that measured its front on other classes (run --also-measure) shows them under
// its front: the table run printed, with Kendall's τ (derived by hand in the results
// package's TestReadDevicesFixture), and the JSON measurements; a run without
// devices.jsonl is reported as before (TestReportGolden).
func TestReportDevices(t *testing.T) {
	code, out, errOut := runReport(t, devicesRun)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"The front on 3 device classes (rpi4, jetson, xeon, from devices.jsonl)",
		"  #  decoder params   rpi4 ms  rpi4 MiB  jetson ms  jetson MiB  xeon ms  xeon MiB\n",
		"  4        12761152  1046.146     136.9          -           -   80.000     140.0\n",
		"Kendall τ of latency, rpi4 vs jetson: 0.333 over 3 architectures\n",
		"Kendall τ of latency, rpi4 vs xeon: 0.667 over 4 architectures\n",
		"Kendall τ of latency, jetson vs xeon: -0.333 over 3 architectures\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if i, j := strings.Index(out, "└"), strings.Index(out, "The front on 3"); i < 0 || j < i {
		t.Errorf("the device table does not follow the front table:\n%s", out)
	}

	code, out, errOut = runReport(t, devicesRun, cpuRun, "--format", "json")
	if code != 0 || errOut != "" {
		t.Fatalf("json: exit %d, stderr %q", code, errOut)
	}
	var got []struct {
		Dir        string                      `json:"dir"`
		Devices    []results.DeviceMeasurement `json:"devices"`
		DeviceTaus []map[string]any            `json:"device_taus"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0].Devices) != 12 || len(got[0].DeviceTaus) != 3 || got[0].DeviceTaus[2]["tau"] != -1.0/3 {
		t.Errorf("json of run-devices: %+v", got)
	}
	if got[1].Devices != nil || got[1].DeviceTaus != nil {
		t.Errorf("json of run-cpu has devices: %+v", got[1])
	}

	// A bad devices.jsonl is a warning naming its line; the front is still reported.
	dir := t.TempDir()
	for _, f := range []string{"run.json", "archive.jsonl", "devices.jsonl"} {
		data, err := os.ReadFile(filepath.Join(devicesRun, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "devices.jsonl" {
			data = []byte(strings.Replace(string(data), `"class":"jetson"`, `"class":""`, 1))
		}
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	code, out, errOut = runReport(t, dir)
	if code != 0 || !strings.Contains(out, "4 of 7 architectures") || strings.Contains(out, "device classes") {
		t.Errorf("bad devices.jsonl: exit %d, stdout:\n%s", code, out)
	}
	if want := filepath.Join(dir, "devices.jsonl") + ":5: bad device measurement of "; strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "ltsbench: warning: ") || !strings.Contains(errOut, want) {
		t.Errorf("stderr %q, want one warning with %q", errOut, want)
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

// A run confirms its front when the search ends, and report --confirm confirms it
// again: each time DIR/confirmed.jsonl holds every architecture confirmed, measured
// once per round, and the reported front takes the confirmed latencies.
func TestConfirm(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, _, errOut := runLtsbench(t, tinySearch("gpt2", dir, "--confirm-rounds", "2")...)
	if code != 0 || !strings.Contains(errOut, "2 rounds each, interleaved") || !strings.Contains(errOut, "round-to-round spread median") {
		t.Fatalf("run: exit %d, stderr:\n%s", code, errOut)
	}
	check := func(rounds int) {
		t.Helper()
		cs, err := results.ReadConfirmations(dir)
		if err != nil || len(cs) == 0 {
			t.Fatalf("confirmed.jsonl: %d confirmations, %v", len(cs), err)
		}
		run, err := results.LoadRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		confirmed := map[string]float64{}
		for _, c := range cs {
			// --min-samples 2 --max-samples 2 each round.
			if len(c.RoundsMS) != rounds || c.Latency.N != 2*rounds || !(c.LatencyMS > 0) {
				t.Errorf("%s: %d rounds, %d samples, latency %v; want %d rounds of 2", c.Key, len(c.RoundsMS), c.Latency.N, c.LatencyMS, rounds)
			}
			confirmed[c.Key] = c.LatencyMS
		}
		for _, r := range run.Front {
			if want, ok := confirmed[r.Key]; ok && (r.LatencyMS != want || r.Confirmed == nil) {
				t.Errorf("%s: front latency %v, confirmed %v", r.Key, r.LatencyMS, want)
			}
		}
		if len(run.Warnings) != 0 {
			t.Errorf("warnings %q", run.Warnings)
		}
	}
	check(2)
	code, out, errOut := runReport(t, dir, "--confirm", "--confirm-rounds", "1", "--device", "cpu", "--format", "csv")
	if code != 0 || !strings.HasPrefix(out, "dir,device,") || !strings.Contains(errOut, "1 rounds each") {
		t.Fatalf("report --confirm: exit %d, stderr %s", code, errOut)
	}
	check(1)

	before, _ := os.ReadFile(filepath.Join(dir, results.ConfirmedFile))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{dir, "--device", "cpu"}, "--device: only used with --confirm"},
		{[]string{dir, "--confirm", "--device", "cuda:0"}, "--device: cuda:0 is not the device the run in"},
		{[]string{dir, "--confirm", "--confirm-rounds", "0"}, "--confirm-rounds: want a whole number ≥ 1"},
		{[]string{dir, "--confirm=maybe"}, "--confirm: \"maybe\" is not true or false"},
	} {
		code, out, errOut := runReport(t, tc.args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(dir, results.ConfirmedFile)); !bytes.Equal(before, after) {
		t.Error("a refused report --confirm changed confirmed.jsonl")
	}
	// --confirm-rounds 0 turns the phase off.
	off := filepath.Join(t.TempDir(), "off")
	if code, _, errOut := runLtsbench(t, tinySearch("gpt2", off, "--confirm-rounds", "0")...); code != 0 || strings.Contains(errOut, "confirming") {
		t.Fatalf("--confirm-rounds 0: exit %d, stderr:\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(off, results.ConfirmedFile)); !os.IsNotExist(err) {
		t.Errorf("--confirm-rounds 0 wrote confirmed.jsonl (%v)", err)
	}
}

// searchLatencyMS is the latency the search measured for r, before any confirmation.
func searchLatencyMS(r *results.Record) float64 {
	if r.Confirmed != nil {
		return r.Confirmed.SearchLatencyMS
	}
	return r.LatencyMS
}
