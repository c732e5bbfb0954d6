package results_test

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/search"
	"github.com/ltsbench/ltsbench/space"
)

// TestFrontMatchesSearch checks that a report shows the front the search selected
// parents from: LoadRun's front equals search.ParetoFront on the same archive, for both
// dominance rules and with latency and memory bounds, on random objectives drawn from
// few values so that ties are common.
func TestFrontMatchesSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// The objectives are what matter here; every record carries the same small arch.
	arch, err := space.ParseArch([]byte(`{"backbone": "gpt2", "n_layer": 1, "d_model": 64, "n_head": 2, "d_inner": 256, "n_token": 100, "n_positions": 32}`))
	if err != nil {
		t.Fatal(err)
	}
	for trial := range 16 {
		strict := trial%2 == 1
		info := results.RunInfo{Device: "cpu", Dominance: "standard"}
		if strict {
			info.Dominance = "strict"
		}
		var bounds search.Bounds
		if trial%4 >= 2 {
			info.MaxLatencyMS, info.MaxMemoryMB = 7, 5
			bounds = search.Bounds{MaxLatencyMS: 7, MaxMemoryBytes: 5 * results.BytesPerMB}
		}
		dir := t.TempDir()
		if err := results.WriteRunInfo(dir, &info); err != nil {
			t.Fatal(err)
		}
		var recs []results.Record
		for seq := range 30 + rng.IntN(30) {
			r := results.Record{
				Seq: seq, Key: "arch" + strconv.Itoa(seq), Arch: arch,
				DecoderParams: int64(1 + rng.IntN(6)), Feasible: rng.IntN(8) != 0,
			}
			if r.Feasible {
				r.LatencyMS = float64(1+rng.IntN(8)) / 2
				r.MemoryBytes = int64(1+rng.IntN(8)) * results.BytesPerMB
			}
			recs = append(recs, r)
		}
		if err := results.WriteJSONL(filepath.Join(dir, results.ArchiveFile), recs); err != nil {
			t.Fatal(err)
		}
		run, err := results.LoadRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		got, want := keySet(run.Front), keySet(search.ParetoFront(recs, strict, bounds))
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d (strict %v, bounds %+v): report front %v, search front %v", trial, strict, bounds, got, want)
		}
	}
}

func keySet(recs []results.Record) []string {
	var ks []string
	for i := range recs {
		ks = append(ks, recs[i].Key)
	}
	slices.Sort(ks)
	return ks
}
