package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// generationMeasurer measures each generation with fakeMeasurer, as a fleet of
// devices would, and remembers the generations it was given.
type generationMeasurer struct {
	fakeMeasurer
	gens [][]string
	// stopAt, when > 0, makes generation number stopAt (1-based) fail as a lost
	// server would, after measuring it (the fleet keeps those results).
	stopAt int
	cancel context.CancelFunc
}

func (g *generationMeasurer) MeasureGeneration(ctx context.Context, as []*space.Arch) ([]Attempt, error) {
	keys := make([]string, len(as))
	out := make([]Attempt, len(as))
	for i, a := range as {
		keys[i] = a.Key()
		m, err := g.Measure(ctx, a)
		out[i] = Attempt{Measurement: m, Err: err}
	}
	g.gens = append(g.gens, keys)
	if len(g.gens) == g.stopAt {
		g.cancel()
		return nil, fmt.Errorf("generation %d: %w", g.stopAt, ctx.Err())
	}
	return out, nil
}

// A GenerationMeasurer gets whole generations (the not yet stored candidates of each,
// in the order proposed) and the archive is the one the same measurements taken one
// by one give: same architectures, same order, same values, infeasible ones included.
func TestGenerationMeasurerSameArchive(t *testing.T) {
	cfg := smallConfig(wideSpace(), Evolution)
	want := run(t, cfg, &fakeMeasurer{OOMBytes: 5_000_000}, t.TempDir(), false, nil)
	gm := &generationMeasurer{fakeMeasurer: fakeMeasurer{OOMBytes: 5_000_000}}
	dir := t.TempDir()
	got := run(t, cfg, gm, dir, false, nil)
	if !sameRecords(readArchive(t, dir), want.Records) || !slices.Equal(keysOf(got.Front), keysOf(want.Front)) {
		t.Fatal("the archive measured by generations differs from the one measured one by one")
	}
	if results.CountInfeasible(want.Records) == 0 {
		t.Error("no infeasible record: the test does not cover failed measurements")
	}
	if len(gm.gens) != cfg.Iterations || len(gm.gens[0]) != cfg.Population || len(gm.gens[1]) != cfg.Offspring() {
		t.Errorf("generations of sizes %v; want %d generations, %d then %d", lens(gm.gens), cfg.Iterations, cfg.Population, cfg.Offspring())
	}
	if !slices.Equal(slices.Concat(gm.gens...), keysOf(want.Records)) {
		t.Error("the generations are not the archive's architectures in order")
	}
}

// A generation that cannot be measured stops the search with nothing of it recorded;
// --resume measures that generation again and finishes as an uninterrupted run.
func TestGenerationMeasurerStopAndResume(t *testing.T) {
	cfg := smallConfig(wideSpace(), Evolution)
	want := run(t, cfg, &fakeMeasurer{}, t.TempDir(), false, nil)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	gm := &generationMeasurer{stopAt: 2, cancel: cancel}
	out, err := runDir(ctx, cfg, gm, dir, false, nil)
	if !errors.Is(err, context.Canceled) || out == nil || !out.Stopped {
		t.Fatalf("stopped run: outcome %v, error %v", out, err)
	}
	if n := len(readArchive(t, dir)); n != cfg.Population {
		t.Fatalf("stopped in generation 2: %d records archived, want the first generation's %d", n, cfg.Population)
	}
	gm2 := &generationMeasurer{}
	res := run(t, cfg, gm2, dir, true, nil)
	if res.Resumed != cfg.Population || !sameRecords(readArchive(t, dir), want.Records) {
		t.Fatalf("resumed %d; archive equal to the uninterrupted one: %v", res.Resumed, sameRecords(readArchive(t, dir), want.Records))
	}
	if len(gm2.gens) != cfg.Iterations-1 || !slices.Equal(gm2.gens[0], gm.gens[1]) {
		t.Errorf("the resumed run measured generations of sizes %v; want the stopped one again, then the rest", lens(gm2.gens))
	}
}

// sameRecords compares what a search decides on: order, architecture, feasibility,
// objectives and error.
func sameRecords(a, b []results.Record) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Seq != y.Seq || x.Iteration != y.Iteration || x.Key != y.Key || x.Feasible != y.Feasible ||
			x.LatencyMS != y.LatencyMS || x.MemoryBytes != y.MemoryBytes || x.Error != y.Error || x.DecoderParams != y.DecoderParams {
			return false
		}
	}
	return true
}

func lens(gens [][]string) []int {
	n := make([]int, len(gens))
	for i, g := range gens {
		n[i] = len(g)
	}
	return n
}
