package results

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The fixture runs in testdata (see testdata/README.md) and their fronts, derived by
// hand from the objectives listed there.
var (
	cpuFrontSeqs  = []int{1, 6, 2, 5}          // seq 0 and 3 fall to seq 1; seq 4 is infeasible
	cudaFrontSeqs = []int{0, 2, 5, 7, 3, 4, 1} // seq 6 falls to seq 7
	fixtureDirs   = []string{"testdata/run-cpu", "testdata/run-cuda"}
)

func seqs(recs []Record) []int {
	var s []int
	for i := range recs {
		s = append(s, recs[i].Seq)
	}
	return s
}

func loadFixtures(t *testing.T) []*Run {
	t.Helper()
	var runs []*Run
	for _, d := range fixtureDirs {
		r, err := LoadRun(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Warnings) > 0 {
			t.Errorf("%s: unexpected warnings %q", d, r.Warnings)
		}
		runs = append(runs, r)
	}
	return runs
}

func TestLoadRunFixtures(t *testing.T) {
	runs := loadFixtures(t)
	cpu, cuda := runs[0], runs[1]
	if len(cpu.Archive) != 7 || cpu.Infeasible() != 1 || len(cuda.Archive) != 8 || cuda.Infeasible() != 0 {
		t.Errorf("archives: cpu %d records (%d infeasible), cuda %d (%d); want 7 (1), 8 (0)",
			len(cpu.Archive), cpu.Infeasible(), len(cuda.Archive), cuda.Infeasible())
	}
	if got := seqs(cpu.Front); !slices.Equal(got, cpuFrontSeqs) {
		t.Errorf("cpu front seqs %v, want %v", got, cpuFrontSeqs)
	}
	if got := seqs(cuda.Front); !slices.Equal(got, cudaFrontSeqs) {
		t.Errorf("cuda front seqs %v, want %v", got, cudaFrontSeqs)
	}
	if got, want := cpu.DeviceLabel(), "cpu (Cortex-A72, 4 threads)"; got != want {
		t.Errorf("cpu label %q, want %q", got, want)
	}
	if got, want := cuda.DeviceLabel(), "cuda:0 (NVIDIA GeForce RTX 3060)"; got != want {
		t.Errorf("cuda label %q, want %q", got, want)
	}
	if cuda.Info.MemoryMetric != "nvml_process_peak_bytes" {
		t.Errorf("cuda memory metric %q", cuda.Info.MemoryMetric)
	}
}

// copyRun copies a fixture run directory into a temporary one.
func copyRun(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func hasWarning(r *Run, sub string) bool {
	return slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, sub) })
}

func TestLoadRunStalePareto(t *testing.T) {
	// A run killed after appending to the archive but before rewriting pareto.jsonl.
	dir := copyRun(t, "testdata/run-cpu")
	recs, _, err := ReadArchive(filepath.Join(dir, ParetoFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteJSONL(filepath.Join(dir, ParetoFile), recs[:2]); err != nil {
		t.Fatal(err)
	}
	r, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := seqs(r.Front); !slices.Equal(got, cpuFrontSeqs) {
		t.Errorf("front %v, want the archive's %v", got, cpuFrontSeqs)
	}
	if !hasWarning(r, "pareto.jsonl lists 2 architectures, the archive's front has 4") {
		t.Errorf("warnings %q do not mention the stale pareto.jsonl", r.Warnings)
	}
}

func TestLoadRunWithoutArchive(t *testing.T) {
	dir := copyRun(t, "testdata/run-cuda")
	os.Remove(filepath.Join(dir, ArchiveFile))
	r, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := seqs(r.Front); !slices.Equal(got, cudaFrontSeqs) {
		t.Errorf("front from pareto.jsonl alone: %v, want %v", got, cudaFrontSeqs)
	}
	if !hasWarning(r, "archive.jsonl: missing") {
		t.Errorf("warnings %q do not say the archive is missing", r.Warnings)
	}
	os.Remove(filepath.Join(dir, ParetoFile))
	if _, err := LoadRun(dir); err == nil || !strings.Contains(err.Error(), "neither archive.jsonl nor pareto.jsonl") {
		t.Errorf("no archive and no front: err = %v", err)
	}
}

func TestLoadRunPartialArchive(t *testing.T) {
	dir := copyRun(t, "testdata/run-cpu")
	f, err := os.OpenFile(filepath.Join(dir, ArchiveFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"seq":7,"iteration":1,"key":"gpt2_fl`)
	f.Close()
	r, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Archive) != 7 || !hasWarning(r, "partial last line (37 bytes)") {
		t.Errorf("%d records, warnings %q; want 7 and a partial-line warning", len(r.Archive), r.Warnings)
	}
}

func TestLoadRunBounds(t *testing.T) {
	// A latency bound of 900 ms keeps seq 2 (901 ms) and seq 5 (1046 ms) off the front;
	// seq 0 and 3 still fall to seq 1.
	dir := copyRun(t, "testdata/run-cpu")
	info, err := ReadRunInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	info.Search.MaxLatencyMS = 900
	if err := WriteRunInfo(dir, info); err != nil {
		t.Fatal(err)
	}
	r, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := seqs(r.Front), []int{1, 6}; !slices.Equal(got, want) {
		t.Errorf("bounded front %v, want %v", got, want)
	}
	// Only seq 1 (97.9 MiB) and seq 3 (98.9 MiB) fit in 99 MiB, and seq 1 dominates seq 3.
	info.Search.MaxLatencyMS, info.Search.MaxMemoryMB = 0, 99
	WriteRunInfo(dir, info)
	if r, err = LoadRun(dir); err != nil {
		t.Fatal(err)
	}
	if got, want := seqs(r.Front), []int{1}; !slices.Equal(got, want) {
		t.Errorf("memory-bounded front %v, want %v", got, want)
	}
}

func TestLoadRunErrors(t *testing.T) {
	if _, err := LoadRun(filepath.Join(t.TempDir(), "nope")); !os.IsNotExist(err) {
		t.Errorf("missing dir: %v", err)
	}
	if _, err := LoadRun("testdata/run-cpu/run.json"); err == nil || !strings.Contains(err.Error(), "not a run directory") {
		t.Errorf("file as dir: %v", err)
	}
	if _, err := LoadRun(t.TempDir()); err == nil || !strings.Contains(err.Error(), RunFile) {
		t.Errorf("empty dir: %v", err)
	}
	dir := copyRun(t, "testdata/run-cpu")
	data, _ := os.ReadFile(filepath.Join(dir, ArchiveFile))
	lines := strings.SplitAfter(string(data), "\n")
	lines[3] = "{\"seq\": 3,\n"
	os.WriteFile(filepath.Join(dir, ArchiveFile), []byte(strings.Join(lines, "")), 0o644)
	if _, err := LoadRun(dir); err == nil || !strings.Contains(err.Error(), "archive.jsonl:4:") {
		t.Errorf("corrupt line 4: %v", err)
	}
}

// run.json as written before the "search" object (the fixtures are) still loads: its
// top-level search settings become Search, LTS's sizes Search.Sizes; written back, it
// has the new layout.
func TestRunInfoOldLayout(t *testing.T) {
	ri, err := ReadRunInfo(filepath.Join("testdata", "run-cpu"))
	if err != nil {
		t.Fatal(err)
	}
	s := ri.Search
	if s.Algorithm != "evolution" || s.Seed != 1111 || s.Iterations != 2 || s.Dominance != "standard" || s.Params != nil {
		t.Errorf("search settings %+v", s)
	}
	var sizes map[string]float64
	if err := json.Unmarshal(s.Sizes, &sizes); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"population": 5, "parents": 2, "mutations": 1, "crossovers": 2, "mutation_prob": 0.3, "crossover_prob": 0.5}
	if !maps.Equal(sizes, want) {
		t.Errorf("sizes %v, want %v", sizes, want)
	}
	s.Params, s.Sizes = json.RawMessage(`{"population":5}`), nil
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"algorithm":"evolution","seed":1111,"iterations":2,"dominance":"standard","evolution":{"population":5}}`; string(data) != want {
		t.Errorf("written back:\n%s\nwant\n%s", data, want)
	}
}

// A fleet run is labelled by its device class and its workers' device, never by the
// coordinator's machine, which measured nothing; before a worker's environment is in
// run.json the label names the class alone and benchfmt describes no machine.
func TestFleetRunDeviceLabel(t *testing.T) {
	r := loadFixtures(t)[1] // a cuda run: its environment describes an RTX 3060
	r.Info.Fleet = &FleetInfo{Class: "NVIDIA_H200"}
	if got, want := r.DeviceLabel(), "class NVIDIA_H200"; got != want {
		t.Errorf("before a worker's environment: %q, want %q", got, want)
	}
	var b strings.Builder
	if err := WriteBenchfmt(&b, []*Run{r}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "RTX 3060") || !strings.Contains(b.String(), "device: class NVIDIA_H200") {
		t.Errorf("benchfmt of a fleet run without its class's environment:\n%s", b.String())
	}
	if jr := JSONReport([]*Run{r})[0]; jr.GPU != "" || jr.CPU != "" {
		t.Errorf("JSON report of a fleet run without its class's environment: gpu %q, cpu %q; want neither", jr.GPU, jr.CPU)
	}
	r.Info.Fleet.Worker = "h200-1"
	if got, want := r.DeviceLabel(), "class NVIDIA_H200 (NVIDIA GeForce RTX 3060)"; got != want {
		t.Errorf("with a worker's environment: %q, want %q", got, want)
	}
}
