package search

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// roundMeasurer returns, for each architecture, the next of its latencies, and logs
// the order of the calls by name.
type roundMeasurer struct {
	names map[string]string    // key → name
	lat   map[string][]float64 // name → latency of each call
	calls []string
}

func (m *roundMeasurer) Measure(ctx context.Context, a *space.Arch) (*Measurement, error) {
	name := m.names[a.Key()]
	k := 0
	for _, c := range m.calls {
		if c == name {
			k++
		}
	}
	m.calls = append(m.calls, name)
	return &Measurement{LatencyMS: m.lat[name][k], MemoryBytes: 5}, nil
}

// confirmFixture: A and B are the search's front; C was measured 7 % slower than B
// with fewer parameters (a neighbour), D is far off, E did not run. The confirmation
// finds B slower and C faster than the search did.
func confirmFixture() ([]results.Record, *roundMeasurer) {
	archs := tinySpace().enumerate()
	m := &roundMeasurer{names: map[string]string{}, lat: map[string][]float64{
		"A": {10, 10.2, 9.9},
		"B": {17, 17.5, 16.8},
		"C": {14, 14.1, 13.9},
	}}
	rec := func(i int, name string, params int64, lat float64) results.Record {
		m.names[archs[i].Key()] = name
		return results.Record{Seq: i, Key: archs[i].Key(), Arch: archs[i], DecoderParams: params, LatencyMS: lat, MemoryBytes: 5, Feasible: lat > 0}
	}
	recs := []results.Record{rec(0, "A", 10, 10), rec(1, "B", 20, 15), rec(2, "C", 15, 16), rec(3, "D", 12, 30), rec(4, "E", 99, 0)}
	return recs, m
}

func names(m *roundMeasurer, recs []results.Record) []string {
	var s []string
	for _, r := range recs {
		s = append(s, m.names[r.Key])
	}
	return s
}

func TestCandidates(t *testing.T) {
	recs, m := confirmFixture()
	// C needs to be 16/15 − 1 = 6.7 % faster to join the front; D 30/15 − 1 = 100 %.
	for _, c := range []struct {
		margin float64
		max    int
		want   []string
	}{
		{0.10, 0, []string{"A", "C", "B"}},
		{0.05, 0, []string{"A", "B"}},
		{1.00, 0, []string{"A", "D", "C", "B"}},
		{1.00, 3, []string{"A", "C", "B"}}, // the cap keeps the front and the nearest
		{0.10, 1, []string{"A"}},           // front members by parameters, then key
	} {
		got := names(m, Candidates(recs, false, results.Bounds{}, c.margin, c.max))
		if !slices.Equal(got, c.want) {
			t.Errorf("margin %v, max %d: candidates %v, want %v", c.margin, c.max, got, c.want)
		}
	}
	// A front of 5 capped at 3: its first, middle and last member.
	archs := tinySpace().enumerate()
	var five []results.Record
	for i := range 5 {
		five = append(five, results.Record{Key: archs[i].Key(), Arch: archs[i], DecoderParams: int64(10 * (i + 1)), LatencyMS: float64(i + 1), MemoryBytes: 5, Feasible: true})
	}
	var got []int64
	for _, r := range Candidates(five, false, results.Bounds{}, 0.1, 3) {
		got = append(got, r.DecoderParams)
	}
	if !slices.Equal(got, []int64{10, 30, 50}) {
		t.Errorf("front of 5 capped at 3: parameters %v, want [10 30 50]", got)
	}
	// A latency bound leaves B (15 ms) out of everything.
	if got := names(m, Candidates(recs, false, results.Bounds{MaxLatencyMS: 14}, 0.10, 0)); !slices.Equal(got, []string{"A"}) {
		t.Errorf("with max latency 14 ms: candidates %v, want [A]", got)
	}
}

func TestConfirm(t *testing.T) {
	recs, m := confirmFixture()
	dir := t.TempDir()
	var logs []string
	logf := func(f string, args ...any) { logs = append(logs, f) }
	out, err := Confirm(t.Context(), dir, recs, false, results.Bounds{}, m, ConfirmOptions{Rounds: 3, Margin: 0.10}, logf)
	if err != nil {
		t.Fatal(err)
	}
	// Interleaved: round r measures A, C, B (the candidates' order) starting at r.
	if want := []string{"A", "C", "B", "C", "B", "A", "B", "A", "C"}; !slices.Equal(m.calls, want) {
		t.Fatalf("calls %v, want %v", m.calls, want)
	}
	if len(logs) != 3 {
		t.Errorf("%d log lines, want one per round", len(logs))
	}
	want := map[string]struct{ median, spread, search float64 }{
		"A": {10, 10.2/9.9 - 1, 10},
		"B": {17, 17.5/16.8 - 1, 15},
		"C": {14, 14.1/13.9 - 1, 16},
	}
	if len(out.Confirmations) != 3 {
		t.Fatalf("%d confirmations, want 3", len(out.Confirmations))
	}
	var spreads []float64
	for _, c := range out.Confirmations {
		w := want[m.names[c.Key]]
		if c.LatencyMS != w.median || math.Abs(c.Spread-w.spread) > 1e-12 || c.SearchLatencyMS != w.search || len(c.RoundsMS) != 3 || c.Latency.N != 3 {
			t.Errorf("%s: %+v, want median %v, spread %v", m.names[c.Key], c, w.median, w.spread)
		}
		spreads = append(spreads, c.Spread)
	}
	slices.Sort(spreads)
	if out.MedianSpread != spreads[1] {
		t.Errorf("median spread %v, want %v", out.MedianSpread, spreads[1])
	}
	// B (20 M, 17 ms) no longer dominates C (15 M, 14 ms): all three on the front,
	// each confirmed; D (12 M, 30 ms) still falls to C.
	if got := names(m, out.Front); !slices.Equal(got, []string{"A", "C", "B"}) || out.Unconfirmed != 0 {
		t.Errorf("front %v (%d unconfirmed), want [A C B] all confirmed", got, out.Unconfirmed)
	}
	front, _, err := results.ReadArchive(filepath.Join(dir, results.ParetoFile))
	if err != nil || !slices.Equal(names(m, front), []string{"A", "C", "B"}) || front[1].Confirmed == nil || front[1].LatencyMS != 14 {
		t.Fatalf("pareto.jsonl: %v, %v", names(m, front), err)
	}
	cs, err := results.ReadConfirmations(dir)
	if err != nil || len(cs) != 3 {
		t.Fatalf("confirmed.jsonl: %d, %v", len(cs), err)
	}
	// The records passed in are not changed.
	if recs[1].LatencyMS != 15 || recs[1].Confirmed != nil {
		t.Error("Confirm changed its input")
	}

	// Confirming again starts from the search's latencies, not the confirmed ones.
	again, m2 := confirmFixture()
	results.ApplyConfirmations(again, cs)
	if _, err := Confirm(t.Context(), t.TempDir(), again, false, results.Bounds{}, m2, ConfirmOptions{Rounds: 1, Margin: 0.05}, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m2.calls, []string{"A", "B"}) {
		t.Errorf("second confirmation measured %v, want the search's front [A B]", m2.calls)
	}
}

func TestConfirmStopsWithContext(t *testing.T) {
	recs, m := confirmFixture()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Confirm(ctx, dir, recs, false, results.Bounds{}, m, ConfirmOptions{Rounds: 2, Margin: 0.1}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if cs, err := results.ReadConfirmations(dir); cs != nil || err != nil {
		t.Fatalf("a stopped confirmation wrote %v (%v)", cs, err)
	}
	if _, err := Confirm(t.Context(), dir, recs, false, results.Bounds{}, m, ConfirmOptions{Rounds: 0}, nil); err == nil {
		t.Fatal("0 rounds accepted")
	}
}
