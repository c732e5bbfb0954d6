package results

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/internal/snapshot"
)

// devicesGolden maps each format to its golden report of the fixture run-devices.
var devicesGolden = map[Format]string{
	FormatTable:    "report-devices.txt",
	FormatMarkdown: "report-devices.md",
	FormatLaTeX:    "report-devices.tex",
	FormatJSON:     "report-devices.json",
	FormatBenchfmt: "report-devices.bench",
}

func loadDevicesRun(t *testing.T) *Run {
	t.Helper()
	r, err := LoadRun(devicesRun)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGoldenDevices(t *testing.T) {
	r := loadDevicesRun(t)
	for f, golden := range devicesGolden {
		t.Run(string(f), func(t *testing.T) {
			snapshot.Check(t, filepath.Join("testdata", golden), []byte(report(t, f, []*Run{r})))
		})
	}
}

// The table format prints, under the run's front, what `run --also-measure` printed:
// WriteDeviceTable's rows and τ lines (see TestReadDevicesFixture for the τ).
func TestTableDevices(t *testing.T) {
	out := report(t, FormatTable, []*Run{loadDevicesRun(t)})
	front := report(t, FormatTable, loadFixtures(t)[:1]) // run-cpu: the same front, measured as class rpi4
	front = strings.Replace(front, "Pareto front on cpu (", "Pareto front on class rpi4 (", 1)
	rest, ok := strings.CutPrefix(out, front)
	if !ok {
		t.Fatalf("the report does not start with the run's front table:\n%s", out)
	}
	want := `The front on 3 device classes (rpi4, jetson, xeon, from devices.jsonl): latency (ms) and memory (MiB) of each architecture, a dash where it could not run. Kendall's τ of latency between each pair of classes follows.
  #  decoder params   rpi4 ms  rpi4 MiB  jetson ms  jetson MiB  xeon ms  xeon MiB
  1         6078912   648.536      97.9     12.500       312.0   50.000     100.0
  2         7227584   689.274     102.3     14.000       326.0   40.000     105.0
  3         7904960   901.034     132.8     13.000       336.0   60.000     135.0
  4        12761152  1046.146     136.9          -           -   80.000     140.0
` + strings.Join(devicesWantTauLines, "\n") + "\n"
	if rest != want {
		t.Errorf("device table:\n%s\nwant:\n%s", rest, want)
	}
	// WriteDeviceTable is what prints it.
	var buf bytes.Buffer
	r := loadDevicesRun(t)
	if err := WriteDeviceTable(&buf, r.Devices, r.DeviceClasses); err != nil || !strings.HasSuffix(rest, buf.String()) {
		t.Errorf("the report's device table is not WriteDeviceTable's (err %v):\n%s", err, buf.String())
	}
}

func TestMarkdownDevices(t *testing.T) {
	out := report(t, FormatMarkdown, []*Run{loadDevicesRun(t)})
	_, devices, ok := strings.Cut(out, "| `L5 d448 h[8,4,8,2,4] i[2048,1536,2048,1024,3072]` | 12.76 | 24.85 | 1046 (1043–1064) | 136.9 |\n")
	if !ok {
		t.Fatalf("no front table:\n%s", out)
	}
	want := "\nThe front on 3 device classes (rpi4, jetson, xeon, from `devices.jsonl`)"
	if !strings.HasPrefix(devices, want) {
		t.Errorf("the devices do not follow the front table with %q:\n%s", want, devices)
	}
	for _, line := range append([]string{
		"| # | decoder params | rpi4 ms | rpi4 MiB | jetson ms | jetson MiB | xeon ms | xeon MiB |",
		"|--:|--:|--:|--:|--:|--:|--:|--:|",
		"| 1 | 6078912 | 648.536 | 97.9 | 12.500 | 312.0 | 50.000 | 100.0 |",
		"| 4 | 12761152 | 1046.146 | 136.9 | - | - | 80.000 | 140.0 |",
	}, prefixed("- ", devicesWantTauLines)...) {
		if !strings.Contains(devices, line+"\n") {
			t.Errorf("no line %q:\n%s", line, devices)
		}
	}
	// A class name with Markdown's specials stays text.
	r := loadDevicesRun(t)
	for i := range r.Devices {
		if r.Devices[i].Class == "xeon" {
			r.Devices[i].Class = "xeon_8|9"
		}
	}
	r.DeviceClasses[2] = "xeon_8|9"
	out = report(t, FormatMarkdown, []*Run{r})
	if !strings.Contains(out, `| xeon_8\|9 ms | xeon_8\|9 MiB |`) || !strings.Contains(out, `- Kendall τ of latency, jetson vs xeon\_8\|9: -0.333`) {
		t.Errorf("class name not escaped:\n%s", out)
	}
}

func prefixed(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

// The JSON report gives a run with devices.jsonl its measurements and τ (null where
// undefined), and leaves both out of a run without.
func TestJSONDevices(t *testing.T) {
	r := loadDevicesRun(t)
	var got []struct {
		Devices       []DeviceMeasurement `json:"devices"`
		DeviceClasses []string            `json:"device_classes"`
		DeviceTaus    []struct {
			A, B string
			N    int
			Tau  *float64
		} `json:"device_taus"`
	}
	if err := json.Unmarshal([]byte(report(t, FormatJSON, []*Run{r})), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Devices) != 12 || got[0].Devices[7] != r.Devices[7] || strings.Join(got[0].DeviceClasses, ",") != "rpi4,jetson,xeon" {
		t.Fatalf("devices: %+v", got)
	}
	taus := got[0].DeviceTaus
	if len(taus) != 3 {
		t.Fatalf("device_taus %+v", taus)
	}
	for i, want := range devicesWantTaus {
		if taus[i].A != want.A || taus[i].B != want.B || taus[i].N != want.N || taus[i].Tau == nil || *taus[i].Tau != want.Tau {
			t.Errorf("device_taus[%d] = %+v, want %+v", i, taus[i], want)
		}
	}

	// One architecture on both classes: τ is undefined, null in JSON.
	one := &Run{Dir: "d", Info: r.Info, Devices: r.Devices[:5], DeviceClasses: []string{"rpi4", "jetson"}}
	out := report(t, FormatJSON, []*Run{one})
	if !strings.Contains(out, `"device_taus": [
      {
        "a": "rpi4",
        "b": "jetson",
        "n": 1,
        "tau": null
      }
    ]`) {
		t.Errorf("undefined τ is not null:\n%s", out)
	}
	for _, plain := range loadFixtures(t) {
		if out := report(t, FormatJSON, []*Run{plain}); strings.Contains(out, `"device`+`s"`) || strings.Contains(out, "device_taus") {
			t.Errorf("%s: device fields without devices.jsonl", plain.Dir)
		}
	}
}

func TestLaTeXDevices(t *testing.T) {
	out := report(t, FormatLaTeX, []*Run{loadDevicesRun(t)})
	for _, want := range []string{
		`\label{tab:pareto-cpu-devices}`,
		`\begin{tabular}{rrrrrrrr}`,
		` &  & \multicolumn{2}{c}{rpi4} & \multicolumn{2}{c}{jetson} & \multicolumn{2}{c}{xeon} \\`,
		`\cmidrule(lr){3-4}\cmidrule(lr){5-6}\cmidrule(lr){7-8}`,
		`\# & Decoder params & ms & MiB & ms & MiB & ms & MiB \\`,
		`4 & 12761152 & 1046.146 & 136.9 & -- & -- & 80.000 & 140.0 \\`,
		`Kendall's $\tau$ of latency: rpi4 vs jetson $0.333$ over 3 architectures; rpi4 vs xeon $0.667$ over 4 architectures; jetson vs xeon $-0.333$ over 3 architectures.}`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("no line ending %q:\n%s", want, out)
		}
	}
	// The front table, the device table, the appendix.
	if n := strings.Count(out, `\toprule`); n != 3 {
		t.Errorf("\\toprule %d times, want 3", n)
	}
	if strings.Contains(out, "τ") {
		t.Error("a bare τ in LaTeX")
	}
	checkLaTeXText(t, out)
}

// The benchfmt report adds a block per other class, named "class NAME", one line per
// architecture that ran there, under the names of the front's lines.
func TestBenchfmtDevices(t *testing.T) {
	r := loadDevicesRun(t)
	blocks := strings.Split(report(t, FormatBenchfmt, []*Run{r}), "\n\n")
	if len(blocks) != 4 {
		t.Fatalf("%d blocks, want the run's, jetson's, xeon's and the units", len(blocks))
	}
	if !strings.Contains(blocks[0], "device: class rpi4\n") || !strings.Contains(blocks[0], "cpu: Cortex-A72\n") {
		t.Errorf("the run's block:\n%s", blocks[0])
	}
	name := "BenchmarkForward/" + r.Front[1].Key + "-4\t1\t"
	for i, want := range []struct {
		class string
		lines int
		arch2 string
	}{{"jetson", 3, name + "14000000 ns/op\t7227584 decoder-params\t341835776 alloc-peak-B\n"}, {"xeon", 4, name + "40000000 ns/op\t7227584 decoder-params\t110100480 alloc-peak-B\n"}} {
		b := blocks[i+1] + "\n"
		if !strings.Contains(b, "device: class "+want.class+"\n") || !strings.Contains(b, "cpu:\n") || !strings.Contains(b, "run: "+devicesRun+"\n") {
			t.Errorf("%s block does not say what it is (class, unknown cpu, run):\n%s", want.class, b)
		}
		if n := strings.Count(b, "Benchmark"); n != want.lines || !strings.Contains(b, want.arch2) {
			t.Errorf("%s block: %d lines, want %d with %q:\n%s", want.class, n, want.lines, want.arch2, b)
		}
	}
	// The run's own class is its front's block, with every sample: not repeated.
	if strings.Count(blocks[0], name) != len(r.Front[1].Result.SamplesMS) {
		t.Errorf("rpi4 block: %d lines of architecture 2, want one per sample", strings.Count(blocks[0], name))
	}
}

// The CSV is one table of fronts: devices.jsonl does not change it.
func TestCSVDevices(t *testing.T) {
	got := report(t, FormatCSV, []*Run{loadDevicesRun(t)})
	want := strings.ReplaceAll(report(t, FormatCSV, loadFixtures(t)[:1]), "testdata/run-cpu,", devicesRun+",")
	if got != want {
		t.Errorf("csv of run-devices is not run-cpu's:\n%s\nwant\n%s", got, want)
	}
}
