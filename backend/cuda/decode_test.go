package cuda

import (
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// TestDecodeRefused: a cached forward pass has no kernels on this backend yet; lowering
// it is a clear error, not a panic.
func TestDecodeRefused(t *testing.T) {
	a, err := space.ParseArch([]byte(`{"model_type": "gpt2", "n_layer": 1, "d_model": 8, "n_head": 2, "d_inner": 16, "vocab_size": 11, "n_positions": 6}`))
	if err != nil {
		t.Fatal(err)
	}
	g, err := model.BuildDecode(a, model.DecodeShape{Batch: 1, Seq: 1, Start: 2, Cap: 6}, model.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lower(g); err == nil || !strings.Contains(err.Error(), "not supported on cuda yet") {
		t.Errorf("lowering a decode step: %v, want an error saying decode is not supported on cuda yet", err)
	}
}
