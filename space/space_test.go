package space

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestDefaultSpaceIsThePapers(t *testing.T) {
	g, err := DefaultSpace(GPT2)
	if err != nil {
		t.Fatal(err)
	}
	x, err := DefaultSpace(TransformerXL)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Space{g, x} {
		if s.DModel != (Range{128, 960, 64}) || s.DInner != (Range{128, 4032, 64}) ||
			!slices.Equal(s.NHead, []int{2, 4, 8}) || !slices.Equal(s.DivVal, []int{4}) ||
			!slices.Equal(s.Cutoffs, []int{19997, 39997, 199997}) || s.TgtLen != 192 ||
			s.DInnerMinRatio != 1.7 || s.MaxDecoderParams != 1e8 || !s.IsAdaptive() {
			t.Errorf("%s: %+v", s.Backbone, s)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Backbone, err)
		}
	}
	if g.NLayer != (Range{2, 15, 1}) || g.NToken != 50257 || g.MemLen != 0 || g.MinDecoderParams != 6e6 || !g.Adaptive {
		t.Errorf("gpt2: %+v", g)
	}
	if x.NLayer != (Range{2, 16, 1}) || x.NToken != 267735 || x.MemLen != 192 || x.MinDecoderParams != 4e6 {
		t.Errorf("transformer_xl: %+v", x)
	}
	if _, err := DefaultSpace("bert"); err == nil {
		t.Error("DefaultSpace(bert) succeeded")
	}
}

func TestSampleIsDeterministicAndValid(t *testing.T) {
	for _, b := range []Backbone{GPT2, TransformerXL} {
		s, _ := DefaultSpace(b)
		var keys []string
		layers := map[int]bool{}
		for _, seed := range []uint64{1, 1, 2} {
			rng := rand.New(rand.NewPCG(seed, 1111))
			var ks []string
			for range 100 {
				a, err := s.Sample(rng)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Check(a); err != nil {
					t.Fatalf("%s: sampled %s outside the space: %v", b, a.Key(), err)
				}
				if len(a.NHead) != a.NLayer || len(a.DInner) != a.NLayer {
					t.Fatalf("%s: lists not normalised: %s", b, a.Summary())
				}
				layers[a.NLayer] = true
				ks = append(ks, a.Key())
			}
			keys = append(keys, strings.Join(ks, "\n"))
		}
		if keys[0] != keys[1] {
			t.Errorf("%s: the same seed gave different samples", b)
		}
		if keys[0] == keys[2] {
			t.Errorf("%s: different seeds gave the same samples", b)
		}
		if len(layers) < s.NLayer.Len()-2 {
			t.Errorf("%s: 300 samples cover only %d of %d layer counts", b, len(layers), s.NLayer.Len())
		}
	}
}

func TestCheckNamesTheRule(t *testing.T) {
	s, _ := DefaultSpace(TransformerXL)
	a, err := s.Sample(rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		edit func(a *Arch)
		want string
	}{
		{func(a *Arch) { a.NLayer, a.NHead, a.DInner = 17, repeat(2, 17), repeat(4032, 17) }, "n_layer: 17 is not one of 2…16"},
		{func(a *Arch) { a.DModel, a.DEmbed = 160, 160 }, "d_model: 160 is not one of 128…960 step 64"},
		{func(a *Arch) { a.DInner[0] = 1000 }, "d_inner[0]: 1000 is not one of"},
		{func(a *Arch) { a.DInner[1] = 128 }, "d_inner[1]: 128 is below 1.7·d_model"},
		{func(a *Arch) { a.NHead[0] = 16 }, "n_head[0]: 16 is not one of [2 4 8]"},
		{func(a *Arch) { a.DivVal = 2 }, "div_val: 2 is not one of [4]"},
		{func(a *Arch) { a.NToken, a.Cutoffs, a.TieProjs = 1000, []int{200, 500}, []bool{false, true, true} }, "n_token: 1000"},
		{func(a *Arch) { a.TgtLen = 64 }, "tgt_len: 64"},
		{func(a *Arch) { a.MemLen = 0 }, "mem_len: 0"},
		{func(a *Arch) { a.DEmbed = 128 }, "d_embed"},
		{func(a *Arch) { a.TieProjs[1] = false }, "tie_projs"},
		{func(a *Arch) { a.Backbone = GPT2; a.MemLen = 0 }, "backbone: gpt2"},
		{func(a *Arch) { a.NHead[0] = 3 }, "n_head[0]: 3 does not divide"},
		{func(a *Arch) {
			a.NLayer, a.DModel, a.DEmbed, a.NHead, a.DInner = 2, 128, 128, []int{2, 2}, []int{256, 256}
		}, "decoder params: 297216 is below the bound 4000000"},
		{func(a *Arch) {
			a.NLayer, a.DModel, a.DEmbed, a.NHead, a.DInner = 16, 960, 960, repeat(8, 16), repeat(4032, 16)
		}, "is above the bound 100000000"},
	} {
		b := a.Clone()
		c.edit(b)
		if err := s.Check(b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check: %v, want %q", err, c.want)
		}
	}
}

func TestMutate(t *testing.T) {
	s, _ := DefaultSpace(GPT2)
	rng := rand.New(rand.NewPCG(7, 7))
	var parent *Arch
	for parent == nil || parent.NLayer < 4 || parent.NLayer > 8 {
		var err error
		if parent, err = s.Sample(rng); err != nil {
			t.Fatal(err)
		}
	}
	if m := s.Mutate(parent, 0, rng); m == nil || m.Key() != parent.Key() {
		t.Errorf("p = 0 changed %s", parent.Key())
	}
	run := func(seed uint64) []string {
		rng := rand.New(rand.NewPCG(seed, 0))
		var keys []string
		for range 50 {
			m := s.Mutate(parent, 0.3, rng)
			if m == nil {
				t.Fatal("Mutate returned nil for a valid parent")
			}
			if err := s.Check(m); err != nil {
				t.Fatalf("mutant %s outside the space: %v", m.Key(), err)
			}
			keys = append(keys, m.Key())
		}
		return keys
	}
	if !slices.Equal(run(1), run(1)) {
		t.Error("the same seed gave different mutants")
	}
	// When n_layer grows, the first layers keep their genes unless mutated themselves
	// (probability 0.3 each): count kept d_inner values of mutants that kept d_model.
	kept, total, changed := 0, 0, 0
	for range 3000 {
		m := s.Mutate(parent, 0.3, rng)
		if m.Key() != parent.Key() {
			changed++
		}
		if m.DModel != parent.DModel || m.NLayer <= parent.NLayer {
			continue
		}
		for i := range parent.NLayer {
			total++
			if m.DInner[i] == parent.DInner[i] {
				kept++
			}
		}
	}
	if total < 100 {
		t.Fatalf("only %d kept layers to look at", total)
	}
	if f := float64(kept) / float64(total); f < 0.6 || f > 0.85 {
		t.Errorf("grown mutants kept %.2f of the first layers' d_inner, want about 0.7", f)
	}
	if changed < 2900 {
		t.Errorf("only %d of 3000 mutants differ from the parent", changed)
	}
	// Mutants take the space's fixed settings, whatever the parent's.
	other := parent.Clone()
	other.NToken, other.Cutoffs, other.TieProjs = 1000, nil, []bool{false}
	if m := s.Mutate(other, 0, rng); m == nil || m.NToken != s.NToken || m.DInner[0] != parent.DInner[0] {
		t.Errorf("p = 0 on a parent with n_token 1000 gave %v", m)
	}
	// A parent whose genes are outside the space, never mutated: no valid mutant.
	bad := parent.Clone()
	bad.DModel, bad.DEmbed = 160, 160
	if m := s.Mutate(bad, 0, rng); m != nil {
		t.Errorf("p = 0 on d_model 160 gave %s", m.Key())
	}
}

func TestCrossover(t *testing.T) {
	s, _ := DefaultSpace(TransformerXL)
	rng := rand.New(rand.NewPCG(11, 11))
	a, _ := s.Sample(rng)
	b, _ := s.Sample(rng)
	if c := s.Crossover(a, b, 1, rng); c.Key() != a.Key() {
		t.Errorf("p = 1 gave %s, want a = %s", c.Key(), a.Key())
	}
	if c := s.Crossover(a, b, 0, rng); c.Key() != b.Key() {
		t.Errorf("p = 0 gave %s, want b = %s", c.Key(), b.Key())
	}
	run := func(seed uint64) []string {
		rng := rand.New(rand.NewPCG(seed, 0))
		var keys []string
		for range 50 {
			c := s.Crossover(a, b, 0.5, rng)
			if err := s.Check(c); err != nil {
				t.Fatalf("child %s outside the space: %v", c.Key(), err)
			}
			for _, g := range []struct {
				name      string
				got, x, y int
			}{{"d_model", c.DModel, a.DModel, b.DModel}, {"n_layer", c.NLayer, a.NLayer, b.NLayer}} {
				if g.got != g.x && g.got != g.y {
					t.Fatalf("child %s = %d, parents %d and %d", g.name, g.got, g.x, g.y)
				}
			}
			for i := range c.NLayer {
				var fs, hs []int
				for _, p := range []*Arch{a, b} {
					if i < p.NLayer {
						fs, hs = append(fs, p.DInner[i]), append(hs, p.NHead[i])
					}
				}
				if !slices.Contains(fs, c.DInner[i]) || !slices.Contains(hs, c.NHead[i]) {
					t.Fatalf("child layer %d (%d, %d) from neither parent (%v, %v)", i, c.DInner[i], c.NHead[i], fs, hs)
				}
			}
			keys = append(keys, c.Key())
		}
		return keys
	}
	if !slices.Equal(run(5), run(5)) {
		t.Error("the same seed gave different children")
	}
}

// Only the first n_layer per-layer values are part of the identity.
func TestKeyIgnoresValuesBeyondNLayer(t *testing.T) {
	a, err := parseMap(t, with("n_head", []int{2, 4}, "d_inner", []int{128, 256}))
	if err != nil {
		t.Fatal(err)
	}
	b := a.Clone()
	b.NHead = append(b.NHead, 8, 8)
	b.DInner = append(b.DInner, 999)
	if a.Key() != b.Key() {
		t.Errorf("%s ≠ %s", a.Key(), b.Key())
	}
	c := a.Clone()
	c.NHead[1] = 8
	if a.Key() == c.Key() {
		t.Error("different n_head, same key")
	}
}

func TestSampleEmptySpace(t *testing.T) {
	s, _ := DefaultSpace(GPT2)
	s.MinDecoderParams = 2e8
	s.MaxDecoderParams = 3e8
	if _, err := s.Sample(rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), "no architecture satisfies") {
		t.Errorf("Sample of an empty space: %v", err)
	}
	s.MaxDecoderParams = 1e8
	if _, err := s.Sample(rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), "max_decoder_params") {
		t.Errorf("Sample of an invalid space: %v", err)
	}
}
