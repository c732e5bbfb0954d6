package search

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// tinyRealSpace is tinySpace as a space.Space: n_layer 1–2, d_model 64 or 128, d_inner
// 128 or 256 with d_inner ≥ 2·d_model, n_head 2 or 4: 6 + 20 = 26 architectures.
func tinyRealSpace() *space.Space {
	return &space.Space{
		Backbone: space.GPT2, NLayer: space.Range{Min: 1, Max: 2, Step: 1},
		DModel: space.Range{Min: 64, Max: 128, Step: 64}, DInner: space.Range{Min: 128, Max: 256, Step: 128},
		NHead: []int{2, 4}, NToken: 1000, TgtLen: 64, DInnerMinRatio: 2,
	}
}

// With the real search space: when the budget covers it, both algorithms measure the
// whole space (as many architectures as Space.Size counts) and find its brute-force
// front.
func TestRealSpaceCovered(t *testing.T) {
	s := tinyRealSpace()
	size := s.Size()
	if !size.IsInt64() || size.Int64() != 26 {
		t.Fatalf("tiny space size %v, want 26", size)
	}
	for _, alg := range Algorithms() {
		cfg := smallConfig(s, alg)
		cfg.Population, cfg.Parents, cfg.Mutations, cfg.Crossovers = 40, 10, 15, 15
		m := &fakeMeasurer{OOMBytes: 2_000_000}
		out := run(t, cfg, m, t.TempDir(), false, nil)
		if len(out.Records) != 26 || !out.Exhausted {
			t.Errorf("%s: measured %d of 26, exhausted %v", alg, len(out.Records), out.Exhausted)
		}
		for _, strict := range []bool{false, true} {
			got, want := sortedKeys(results.ParetoFront(out.Records, strict, results.Bounds{})), sortedKeys(bruteFront(out.Records, strict, results.Bounds{}))
			if !slices.Equal(got, want) {
				t.Errorf("%s strict=%v: front %v, brute force %v", alg, strict, got, want)
			}
		}
	}
}

// With the paper's GPT-2 space: a stopped and resumed search ends as the uninterrupted
// one, and every candidate passes the space's checks.
func TestRealSpaceStopAndResume(t *testing.T) {
	s, err := space.DefaultSpace(space.GPT2)
	if err != nil {
		t.Fatal(err)
	}
	cfg := smallConfig(s, Evolution)
	// Out of memory above the median of a first search, so some records are infeasible.
	first := run(t, cfg, &fakeMeasurer{}, t.TempDir(), false, nil)
	mems := make([]int64, len(first.Records))
	for i, r := range first.Records {
		mems[i] = r.MemoryBytes
	}
	slices.Sort(mems)
	oom := mems[len(mems)/2]
	want := run(t, cfg, &fakeMeasurer{OOMBytes: oom}, t.TempDir(), false, nil)
	if len(want.Records) != cfg.Budget() || want.Infeasible == 0 || want.Infeasible == len(want.Records) {
		t.Fatalf("uninterrupted: %d records (budget %d), %d infeasible", len(want.Records), cfg.Budget(), want.Infeasible)
	}
	for _, r := range want.Records {
		if err := s.Check(r.Arch); err != nil {
			t.Fatalf("%s measured but outside the space: %v", r.Key, err)
		}
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err = runDir(ctx, cfg, &cancelAfter{fakeMeasurer: fakeMeasurer{OOMBytes: oom}, n: 27, cancel: cancel}, dir, false, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped run: %v", err)
	}
	m := &fakeMeasurer{OOMBytes: oom}
	got := run(t, cfg, m, dir, true, nil)
	if got.Resumed != 27 || len(m.measured()) != cfg.Budget()-27 {
		t.Errorf("resumed %d, measured %d", got.Resumed, len(m.measured()))
	}
	if !slices.Equal(keysOf(readArchive(t, dir)), keysOf(want.Records)) || !slices.Equal(keysOf(got.Front), keysOf(want.Front)) {
		t.Error("stopped and resumed search differs from the uninterrupted one")
	}
}
