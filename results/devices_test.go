package results

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// τ between devices, against hand-counted pairs: of the 3 architectures feasible on
// both a and b, latencies a (1, 2, 3) and b (10, 30, 20) give pairs (1,2) concordant,
// (1,3) concordant, (2,3) discordant: τ = (2 − 1)/3. c ranks them in reverse: τ = −1
// with a. The architecture infeasible on b is left out of a–b, not of a–c.
func TestDeviceTaus(t *testing.T) {
	ms := []DeviceMeasurement{
		{Key: "k1", Class: "a", DecoderParams: 100, Feasible: true, LatencyMS: 1, MemoryBytes: 1 << 20},
		{Key: "k2", Class: "a", DecoderParams: 200, Feasible: true, LatencyMS: 2, MemoryBytes: 2 << 20},
		{Key: "k3", Class: "a", DecoderParams: 300, Feasible: true, LatencyMS: 3, MemoryBytes: 3 << 20},
		{Key: "k4", Class: "a", DecoderParams: 400, Feasible: true, LatencyMS: 4, MemoryBytes: 4 << 20},
		{Key: "k1", Class: "b", Feasible: true, LatencyMS: 10},
		{Key: "k2", Class: "b", Feasible: true, LatencyMS: 30},
		{Key: "k3", Class: "b", Feasible: true, LatencyMS: 20},
		{Key: "k4", Class: "b", Feasible: false, Error: "out of memory"},
		{Key: "k1", Class: "c", Feasible: true, LatencyMS: 9},
		{Key: "k2", Class: "c", Feasible: true, LatencyMS: 8},
		{Key: "k3", Class: "c", Feasible: true, LatencyMS: 7},
		{Key: "k4", Class: "c", Feasible: true, LatencyMS: 6},
	}
	got := DeviceTaus(ms, []string{"a", "b", "c"})
	want := []DeviceTau{{"a", "b", 3, 1.0 / 3}, {"a", "c", 4, -1}, {"b", "c", 3, -1.0 / 3}}
	if len(got) != len(want) {
		t.Fatalf("%d pairs, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].A != want[i].A || got[i].B != want[i].B || got[i].N != want[i].N || math.Abs(got[i].Tau-want[i].Tau) > 1e-12 {
			t.Errorf("pair %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	var buf bytes.Buffer
	if err := WriteDeviceTable(&buf, ms, []string{"a", "b", "c"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{"a ms", "b MiB", "Kendall τ of latency, a vs b: 0.333 over 3 architectures", "a vs c: -1.000 over 4"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	if lines := strings.Split(out, "\n"); len(lines) < 5 || !strings.Contains(lines[4], "-") || !strings.Contains(lines[4], "400") {
		t.Errorf("row of k4 (infeasible on b) should show its params and '-':\n%s", out)
	}
}

// The fixture run-devices (testdata/README.md): the front of run-cpu, measured by
// class rpi4, on classes jetson and xeon too. Its architectures in front order 1–4
// have the latencies (ms)
//
//	rpi4    648.5  689.3  901.0  1046.1
//	jetson   12.5   14.0   13.0  (out of memory)
//	xeon     50.0   40.0   60.0    80.0
//
// and Kendall's τ, counted by hand over the pairs of architectures feasible on both:
//   - rpi4–jetson, 1–3: (1,2) and (1,3) concordant, (2,3) discordant: (2 − 1)/3 = 1/3;
//   - rpi4–xeon, 1–4: only (1,2) discordant of 6 pairs: (5 − 1)/6 = 2/3;
//   - jetson–xeon, 1–3: (1,2) discordant (up, down), (1,3) concordant, (2,3)
//     discordant (down, up): (1 − 2)/3 = −1/3.
const devicesRun = "testdata/run-devices"

var devicesWantTaus = []DeviceTau{{"rpi4", "jetson", 3, 1.0 / 3}, {"rpi4", "xeon", 4, 2.0 / 3}, {"jetson", "xeon", 3, -1.0 / 3}}

// The τ sentences of the fixture, as every text format prints them.
var devicesWantTauLines = []string{
	"Kendall τ of latency, rpi4 vs jetson: 0.333 over 3 architectures",
	"Kendall τ of latency, rpi4 vs xeon: 0.667 over 4 architectures",
	"Kendall τ of latency, jetson vs xeon: -0.333 over 3 architectures",
}

func TestReadDevicesFixture(t *testing.T) {
	ms, classes, partial, err := ReadDevices(filepath.Join(devicesRun, DevicesFile))
	if err != nil || partial != 0 {
		t.Fatalf("partial %d, err %v", partial, err)
	}
	if !slices.Equal(classes, []string{"rpi4", "jetson", "xeon"}) || len(ms) != 12 {
		t.Fatalf("classes %v, %d measurements; want rpi4, jetson, xeon and 12", classes, len(ms))
	}
	// File order; the largest architecture did not run on jetson.
	if m := ms[7]; m.Class != "jetson" || m.Feasible || m.DecoderParams != 12761152 || !strings.Contains(m.Error, "out of memory") {
		t.Errorf("line 8: %+v, want the 12.76 M architecture infeasible on jetson", m)
	}
	got := DeviceTaus(ms, classes)
	if len(got) != len(devicesWantTaus) {
		t.Fatalf("%d pairs, want %d", len(got), len(devicesWantTaus))
	}
	for i, want := range devicesWantTaus {
		if got[i].A != want.A || got[i].B != want.B || got[i].N != want.N || math.Abs(got[i].Tau-want.Tau) > 1e-12 {
			t.Errorf("pair %d: %+v, want %+v", i, got[i], want)
		}
	}
}

func TestLoadRunDevices(t *testing.T) {
	r, err := LoadRun(devicesRun)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) > 0 {
		t.Errorf("warnings %q", r.Warnings)
	}
	if len(r.Devices) != 12 || !slices.Equal(r.DeviceClasses, []string{"rpi4", "jetson", "xeon"}) {
		t.Errorf("%d devices on %v", len(r.Devices), r.DeviceClasses)
	}
	// The devices leave the front alone: it is run-cpu's.
	if got := seqs(r.Front); !slices.Equal(got, cpuFrontSeqs) {
		t.Errorf("front seqs %v, want %v", got, cpuFrontSeqs)
	}
	// A run without devices.jsonl has none, and no warning about it.
	cpu, err := LoadRun("testdata/run-cpu")
	if err != nil || cpu.Devices != nil || cpu.DeviceClasses != nil || len(cpu.Warnings) > 0 {
		t.Errorf("run-cpu: devices %v %v, warnings %q, err %v", cpu.Devices, cpu.DeviceClasses, cpu.Warnings, err)
	}
}

// A last line cut off without its newline (an interrupted copy) is skipped with a
// warning and the complete lines are used; a complete last line without its newline
// counts.
func TestReadDevicesTornLastLine(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(devicesRun, DevicesFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n") // 12, the last without "\n"
	dir := copyRun(t, devicesRun)
	path := filepath.Join(dir, DevicesFile)

	torn := strings.Join(lines[:11], "") + lines[11][:40]
	if err := os.WriteFile(path, []byte(torn), 0o644); err != nil {
		t.Fatal(err)
	}
	ms, classes, partial, err := ReadDevices(path)
	if err != nil || partial != 40 || len(ms) != 11 || len(classes) != 3 {
		t.Fatalf("torn: %d measurements on %v, partial %d, err %v; want 11 on 3 classes, partial 40", len(ms), classes, partial, err)
	}
	r, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Devices) != 11 || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], path+": skipped a partial last line (40 bytes)") {
		t.Errorf("LoadRun: %d devices, warnings %q", len(r.Devices), r.Warnings)
	}
	// xeon lost architecture 4: rpi4–xeon is over 1–3 now, (1,2) discordant, (1,3)
	// and (2,3) concordant: τ = (2 − 1)/3.
	if taus := DeviceTaus(r.Devices, r.DeviceClasses); taus[1].N != 3 || math.Abs(taus[1].Tau-1.0/3) > 1e-12 {
		t.Errorf("rpi4–xeon after the torn line: %+v, want τ 1/3 over 3", taus[1])
	}

	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if ms, _, partial, err := ReadDevices(path); err != nil || partial != 0 || len(ms) != 12 {
		t.Errorf("complete last line without newline: %d measurements, partial %d, err %v; want 12", len(ms), partial, err)
	}
}

// A bad line that is not the torn last one is an error naming the file and line; in
// a run directory it is a warning and the report leaves the devices out.
func TestReadDevicesBadLines(t *testing.T) {
	good := `{"key":"k1","class":"a","decoder_params":100,"feasible":true,"latency_ms":1,"memory_bytes":1048576}` + "\n"
	for _, tc := range []struct{ name, data, want string }{
		{"not JSON", good + "{\"key\": \"k2\", \n" + good, ":2: bad device measurement"},
		{"no key", good + strings.Replace(good, `"a"`, `"b"`, 1) + `{"class":"a","feasible":false}` + "\n", ":3: bad device measurement: no key"},
		{"no class", `{"key":"k1","class":" ","feasible":false}` + "\n" + good, ":1: bad device measurement of k1: no class"},
		{"feasible without latency", `{"key":"k1","class":"a","feasible":true}` + "\n" + good, ":1: bad device measurement of k1 on class a: feasible but latency_ms 0"},
		{"twice on a class", good + good, ":2: k1 on class a again (first on line 1)"},
		{"not an object", "[1,2]\n" + good, ":1: bad device measurement"},
	} {
		path := filepath.Join(t.TempDir(), DevicesFile)
		os.WriteFile(path, []byte(tc.data), 0o644)
		ms, classes, _, err := ReadDevices(path)
		if err == nil || !strings.HasPrefix(err.Error(), path+tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err %v, want one line starting %q", tc.name, err, path+tc.want)
		}
		if ms != nil || classes != nil {
			t.Errorf("%s: returned %d measurements with the error", tc.name, len(ms))
		}
	}

	dir := copyRun(t, devicesRun)
	path := filepath.Join(dir, DevicesFile)
	os.WriteFile(path, []byte(good+"nonsense\n"+good), 0o644)
	r, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Devices != nil || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], path+":2: bad device measurement") {
		t.Errorf("devices %v, warnings %q", r.Devices, r.Warnings)
	}
}

// Fields this version does not know are ignored, as in the archive; blank lines are
// skipped; a missing file is no devices.
func TestReadDevicesLenient(t *testing.T) {
	path := filepath.Join(t.TempDir(), DevicesFile)
	os.WriteFile(path, []byte("\n"+`{"key":"k1","class":"a","feasible":true,"latency_ms":2,"memory_bytes":5,"worker":"w1","samples_ms":[1,2,3]}`+"\n\n"+
		`{"key":"k1","class":"b","feasible":false,"error":"oom"}`+"\n"), 0o644)
	ms, classes, partial, err := ReadDevices(path)
	if err != nil || partial != 0 || len(ms) != 2 || !slices.Equal(classes, []string{"a", "b"}) || ms[0].LatencyMS != 2 || ms[1].Error != "oom" {
		t.Errorf("%+v on %v, partial %d, err %v", ms, classes, partial, err)
	}
	ms, classes, partial, err = ReadDevices(filepath.Join(t.TempDir(), DevicesFile))
	if ms != nil || classes != nil || partial != 0 || err != nil {
		t.Errorf("missing file: %v %v %d %v, want nothing and no error", ms, classes, partial, err)
	}
}

// WriteDevices and ReadDevices round-trip, classes in first-seen order.
func TestDevicesRoundTrip(t *testing.T) {
	ms := []DeviceMeasurement{
		{Key: "k2", Class: "own", DecoderParams: 200, Feasible: true, LatencyMS: 2.5, MemoryBytes: 3 << 20},
		{Key: "k1", Class: "own", DecoderParams: 100, Feasible: true, LatencyMS: 1.25, MemoryBytes: 2 << 20},
		{Key: "k2", Class: "other", DecoderParams: 200, Error: "out of memory"},
		{Key: "k1", Class: "other", DecoderParams: 100, Feasible: true, LatencyMS: 0.5, MemoryBytes: 1 << 20},
	}
	path := filepath.Join(t.TempDir(), DevicesFile)
	if err := WriteDevices(path, ms); err != nil {
		t.Fatal(err)
	}
	back, classes, partial, err := ReadDevices(path)
	if err != nil || partial != 0 || !slices.Equal(back, ms) || !slices.Equal(classes, []string{"own", "other"}) {
		t.Errorf("read back %+v on %v (partial %d, err %v), want %+v", back, classes, partial, err, ms)
	}
}
