package search

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// noisyMeasurer gives GPT-2 architectures a latency that follows their matrix
// products (FLOPs per token) plus a cost per layer and head, times 1 ± noise drawn
// from its own stream, as two runs of a CPU measure one architecture differently; the
// memory is the weights' bytes plus activations, exact as alloc_peak_bytes is.
type noisyMeasurer struct {
	rng   *rand.Rand
	noise float64
}

func (m *noisyMeasurer) Measure(ctx context.Context, a *space.Arch) (*Measurement, error) {
	lat := a.FLOPsPerToken()/1e6 + 0.2*float64(a.NLayer)
	for _, h := range a.NHead[:a.NLayer] {
		lat += 0.02 * float64(h)
	}
	lat *= 1 + m.noise*(2*m.rng.Float64()-1)
	mem := a.TotalParams()*4 + int64(a.DModel)*64*4*int64(a.NLayer)
	return &Measurement{LatencyMS: lat, MemoryBytes: mem}, nil
}

// Two quick searches of the paper's GPT-2 space with the same seed, measured with
// independent ±3 % noise, propose the same architectures: the parents come from a
// front that noise of that size does not change. With the exact front as parents
// (tolerance 0) the same searches drift apart, as they did before.
func TestSameSeedSameProposalsUnderNoise(t *testing.T) {
	s, err := space.DefaultSpace(space.GPT2)
	if err != nil {
		t.Fatal(err)
	}
	search := func(seed, noiseStream uint64) []string {
		cfg := PaperConfig(s)
		cfg.Iterations, cfg.Population, cfg.Parents, cfg.Mutations, cfg.Crossovers = 4, 20, 4, 8, 8 // --budget quick
		cfg.Seed = seed
		m := &noisyMeasurer{rng: rand.New(rand.NewPCG(seed, noiseStream)), noise: 0.03}
		out := run(t, cfg, m, t.TempDir(), false, nil)
		return sortedKeys(out.Records)
	}
	differ := func() int {
		n := 0
		for seed := uint64(1); seed <= 8; seed++ {
			if !slices.Equal(search(seed, 1), search(seed, 2)) {
				n++
			}
		}
		return n
	}
	if n := differ(); n != 0 {
		t.Errorf("%d of 8 seeds proposed other architectures when only the noise differed", n)
	}
	defer func(tol float64) { parentTolerance = tol }(parentTolerance)
	parentTolerance = 0
	if n := differ(); n < 4 {
		t.Errorf("with the exact front as parents only %d of 8 seeds drifted: the noise is too weak for this test to tell", n)
	}
}

// tolerantDominates by hand: latencies within 10 % are equal, parameters and memory
// exact.
func TestTolerantDominates(t *testing.T) {
	rec := func(params int64, lat float64, mem int64) *results.Record {
		return &results.Record{DecoderParams: params, LatencyMS: lat, MemoryBytes: mem, Feasible: true}
	}
	for _, c := range []struct {
		a, b *results.Record
		want bool
	}{
		{rec(10, 10.9, 5), rec(9, 10, 5), true},   // more params, 9 % slower: latency ties
		{rec(10, 11.1, 5), rec(9, 10, 5), false},  // 11 % slower: clearly slower
		{rec(10, 10, 5), rec(10, 10.5, 5), false}, // same params and memory, 5 % faster: a tie
		{rec(10, 10, 5), rec(10, 11.5, 5), true},  // 15 % faster, else equal
		{rec(10, 10, 4), rec(10, 10.5, 5), true},  // less memory, latency ties
		{rec(10, 10, 6), rec(9, 5, 5), false},     // more memory
		{rec(10, 10, 5), rec(10, 10, 5), false},   // equal in all: no dominance
	} {
		if got := tolerantDominates(c.a, c.b, 0.10); got != c.want {
			t.Errorf("%+v dominates %+v: %v, want %v", *c.a, *c.b, got, c.want)
		}
		if c.want && tolerantDominates(c.b, c.a, 0.10) {
			t.Errorf("%+v and %+v dominate each other", *c.a, *c.b)
		}
	}
}

// parentFront keeps the records nothing tolerantly dominates, within the bounds, in
// the order of decoder parameters and key, whatever the order measured.
func TestParentFront(t *testing.T) {
	cfg := smallConfig(tinySpace(), Evolution)
	cfg.MaxLatencyMS = 50
	e := EvolutionParams(cfg.Sizes).Proposer(cfg).(*evolution)
	for i, r := range []results.Record{
		{Key: "d", DecoderParams: 30, LatencyMS: 30, MemoryBytes: 9, Feasible: true},
		{Key: "c", DecoderParams: 20, LatencyMS: 21, MemoryBytes: 5, Feasible: true},
		{Key: "b", DecoderParams: 20, LatencyMS: 20, MemoryBytes: 5, Feasible: true}, // ties c: both stay
		{Key: "a", DecoderParams: 10, LatencyMS: 19, MemoryBytes: 5, Feasible: true}, // b has more params and ties its latency
		{Key: "e", DecoderParams: 10, LatencyMS: 5, MemoryBytes: 5, Feasible: true},  // far faster than b and c
		{Key: "f", DecoderParams: 90, LatencyMS: 60, MemoryBytes: 1, Feasible: true}, // over the latency bound
		{Key: "g", DecoderParams: 99, Feasible: false},
	} {
		r.Seq = i
		e.Observe(&r)
	}
	var got []string
	for _, r := range e.parentFront() {
		got = append(got, r.Key)
	}
	if want := []string{"e", "b", "c", "d"}; !slices.Equal(got, want) {
		t.Fatalf("parent front %v, want %v", got, want)
	}
}
