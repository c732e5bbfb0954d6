package space

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The published counts of every benchmark row, except the set random_GPT2_lm1b, are
// our formulas applied to the row's config.
func TestParamsReproduceBenchmark(t *testing.T) {
	rows := readBenchRows(t)
	if len(rows) != 1121 {
		t.Fatalf("read %d benchmark rows, want 1121", len(rows))
	}
	checked := 0
	for _, r := range rows {
		a, err := r.arch, r.err
		if err != nil {
			t.Fatalf("%s %s: %v", r.file, r.id, err)
		}
		if r.set == "random_GPT2_lm1b" {
			continue
		}
		for _, c := range []struct {
			name string
			got  int64
		}{{"nonembedding", a.DecoderParams()}, {"AdaEmb", a.AdaEmbParams()}, {"total", a.TotalParams()}} {
			if want, ok := r.params[c.name]; !ok || float64(c.got) != want {
				t.Errorf("%s %s: %s = %d, published %.0f", r.file, r.id, c.name, c.got, want)
			}
		}
		checked++
	}
	if checked != 921 {
		t.Errorf("checked %d rows, want 921", checked)
	}
}

// random_GPT2_lm1b's published counts are the Transformer-XL formulas applied to its
// GPT-2 configs: decoder params with 5d² + 7d per layer and no ln_f, AdaEmb without the
// learned positions; the GPT-2 formulas miss every row.
func TestRandomGPT2LM1BCountedWithTransformerXLFormula(t *testing.T) {
	n := 0
	for _, r := range readBenchRows(t) {
		if r.set != "random_GPT2_lm1b" {
			continue
		}
		n++
		a, err := r.arch, r.err
		if err != nil {
			t.Fatalf("%s: %v", r.id, err)
		}
		if a.Backbone != GPT2 || !a.Adaptive {
			t.Fatalf("%s: parsed as %s, want gpt2_flex", r.id, a.ModelType())
		}
		if float64(a.DecoderParams()) == r.params["nonembedding"] || float64(a.AdaEmbParams()) == r.params["AdaEmb"] {
			t.Errorf("%s: the GPT-2 formula reproduces the published count", r.id)
		}
		if got, want := float64(a.AdaEmbParams()-int64(a.TgtLen*a.DModel)), r.params["AdaEmb"]; got != want {
			t.Errorf("%s: AdaEmb without wpe = %.0f, published %.0f", r.id, got, want)
		}
		txl := a.Clone()
		txl.Backbone = TransformerXL
		for _, c := range []struct {
			name string
			got  int64
		}{{"nonembedding", txl.DecoderParams()}, {"AdaEmb", txl.AdaEmbParams()}, {"total", txl.TotalParams()}} {
			if float64(c.got) != r.params[c.name] {
				t.Errorf("%s: Transformer-XL formula %s = %d, published %.0f", r.id, c.name, c.got, r.params[c.name])
			}
		}
	}
	if n != 200 {
		t.Fatalf("random_GPT2_lm1b has %d rows, want 200", n)
	}
}

// TotalParams of each golden bundle is the number of float32 values its model file
// stores (tied tensors are stored once, as counted).
func TestTotalParamsMatchGoldenWeights(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/golden/*/config.json")
	if len(dirs) != 5 {
		t.Fatalf("%d golden bundles, want 5", len(dirs))
	}
	for _, dir := range dirs {
		dir = filepath.Dir(dir)
		a, err := LoadArch(filepath.Join(dir, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		stored, decoder := safetensorsCounts(t, filepath.Join(dir, "model.safetensors"))
		if a.TotalParams() != stored {
			t.Errorf("%s: TotalParams %d, model.safetensors stores %d", dir, a.TotalParams(), stored)
		}
		if a.DecoderParams() != decoder {
			t.Errorf("%s: DecoderParams %d, decoder tensors hold %d", dir, a.DecoderParams(), decoder)
		}
	}
}

// safetensorsCounts reads a safetensors header and returns the number of elements of
// all tensors and of the decoder tensors (layers, per-layer biases, GPT-2's ln_f).
func safetensorsCounts(t *testing.T, path string) (total, decoder int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(data[:8])
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	for name, raw := range hdr {
		if name == "__metadata__" {
			continue
		}
		var ti struct{ Shape []int64 }
		if err := json.Unmarshal(raw, &ti); err != nil {
			t.Fatal(err)
		}
		size := int64(1)
		for _, s := range ti.Shape {
			size *= s
		}
		total += size
		if strings.HasPrefix(name, "layers.") || strings.HasPrefix(name, "transformer.h.") ||
			strings.HasPrefix(name, "transformer.ln_f.") || strings.HasPrefix(name, "r_w_bias_") || strings.HasPrefix(name, "r_r_bias_") {
			decoder += size
		}
	}
	return total, decoder
}

// A one-layer GPT-2 counted by hand from its tensors.
func TestDecoderParamsByHand(t *testing.T) {
	a := &Arch{Backbone: GPT2, NLayer: 1, DModel: 4, NHead: []int{2}, DInner: []int{8}, DEmbed: 4, DivVal: 1, NToken: 10, TgtLen: 3}
	// c_attn 4·12+12, c_proj 4·4+4, c_fc 4·8+8, mlp.c_proj 8·4+4, ln_1 and ln_2 2·8, ln_f 8.
	if got, want := a.DecoderParams(), int64(60+20+40+36+16+8); got != want {
		t.Errorf("GPT-2 DecoderParams = %d, want %d", got, want)
	}
	// wte 10·4 (also the head), wpe 3·4.
	if got, want := a.TotalParams(), int64(180+40+12); got != want {
		t.Errorf("GPT-2 TotalParams = %d, want %d", got, want)
	}
	x := a.Clone()
	x.Backbone, x.MemLen, x.TieProjs = TransformerXL, 3, []bool{false}
	// qkv 12·4, r_net 4·4, o_net 4·4, r_w_bias and r_r_bias 2·4, 2 LayerNorms 16,
	// CoreNet 8·4+8 and 4·8+4.
	if got, want := x.DecoderParams(), int64(48+16+16+8+16+40+36); got != want {
		t.Errorf("Transformer-XL DecoderParams = %d, want %d", got, want)
	}
	// emb_layers.0 10·4 (tied to the output), no projection (d_embed = d_model), bias 10.
	if got, want := x.TotalParams(), int64(180+40+10); got != want {
		t.Errorf("Transformer-XL TotalParams = %d, want %d", got, want)
	}
}
