package space

import (
	"strings"
	"testing"
)

// TestModelTypes checks the registry's invariants: unique names and aliases, one
// default space per backbone, parameter formulas affine in d_inner (Size counts by it),
// and every name and alias parsed back to its type.
func TestModelTypes(t *testing.T) {
	seen := map[string]bool{}
	spaces := map[Backbone]int{}
	for _, mt := range ModelTypes() {
		for _, n := range append([]string{mt.Name}, mt.Aliases...) {
			if seen[n] {
				t.Errorf("model type name %q registered twice", n)
			}
			seen[n] = true
			if got := modelTypeNamed(n); got != mt {
				t.Errorf("%q resolves to %v, want %s", n, got, mt)
			}
		}
		if mt.Space != nil {
			spaces[mt.Backbone]++
		}
		for _, d := range []int64{2, 64, 960} {
			a, b, c := mt.LayerParams(d, 0), mt.LayerParams(d, 100), mt.LayerParams(d, 200)
			if c-b != b-a {
				t.Errorf("%s: LayerParams(%d, f) is not affine in f", mt, d)
			}
		}
		if got := modelTypeOf(mt.Backbone, mt.Adaptive); got != mt {
			t.Errorf("backbone %s adaptive %v gives %v, want %s", mt.Backbone, mt.Adaptive, got, mt)
		}
	}
	for _, b := range Backbones() {
		if spaces[b] != 1 {
			t.Errorf("backbone %s has %d default spaces, want 1", b, spaces[b])
		}
	}
	if got := strings.Join([]string{string(GPT2), string(TransformerXL)}, " or "); backboneList() != got {
		t.Errorf("backbones %q, want %q", backboneList(), got)
	}
}

// TestUnknownBackbone: an unregistered backbone is one clear error everywhere, never a
// silent GPT-2.
func TestUnknownBackbone(t *testing.T) {
	a := &Arch{Backbone: "bert", NLayer: 1, DModel: 4, NHead: []int{1}, DInner: []int{4}, DEmbed: 4, DivVal: 1, NToken: 5, TgtLen: 2}
	if a.ModelType() != nil || a.IsAdaptive() {
		t.Errorf("bert has a model type %v", a.ModelType())
	}
	want := `backbone: "bert" is not gpt2 or transformer_xl`
	if err := a.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate: %v, want %s", err, want)
	}
	if _, err := DefaultSpace("bert"); err == nil || err.Error() != want {
		t.Errorf("DefaultSpace: %v, want %s", err, want)
	}
	if _, err := ParseArch([]byte(`{"backbone": "bert", "n_layer": 1, "d_model": 4, "n_head": 1, "d_inner": 4, "n_token": 5, "tgt_len": 2}`)); err == nil || err.Error() != want {
		t.Errorf("ParseArch: %v, want %s", err, want)
	}
}
