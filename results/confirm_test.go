package results

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/bench"
)

func copyFixture(t *testing.T, from string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{RunFile, ArchiveFile, ParetoFile} {
		data, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A confirmed latency replaces the search's for the front: seq 1 (6.08 M, 648.5 ms,
// 102.6 MB) confirmed at 900 ms no longer dominates seq 3 (5.03 M, 710.1 ms, 103.7 MB),
// which nothing else dominates (seq 6 is faster but needs 107.2 MB), while seq 0
// (6.04 M, 815.2 ms, 123.3 MB) still falls to seq 6 (7.23 M, 689.3 ms, 107.2 MB).
func TestConfirmationsChangeTheFront(t *testing.T) {
	dir := copyFixture(t, "testdata/run-cpu")
	key1 := "gpt2_flex:L3:d320:h8,2,4:i1920,1920,3712:V50257:T192:e320:k4:c19997,39997:p011"
	run, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Archive[1].Key != key1 {
		t.Fatalf("fixture seq 1 is %s", run.Archive[1].Key)
	}
	cs := []Confirmation{{
		Key: key1, RoundsMS: []float64{880, 900, 950}, LatencyMS: 900, Spread: 950.0/880 - 1,
		Latency:         bench.Stats{Median: 900, P10: 870, P90: 960, Mean: 905, N: 30},
		SearchLatencyMS: 648.5365, ConfirmedAt: "2026-01-02T03:04:05Z",
	}, {Key: "not-in-this-run", RoundsMS: []float64{1}, LatencyMS: 1}}
	if err := WriteConfirmations(dir, cs); err != nil {
		t.Fatal(err)
	}
	got, err := ReadConfirmations(dir)
	if err != nil || len(got) != 2 || got[0].Key != key1 || got[0].LatencyMS != 900 || got[0].Latency.N != 30 || got[0].Spread != cs[0].Spread {
		t.Fatalf("read back %+v, %v", got, err)
	}
	run, err = LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s := seqs(run.Front); !slices.Equal(s, []int{3, 1, 6, 2, 5}) {
		t.Fatalf("front %v, want [3 1 6 2 5]", s)
	}
	r1 := &run.Archive[1]
	if r1.Confirmed == nil || r1.LatencyMS != 900 || r1.Latency().Median != 900 || r1.Latency().N != 30 || r1.Result.LatencyMS() == 900 {
		t.Fatalf("seq 1: confirmed %+v, latency %v, stats %+v", r1.Confirmed, r1.LatencyMS, r1.Latency())
	}
	for i := range run.Archive {
		if i != 1 && run.Archive[i].Confirmed != nil {
			t.Fatalf("seq %d confirmed too", i)
		}
	}
	// pareto.jsonl still lists the search's front: the report says so.
	if len(run.Warnings) != 1 || !strings.Contains(run.Warnings[0], "pareto.jsonl lists 4 architectures, the archive's front has 5") {
		t.Fatalf("warnings %q", run.Warnings)
	}
}

func TestReadConfirmationsRefuses(t *testing.T) {
	dir := t.TempDir()
	if cs, err := ReadConfirmations(dir); cs != nil || err != nil {
		t.Fatalf("no file: %v, %v; want nothing", cs, err)
	}
	for _, bad := range []string{"{\"key\":\"a\",\"latency_ms\":1}\nnot json\n", "{\"key\":\"a\",\"latency_ms\":0}\n", "{\"latency_ms\":3}\n"} {
		if err := os.WriteFile(filepath.Join(dir, ConfirmedFile), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadConfirmations(dir)
		if err == nil || !strings.Contains(err.Error(), ConfirmedFile+": line ") {
			t.Errorf("%q: error %v, want one naming the file and line", bad, err)
		}
	}
	// A broken confirmation file does not stop a report: the search's latencies are
	// reported, with a warning.
	run := copyFixture(t, "testdata/run-cpu")
	if err := os.WriteFile(filepath.Join(run, ConfirmedFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := LoadRun(run)
	if err != nil || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "search's latencies are reported") || !slices.Equal(seqs(r.Front), cpuFrontSeqs) {
		t.Fatalf("broken confirmed.jsonl: %v, warnings %q", err, r.Warnings)
	}
}
