package results

import (
	"slices"
	"testing"
)

// obj is a record with only the objectives set; Key names it.
func obj(seq int, key string, params int64, latencyMS float64, memoryBytes int64, feasible bool) Record {
	return Record{Seq: seq, Key: key, DecoderParams: params, LatencyMS: latencyMS, MemoryBytes: memoryBytes, Feasible: feasible}
}

func keys(recs []Record) []string {
	var ks []string
	for i := range recs {
		ks = append(ks, recs[i].Key)
	}
	return ks
}

func TestParetoFrontHandDerived(t *testing.T) {
	recs := []Record{
		obj(0, "A", 10, 5, 100, true),
		obj(1, "B", 10, 5, 100, true), // ties A exactly: neither dominates the other
		obj(2, "C", 8, 6, 100, true),  // A is better in params and latency, equal in memory
		obj(3, "D", 12, 7, 90, true),  // most params, least memory
		obj(4, "E", 5, 4, 200, true),  // fastest
		obj(5, "F", 100, 1, 1, false), // infeasible: never on the front, dominates nothing
		obj(6, "G", 4, 4, 200, true),  // E has more params, ties latency and memory
		obj(7, "H", 3, 8, 300, true),  // worse than A in every objective
	}
	// Standard dominance: C falls to A, G to E, H to everyone; sorted by params, A
	// before B by Seq.
	if got, want := keys(ParetoFront(recs, false, Bounds{})), []string{"E", "A", "B", "D"}; !slices.Equal(got, want) {
		t.Errorf("standard front = %v, want %v", got, want)
	}
	// LTS's strict dominance needs better in all three: ties save C and G, not H.
	if got, want := keys(ParetoFront(recs, true, Bounds{})), []string{"G", "E", "C", "A", "B", "D"}; !slices.Equal(got, want) {
		t.Errorf("strict front = %v, want %v", got, want)
	}
	if got := ParetoFront(nil, false, Bounds{}); len(got) != 0 {
		t.Errorf("front of nothing = %v", keys(got))
	}
}

func TestDominates(t *testing.T) {
	a := obj(0, "a", 10, 5, 100, true)
	for _, tc := range []struct {
		b                Record
		standard, strict bool
	}{
		{obj(1, "same", 10, 5, 100, true), false, false},
		{obj(1, "fewer params", 9, 5, 100, true), true, false},
		{obj(1, "slower", 10, 5.5, 100, true), true, false},
		{obj(1, "more memory", 10, 5, 101, true), true, false},
		{obj(1, "worse in all", 9, 6, 101, true), true, true},
		{obj(1, "more params", 11, 6, 101, true), false, false},
		{obj(1, "faster", 9, 4, 101, true), false, false},
		{obj(1, "less memory", 9, 6, 99, true), false, false},
	} {
		if got := Dominates(&a, &tc.b, false); got != tc.standard {
			t.Errorf("standard: a dominates %s = %v, want %v", tc.b.Key, got, tc.standard)
		}
		if got := Dominates(&a, &tc.b, true); got != tc.strict {
			t.Errorf("strict: a dominates %s = %v, want %v", tc.b.Key, got, tc.strict)
		}
	}
}
