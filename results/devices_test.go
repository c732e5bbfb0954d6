package results

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// τ between devices, against hand-counted pairs: of the 3 architectures feasible on
// both a and b, latencies a (1, 2, 3) and b (10, 30, 20) give pairs (1,2) concordant,
// (1,3) concordant, (2,3) discordant: τ = (2 − 1)/3. c ranks them in reverse: τ = −1
// with a. The architecture infeasible on b is left out of a–b, not of a–c.
func TestDeviceTaus(t *testing.T) {
	ms := []DeviceMeasurement{
		{Key: "k1", Class: "a", DecoderParams: 100, Feasible: true, LatencyMS: 1, MemoryBytes: 1 << 20},
		{Key: "k2", Class: "a", DecoderParams: 200, Feasible: true, LatencyMS: 2, MemoryBytes: 2 << 20},
		{Key: "k3", Class: "a", DecoderParams: 300, Feasible: true, LatencyMS: 3, MemoryBytes: 3 << 20},
		{Key: "k4", Class: "a", DecoderParams: 400, Feasible: true, LatencyMS: 4, MemoryBytes: 4 << 20},
		{Key: "k1", Class: "b", Feasible: true, LatencyMS: 10},
		{Key: "k2", Class: "b", Feasible: true, LatencyMS: 30},
		{Key: "k3", Class: "b", Feasible: true, LatencyMS: 20},
		{Key: "k4", Class: "b", Feasible: false, Error: "out of memory"},
		{Key: "k1", Class: "c", Feasible: true, LatencyMS: 9},
		{Key: "k2", Class: "c", Feasible: true, LatencyMS: 8},
		{Key: "k3", Class: "c", Feasible: true, LatencyMS: 7},
		{Key: "k4", Class: "c", Feasible: true, LatencyMS: 6},
	}
	got := DeviceTaus(ms, []string{"a", "b", "c"})
	want := []DeviceTau{{"a", "b", 3, 1.0 / 3}, {"a", "c", 4, -1}, {"b", "c", 3, -1.0 / 3}}
	if len(got) != len(want) {
		t.Fatalf("%d pairs, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].A != want[i].A || got[i].B != want[i].B || got[i].N != want[i].N || math.Abs(got[i].Tau-want[i].Tau) > 1e-12 {
			t.Errorf("pair %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	var buf bytes.Buffer
	if err := WriteDeviceTable(&buf, ms, []string{"a", "b", "c"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{"a ms", "b MiB", "Kendall τ of latency, a vs b: 0.333 over 3 architectures", "a vs c: -1.000 over 4"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	if lines := strings.Split(out, "\n"); len(lines) < 5 || !strings.Contains(lines[4], "-") || !strings.Contains(lines[4], "400") {
		t.Errorf("row of k4 (infeasible on b) should show its params and '-':\n%s", out)
	}
}
