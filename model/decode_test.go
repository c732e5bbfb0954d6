package model

import (
	"strings"
	"testing"
)

const (
	decodeGPT2 = `{"model_type": "gpt2", "n_layer": 2, "d_model": 24, "n_head": [1, 6], "d_inner": [40, 30], "vocab_size": 37, "n_positions": 10}`
	decodeTXL  = `{"model_type": "transformer_xl", "n_layer": 3, "d_model": 16, "n_head": [1, 4, 8], "d_inner": [24, 40, 8], "vocab_size": 45, "tgt_len": 6, "mem_len": 4}`
)

// TestCacheBytesPerToken counts a key and a value of H·Dh floats per layer by hand.
func TestCacheBytesPerToken(t *testing.T) {
	// GPT-2: H·Dh = d_model = 24 in both layers: 2 layers × 2 × 24 × 4 bytes.
	if got := CacheBytesPerToken(mustArch(t, decodeGPT2)); got != 384 {
		t.Errorf("gpt2: %d bytes per token, want 384", got)
	}
	// Transformer-XL: 16/1·1, 16/4·4, 16/8·8 = 16 each: 3 × 2 × 16 × 4.
	if got := CacheBytesPerToken(mustArch(t, decodeTXL)); got != 384 {
		t.Errorf("transformer_xl: %d bytes per token, want 384", got)
	}
}

// TestDecodeCacheInPeak: the state region is the cache, B·Cap positions of
// CacheBytesPerToken each (and Transformer-XL's position tables), and
// AllocPeakBytes counts it; a prefill and a decode step with one capacity lay out the
// cache alike.
func TestDecodeCacheInPeak(t *testing.T) {
	for _, js := range []string{decodeGPT2, decodeTXL} {
		a := mustArch(t, js)
		cap := CacheCap(a, []int{4, 3, 1, 1, 1}) // GPT-2: 10; Transformer-XL: mem_len 4 + 3
		pre, err := BuildDecode(a, DecodeShape{Batch: 2, Seq: 4, Start: 0, Cap: cap}, BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		step, err := BuildDecode(a, DecodeShape{Batch: 2, Seq: 1, Start: 9, Cap: cap}, BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := 2 * int64(cap) * CacheBytesPerToken(a)
		if a.ModelType().Memory {
			// A table of R(δ) per layer, δ < cap: 3 layers × H·Dh 16 floats.
			want += int64(cap) * 3 * 16 * 4
		}
		if got := CacheBytes(a, 2, cap); got != want {
			t.Errorf("%s: CacheBytes %d, want %d", a.ModelType(), got, want)
		}
		want = alignUp(want)
		for _, g := range []*Graph{pre, step} {
			if g.StateBytes != want {
				t.Errorf("%s: state of %d bytes, want the cache's %d", a.ModelType(), g.StateBytes, want)
			}
			if g.AllocPeakBytes() != g.WeightBytes+g.ArenaBytes+want {
				t.Errorf("%s: AllocPeakBytes leaves out the cache", a.ModelType())
			}
		}
		for i, id := range cacheViews(pre) {
			p, s := pre.Tensors[id], step.Tensors[cacheViews(step)[i]]
			if p.Off != s.Off || p.Elems() != s.Elems() {
				t.Errorf("%s: layer %d's cache at %d (%d floats) in the prefill, %d (%d) in a step", a.ModelType(), i, p.Off, p.Elems(), s.Off, s.Elems())
			}
		}
	}
}

// TestCacheCap sizes caches by hand: GPT-2 keeps every position; Transformer-XL
// (mem_len 4) what one pass sees at once, min(4, start) cached positions and its own.
func TestCacheCap(t *testing.T) {
	gpt2, txl := mustArch(t, decodeGPT2), mustArch(t, decodeTXL)
	for _, c := range []struct {
		passes    []int
		gpt2, txl int
	}{
		{nil, 0, 0},
		{[]int{6}, 6, 6},             // a prefill alone: its own 6 positions, no memory yet
		{[]int{6, 1}, 7, 6},          // then a step at 6: 4 + 1 ≤ the prefill's 6
		{[]int{2, 1, 1}, 4, 4},       // steps at 2 and 3: 2 + 1, then 3 + 1
		{[]int{3, 1, 1, 1, 1}, 7, 5}, // steps at 3..6: 3+1, 4+1, 4+1, 4+1
		{[]int{1, 6}, 7, 7},          // a long pass after one token: 1 + 6
		{[]int{10, 6}, 16, 10},       // 10 alone, then 4 + 6
	} {
		if got := CacheCap(gpt2, c.passes); got != c.gpt2 {
			t.Errorf("gpt2, passes %v: cache of %d positions, want %d", c.passes, got, c.gpt2)
		}
		if got := CacheCap(txl, c.passes); got != c.txl {
			t.Errorf("transformer_xl, passes %v: cache of %d positions, want %d", c.passes, got, c.txl)
		}
	}
}

func cacheViews(g *Graph) []int {
	var v []int
	for _, t := range g.Tensors {
		if strings.HasPrefix(t.Name, "kv_cache.") {
			v = append(v, t.ID)
		}
	}
	return v
}

// TestDecodeOutputLast: a step computes the output layer at its last position only.
func TestDecodeOutputLast(t *testing.T) {
	a := mustArch(t, decodeGPT2)
	g, err := BuildDecode(a, DecodeShape{Batch: 3, Seq: 1, Start: 5, Cap: 10}, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sh := g.Tensors[g.Outputs["logits"]].Shape; len(sh) != 2 || sh[0] != 3 || sh[1] != 37 {
		t.Errorf("logits of a step: %v, want [3 37]", sh)
	}
	if g.Shape.Mem != 5 {
		t.Errorf("a step at 5 sees %d cached positions", g.Shape.Mem)
	}
	tx := mustArch(t, decodeTXL)
	g, err = BuildDecode(tx, DecodeShape{Batch: 1, Seq: 1, Start: 50, Cap: CacheCap(tx, []int{50, 1})}, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g.Shape.Mem != 4 {
		t.Errorf("transformer_xl step at 50 sees %d cached positions, want mem_len 4", g.Shape.Mem)
	}
}

func TestDecodeShapeErrors(t *testing.T) {
	a, tx := mustArch(t, decodeGPT2), mustArch(t, decodeTXL)
	for _, c := range []struct {
		name string
		js   string
		s    DecodeShape
		o    BuildOptions
		want string
	}{
		{"past wpe", decodeGPT2, DecodeShape{Batch: 1, Seq: 2, Start: 9, Cap: 11}, BuildOptions{}, "n_positions 10"},
		{"small cache", decodeGPT2, DecodeShape{Batch: 1, Seq: 1, Start: 5, Cap: 5}, BuildOptions{}, "needs 6"},
		{"small memory cache", decodeTXL, DecodeShape{Batch: 1, Seq: 3, Start: 20, Cap: 6}, BuildOptions{}, "needs 7"},
		{"no tokens", decodeGPT2, DecodeShape{Batch: 1, Seq: 0, Start: 0, Cap: 5}, BuildOptions{}, "must be positive"},
		{"hidden", decodeGPT2, DecodeShape{Batch: 1, Seq: 1, Start: 0, Cap: 5}, BuildOptions{KeepHidden: true}, "hidden states"},
	} {
		arch := a
		if c.js == decodeTXL {
			arch = tx
		}
		_, err := BuildDecode(arch, c.s, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one with %q", c.name, err, c.want)
		}
	}
}
