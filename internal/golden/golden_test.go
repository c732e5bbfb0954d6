package golden

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/internal/safetensors"
	"github.com/ltsbench/ltsbench/space"
)

// CompareWorst names the tensor with the least room under its tolerance, on a pass and
// on a failure: the expected tensors themselves pass with a worst difference of 0; one
// tensor moved by half its tolerance is the worst and still passes; moved by twice its
// tolerance it fails; a missing tensor and a wrong shape fail with their names.
func TestCompareWorst(t *testing.T) {
	root, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "gpt2_hetero_small_init")
	got, err := ReadFile(filepath.Join(dir, "expected.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	worst, err := CompareWorst(dir, got)
	if err != nil || !strings.Contains(worst, "max |diff| 0,") {
		t.Fatalf("expected tensors against themselves: worst %q, err %v", worst, err)
	}
	for _, c := range []struct {
		factor float32
		fails  bool
	}{{0.5, false}, {2, true}} {
		moved := map[string]Tensor{}
		for k, v := range got {
			moved[k] = v
		}
		l := got["logits"]
		data := append([]float32(nil), l.Data...)
		data[3] += c.factor * float32(Tolerance(l.Data))
		moved["logits"] = Tensor{Shape: l.Shape, Data: data}
		worst, err := CompareWorst(dir, moved)
		if !strings.HasPrefix(worst, "logits: ") || (err != nil) != c.fails {
			t.Errorf("logits moved by %g × tolerance: worst %q, err %v (want failure: %v)", c.factor, worst, err, c.fails)
		}
	}
	missing := map[string]Tensor{}
	for k, v := range got {
		if k != "final_hidden" {
			missing[k] = v
		}
	}
	missing["hidden_states"] = Tensor{Shape: []int{1}, Data: []float32{0}}
	err = Compare(dir, missing)
	if err == nil || !strings.Contains(err.Error(), "final_hidden: not produced") || !strings.Contains(err.Error(), "hidden_states: shape [1]") {
		t.Errorf("missing final_hidden and a wrong shape: %v", err)
	}
}

// The tolerance is the README's 1e-4·max(1, max |E|).
func TestTolerance(t *testing.T) {
	if got := Tolerance([]float32{0.5, -0.25}); got != 1e-4 {
		t.Errorf("Tolerance of values under 1 = %g, want 1e-4", got)
	}
	if got := Tolerance([]float32{3, -28}); got != 28e-4 {
		t.Errorf("Tolerance with max |E| 28 = %g, want 2.8e-3", got)
	}
}

// ReadInputs reads the bundles' token ids (GPT-2 one tensor, Transformer-XL one per
// segment) and names what is wrong with bad files.
func TestReadInputs(t *testing.T) {
	root, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		bundle           string
		nseg, batch, seq int
	}{{"gpt2_hetero_small_init", 1, 2, 16}, {"txl_hetero_adaptive_div2", 3, 2, 12}} {
		dir := filepath.Join(root, c.bundle)
		a, err := space.LoadArch(filepath.Join(dir, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		segs, batch, seq, err := ReadInputs(a, filepath.Join(dir, "inputs.safetensors"))
		if err != nil || len(segs) != c.nseg || batch != c.batch || seq != c.seq || len(segs[0]) != batch*seq {
			t.Errorf("%s: %d segments, %d × %d, err %v; want %d segments, %d × %d", c.bundle, len(segs), batch, seq, err, c.nseg, c.batch, c.seq)
		}
	}
	a, err := space.LoadArch(filepath.Join(root, "gpt2_hetero_small_init", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for _, c := range []struct {
		name string
		t    safetensors.Tensor
		want string
	}{
		{"outside", safetensors.I64("input_ids", []int{1, 2}, []int64{3, 512}), "token id 512 at [0, 1] is outside the vocabulary [0, 512)"},
		{"name", safetensors.I64("ids", []int{1, 2}, []int64{3, 4}), "no tensor input_ids"},
		{"float", safetensors.F32("input_ids", []int{1, 2}, []float32{3, 4}), "dtype F32"},
		{"rank", safetensors.I64("input_ids", []int{2}, []int64{3, 4}), "want [batch, seq]"},
	} {
		p := filepath.Join(tmp, c.name+".safetensors")
		if err := safetensors.Write(p, []safetensors.Tensor{c.t}, nil); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := ReadInputs(a, p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
