package search

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ltsbench/ltsbench/results"
)

func point(seq int, params int64, latencyMS float64, memoryBytes int64) results.Record {
	return results.Record{Seq: seq, Key: string(rune('a' + seq)), DecoderParams: params, LatencyMS: latencyMS, MemoryBytes: memoryBytes, Feasible: true}
}

func keysOf(recs []results.Record) []string {
	ks := make([]string, len(recs))
	for i := range recs {
		ks[i] = recs[i].Key
	}
	return ks
}

func sortedKeys(recs []results.Record) []string {
	ks := keysOf(recs)
	slices.Sort(ks)
	return ks
}

// Hand-made points with ties. Standard dominance drops a point that only ties another
// in some objectives and loses in the rest; LTS's strict dominance keeps it.
func TestDominanceTies(t *testing.T) {
	recs := []results.Record{
		point(0, 100, 10, 100), // a
		point(1, 100, 10, 100), // b: a's twin; neither dominates the other
		point(2, 100, 12, 100), // c: ties a in params and memory, slower
		point(3, 90, 11, 110),  // d: worse than a in all three
		point(4, 200, 50, 500), // e: the big one
		point(5, 200, 50, 600), // f: ties e in params and latency, more memory
	}
	a, b, c, d, e, f := &recs[0], &recs[1], &recs[2], &recs[3], &recs[4], &recs[5]
	for _, x := range []struct {
		name     string
		p, q     *results.Record
		standard bool
		strict   bool
	}{
		{"a≻b twins", a, b, false, false},
		{"a≻c (ties)", a, c, true, false},
		{"c≻a", c, a, false, false},
		{"a≻d", a, d, true, true},
		{"e≻f (ties)", e, f, true, false},
		{"a≻e", a, e, false, false},
		{"e≻a", e, a, false, false},
		{"a≻a", a, a, false, false},
	} {
		if got := results.Dominates(x.p, x.q, false); got != x.standard {
			t.Errorf("standard %s = %v, want %v", x.name, got, x.standard)
		}
		if got := results.Dominates(x.p, x.q, true); got != x.strict {
			t.Errorf("strict %s = %v, want %v", x.name, got, x.strict)
		}
	}
	// Fronts are sorted by params, then latency, then seq.
	if got, want := keysOf(results.ParetoFront(recs, false, results.Bounds{})), []string{"a", "b", "e"}; !slices.Equal(got, want) {
		t.Errorf("standard front %v, want %v", got, want)
	}
	if got, want := keysOf(results.ParetoFront(recs, true, results.Bounds{})), []string{"a", "b", "c", "e", "f"}; !slices.Equal(got, want) {
		t.Errorf("strict front %v, want %v", got, want)
	}
}

// Bounds and feasibility decide who may be on the front before dominance does: a
// point over a bound or infeasible neither appears nor removes anyone.
func TestBoundsAndInfeasibleOutOfFront(t *testing.T) {
	recs := []results.Record{
		point(0, 100, 10, 1000),
		point(1, 150, 20, 2000), // exactly at both bounds: admitted
		point(2, 300, 25, 1500), // over the latency bound
		point(3, 300, 15, 3000), // over the memory bound
		point(4, 120, 12, 1200),
	}
	// An infeasible record has no measurement; with zero latency and memory and the
	// most parameters it would dominate everything if it were let in.
	recs = append(recs, results.Record{Seq: 5, Key: "f", DecoderParams: 1000, Feasible: false, Error: "out of memory"})
	b := results.Bounds{MaxLatencyMS: 20, MaxMemoryBytes: 2000}
	for _, strict := range []bool{false, true} {
		if got, want := keysOf(results.ParetoFront(recs, strict, b)), []string{"a", "e", "b"}; !slices.Equal(got, want) {
			t.Errorf("strict=%v bounded front %v, want %v", strict, got, want)
		}
	}
	// Without bounds the two big points dominate b (standard: c is slower than b; d
	// beats b in params and latency but uses more memory, so b stays).
	if got, want := keysOf(results.ParetoFront(recs, false, results.Bounds{})), []string{"a", "e", "b", "d", "c"}; !slices.Equal(got, want) {
		t.Errorf("unbounded front %v, want %v", got, want)
	}
	if b.Admits(&recs[5]) || (results.Bounds{}).Admits(&recs[5]) {
		t.Error("an infeasible record was admitted")
	}
}

// bruteFront is the definition, written independently of ParetoFront: p is on the
// front when no admitted q has an objective vector (−params, latency, memory) that is
// componentwise ≤ p's (standard: and different; strict: componentwise <).
func bruteFront(recs []results.Record, strict bool, b results.Bounds) []results.Record {
	vec := func(r *results.Record) [3]float64 {
		return [3]float64{-float64(r.DecoderParams), r.LatencyMS, float64(r.MemoryBytes)}
	}
	ok := func(r *results.Record) bool {
		return r.Feasible && (b.MaxLatencyMS == 0 || r.LatencyMS <= b.MaxLatencyMS) &&
			(b.MaxMemoryBytes == 0 || r.MemoryBytes <= b.MaxMemoryBytes)
	}
	var out []results.Record
	for i := range recs {
		if !ok(&recs[i]) {
			continue
		}
		p := vec(&recs[i])
		onFront := true
		for j := range recs {
			if !ok(&recs[j]) {
				continue
			}
			q := vec(&recs[j])
			le, lt := true, true
			for k := range 3 {
				le = le && q[k] <= p[k]
				lt = lt && q[k] < p[k]
			}
			if (strict && lt) || (!strict && le && q != p) {
				onFront = false
			}
		}
		if onFront {
			out = append(out, recs[i])
		}
	}
	return out
}

// measureAll is every architecture of s measured with m, in enumeration order.
func measureAll(t *testing.T, s *fakeSpace, m *fakeMeasurer) []results.Record {
	t.Helper()
	var recs []results.Record
	r := &runner{m: m}
	for i, a := range s.enumerate() {
		rec, _ := r.measure(t.Context(), 0, a)
		rec.Seq = i
		recs = append(recs, rec)
		r.records = append(r.records, rec)
	}
	return recs
}

// On the whole of a small space, the front equals the brute-force front, for both
// dominances, with and without bounds, infeasible architectures included.
func TestFrontEqualsBruteForceOnSmallSpace(t *testing.T) {
	s := tinySpace()
	recs := measureAll(t, s, &fakeMeasurer{OOMBytes: 1_800_000})
	if len(recs) != 26 {
		t.Fatalf("tiny space has %d architectures, want 26", len(recs))
	}
	infeasible := 0
	for i := range recs {
		if !recs[i].Feasible {
			infeasible++
		}
	}
	if infeasible == 0 || infeasible == len(recs) {
		t.Fatalf("%d of %d infeasible; the test needs some of each", infeasible, len(recs))
	}
	for _, strict := range []bool{false, true} {
		for _, b := range []results.Bounds{{}, {MaxLatencyMS: 2.5}, {MaxMemoryBytes: 1_450_000}} {
			got, want := sortedKeys(results.ParetoFront(recs, strict, b)), sortedKeys(bruteFront(recs, strict, b))
			if !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("strict=%v %+v: front %v, brute force %v", strict, b, got, want)
			}
		}
	}
	t.Logf("26 architectures, %d infeasible, fronts: standard %d, strict %d", infeasible,
		len(results.ParetoFront(recs, false, results.Bounds{})), len(results.ParetoFront(recs, true, results.Bounds{})))
}

// The search keeps its front incrementally (old front + new record); after every
// record it must equal the front of all records so far.
func TestIncrementalFrontEqualsFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, strict := range []bool{false, true} {
		cfg := Config{Strict: strict, MaxLatencyMS: 8}
		f := frontier{strict: strict, bounds: cfg.Bounds()}
		var recs []results.Record
		for i := range 400 {
			// Few distinct values, so ties are common.
			r := point(i, int64(rng.IntN(6)), float64(rng.IntN(10)+1), int64(rng.IntN(6)+1))
			r.Key = string(rune(0x100 + i))
			r.Feasible = rng.IntN(10) > 0
			f.add(r)
			recs = append(recs, r)
			want := results.ParetoFront(recs, strict, cfg.Bounds())
			if !slices.Equal(keysOf(f.front), keysOf(want)) {
				t.Fatalf("strict=%v after %d records: incremental front %v, full %v", strict, i+1, keysOf(f.front), keysOf(want))
			}
		}
	}
}
