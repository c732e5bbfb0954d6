package search

import (
	"slices"
	"testing"

	"github.com/ltsbench/ltsbench/results"
)

// coordinate drives a Proposer the way a coordinator of several machines would,
// without Run: propose a generation, measure all of it, observe the records in
// order. It returns the keys of every candidate, generation by generation.
func coordinate(t *testing.T, cfg Config, m Measurer) []string {
	t.Helper()
	prop := cfg.Params().Proposer(cfg)
	var keys []string
	for it := range cfg.Iterations {
		g, err := prop.Propose(it)
		if err != nil {
			t.Fatal(err)
		}
		var recs []results.Record
		for _, a := range g.Candidates {
			rec := results.Record{Seq: len(keys), Iteration: it, Key: a.Key(), Arch: a, DecoderParams: a.DecoderParams()}
			if meas, err := m.Measure(t.Context(), a); err != nil {
				rec.Error = err.Error()
			} else {
				rec.Feasible, rec.LatencyMS, rec.MemoryBytes = true, meas.LatencyMS, meas.MemoryBytes
			}
			keys = append(keys, rec.Key)
			recs = append(recs, rec)
		}
		// All of a generation is measured before any record is observed: the
		// next generation depends only on the records, not on when they came.
		for i := range recs {
			prop.Observe(&recs[i])
		}
	}
	return keys
}

// Every registered algorithm is deterministic for a seed through its Proposer alone:
// two coordinators propose the same architectures, and those are what Run archives;
// another seed proposes others.
func TestProposerIsTheSeam(t *testing.T) {
	for _, alg := range Algorithms() {
		t.Run(alg, func(t *testing.T) {
			cfg := smallConfig(wideSpace(), alg)
			m := &fakeMeasurer{OOMBytes: 5_000_000}
			first, second := coordinate(t, cfg, m), coordinate(t, cfg, &fakeMeasurer{OOMBytes: 5_000_000})
			if len(first) != cfg.Budget() || !slices.Equal(first, second) {
				t.Fatalf("two coordinators of one seed: %d and %d candidates, equal %v", len(first), len(second), slices.Equal(first, second))
			}
			out := run(t, cfg, &fakeMeasurer{OOMBytes: 5_000_000}, t.TempDir(), false, nil)
			if !slices.Equal(keysOf(out.Records), first) {
				t.Error("Run archived other architectures than the Proposer proposes")
			}
			other := cfg
			other.Seed++
			if slices.Equal(coordinate(t, other, m), first) {
				t.Error("another seed proposed the same architectures")
			}
		})
	}
}
