package backendtest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/internal/safetensors"
)

// CompareBundleWorst names the tensor with the least room under its tolerance, on a
// pass and on a failure: the expected tensors themselves pass with a worst difference
// of 0; one tensor moved by half its tolerance is the worst and still passes; moved by
// twice its tolerance it fails.
func TestCompareBundleWorst(t *testing.T) {
	root, err := GoldenDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "gpt2_hetero_small_init")
	exp, err := safetensors.Open(filepath.Join(dir, "expected.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Named{}
	for _, name := range exp.Names() {
		data, shape, err := exp.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		got[name] = Named{Shape: shape, Data: data}
	}
	worst, err := CompareBundleWorst(dir, got)
	if err != nil || !strings.Contains(worst, "max |diff| 0,") {
		t.Fatalf("expected tensors against themselves: worst %q, err %v", worst, err)
	}
	for _, c := range []struct {
		factor float32
		fails  bool
	}{{0.5, false}, {2, true}} {
		moved := map[string]Named{}
		for k, v := range got {
			moved[k] = v
		}
		l := got["logits"]
		data := append([]float32(nil), l.Data...)
		data[3] += c.factor * float32(Tolerance(l.Data))
		moved["logits"] = Named{Shape: l.Shape, Data: data}
		worst, err := CompareBundleWorst(dir, moved)
		if !strings.HasPrefix(worst, "logits: ") || (err != nil) != c.fails {
			t.Errorf("logits moved by %g × tolerance: worst %q, err %v (want failure: %v)", c.factor, worst, err, c.fails)
		}
	}
}
