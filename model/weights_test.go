package model

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/internal/safetensors"
)

func TestInitWeights(t *testing.T) {
	a := mustArch(t, `{"model_type": "transformer_xl", "n_layer": 2, "d_model": 64, "n_head": [2, 4], "d_inner": [128, 96], "vocab_size": 3000, "cutoffs": [500, 1500], "div_val": 2, "tgt_len": 8, "mem_len": 8}`)
	w1, err := InitWeights(a, 42, 1)
	if err != nil {
		t.Fatal(err)
	}
	w3, err := InitWeights(a, 42, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w1.Data, w3.Data) {
		t.Error("the values depend on the thread count")
	}
	w2, _ := InitWeights(a, 43, 2)
	if slices.Equal(w1.Data, w2.Data) {
		t.Error("the values do not depend on the seed")
	}
	ts, _ := LayoutWeights(a)
	covered := make([]bool, len(w1.Data))
	for _, x := range ts {
		v := w1.Slice(x)
		for i := range v {
			covered[x.Off/4+int64(i)] = true
		}
		var mean, sq float64
		for _, f := range v {
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) || (f != 0 && math.Abs(float64(f)) < 0x1p-126) {
				t.Fatalf("%s: value %g is not a normal float", x.Name, f)
			}
			mean += float64(f)
			sq += float64(f) * float64(f)
		}
		n := float64(len(v))
		mean /= n
		std := math.Sqrt(sq/n - mean*mean)
		if math.Abs(mean-float64(x.Init.Mean)) > 4*float64(x.Init.Std)/math.Sqrt(n)+1e-7 {
			t.Errorf("%s: mean %g, want %g", x.Name, mean, x.Init.Mean)
		}
		if n >= 1000 && math.Abs(std-float64(x.Init.Std)) > 0.05*float64(x.Init.Std) {
			t.Errorf("%s: std %g, want %g", x.Name, std, x.Init.Std)
		}
	}
	for i, c := range covered {
		if !c && w1.Data[i] != 0 {
			t.Fatalf("padding element %d is %g", i, w1.Data[i])
		}
	}
	if w1.Slice(ts[0])[0] == w1.Slice(ts[0])[1] {
		t.Error("consecutive values are equal")
	}
}

// TestLoadGolden: every golden model file loads, and each weight equals the file's.
func TestLoadGolden(t *testing.T) {
	for _, b := range goldenBundles {
		a := goldenArch(t, b)
		path := filepath.Join("..", "testdata", "golden", b, "model.safetensors")
		w, err := LoadWeights(a, path)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := safetensors.Open(path)
		for _, x := range w.Tensors {
			v, _, err := f.Float32(x.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(v, w.Slice(x)) {
				t.Errorf("%s: %s differs from the file", b, x.Name)
			}
		}
	}
}

// rewrite copies a golden model file with its tensors passed through edit (which may
// rename, drop, add or change them).
func rewrite(t *testing.T, bundle string, edit func([]safetensors.Tensor) []safetensors.Tensor) string {
	t.Helper()
	src := filepath.Join("..", "testdata", "golden", bundle, "model.safetensors")
	f, err := safetensors.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	var ts []safetensors.Tensor
	for _, n := range f.Names() {
		v, shape, err := f.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, safetensors.F32(n, shape, v))
	}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := safetensors.Write(path, edit(ts), nil); err != nil {
		t.Fatal(err)
	}
	return path
}

func find(ts []safetensors.Tensor, name string) int {
	for i, x := range ts {
		if x.Name == name {
			return i
		}
	}
	return -1
}

// TestLoadOtherNames: Archai's "model." prefix, Hugging Face GPT2Model names, buffers and
// second references, tied copies equal to their tensor, and F16 are accepted.
func TestLoadOtherNames(t *testing.T) {
	flex := goldenArch(t, "gpt2_flex_adaptive_div2")
	want, err := LoadWeights(flex, filepath.Join("..", "testdata", "golden", "gpt2_flex_adaptive_div2", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	path := rewrite(t, "gpt2_flex_adaptive_div2", func(ts []safetensors.Tensor) []safetensors.Tensor {
		for i := range ts {
			ts[i].Name = "model." + ts[i].Name
		}
		p := ts[find(ts, "model.transformer.wte.emb_projs.1")]
		tab := ts[find(ts, "model.transformer.wte.emb_layers.2.weight")]
		return append(ts,
			safetensors.Tensor{Name: "model.lm_head.shared_out_projs.1", DType: p.DType, Shape: p.Shape, Data: p.Data},
			safetensors.Tensor{Name: "model.lm_head.out_layers_weights.2", DType: tab.DType, Shape: tab.Shape, Data: tab.Data},
			safetensors.Tensor{Name: "model.lm_head.out_projs.1", DType: p.DType, Shape: p.Shape, Data: p.Data}, // tie_projs[1]: a tied copy
			safetensors.F32("model.transformer.h.0.attn.bias", []int{1, 1, 24, 24}, make([]float32, 576)),
			safetensors.F32("model.transformer.h.0.attn.masked_bias", nil, []float32{-1e4}),
		)
	})
	got, err := LoadWeights(flex, path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Data, want.Data) {
		t.Error("Archai names load different values")
	}

	gpt := goldenArch(t, "gpt2_hetero_stress")
	want, err = LoadWeights(gpt, filepath.Join("..", "testdata", "golden", "gpt2_hetero_stress", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	path = rewrite(t, "gpt2_hetero_stress", func(ts []safetensors.Tensor) []safetensors.Tensor {
		wte := ts[find(ts, "transformer.wte.weight")]
		for i := range ts {
			ts[i].Name = strings.TrimPrefix(ts[i].Name, "transformer.")
			if ts[i].Name == "wpe.weight" { // a float16 tensor
				v, _ := toF32(ts[i])
				ts[i] = safetensors.F16(ts[i].Name, ts[i].Shape, v)
			}
		}
		return append(ts, safetensors.Tensor{Name: "lm_head.weight", DType: wte.DType, Shape: wte.Shape, Data: wte.Data})
	})
	got, err = LoadWeights(gpt, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range got.Tensors {
		g, w := got.Slice(x), want.Slice(x)
		for i := range g {
			if d := math.Abs(float64(g[i] - w[i])); d > 1e-3*math.Max(1, math.Abs(float64(w[i]))) {
				t.Fatalf("Hugging Face names: %s[%d] = %g, want %g", x.Name, i, g[i], w[i])
			}
		}
	}
}

// toF32 decodes an F32 tensor.
func toF32(x safetensors.Tensor) ([]float32, error) {
	v := make([]float32, len(x.Data)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(x.Data[4*i:]))
	}
	return v, nil
}

// TestLoadErrors: each kind of bad file is one error line naming the file and the tensor.
func TestLoadErrors(t *testing.T) {
	const b = "txl_hetero_adaptive_div2"
	a := goldenArch(t, b)
	cases := []struct {
		name string
		edit func([]safetensors.Tensor) []safetensors.Tensor
		want []string
	}{
		{"missing", func(ts []safetensors.Tensor) []safetensors.Tensor {
			return slices.Delete(ts, find(ts, "layers.1.dec_attn.r_net.weight"), find(ts, "layers.1.dec_attn.r_net.weight")+1)
		}, []string{"missing tensor", "layers.1.dec_attn.r_net.weight"}},
		{"wrong shape", func(ts []safetensors.Tensor) []safetensors.Tensor {
			i := find(ts, "r_w_bias_0")
			ts[i].Shape = []int{16, 4}
			return ts
		}, []string{"r_w_bias_0", "shape [16 4]", "[4 16]"}},
		{"integer dtype", func(ts []safetensors.Tensor) []safetensors.Tensor {
			i := find(ts, "crit.cluster_bias")
			ts[i] = safetensors.I64("crit.cluster_bias", []int{2}, []int64{1, 2})
			return ts
		}, []string{"crit.cluster_bias", "dtype I64"}},
		{"unexpected", func(ts []safetensors.Tensor) []safetensors.Tensor {
			return append(ts, safetensors.F32("layers.3.dec_attn.o_net.weight", []int{1}, []float32{1}))
		}, []string{"unexpected tensor", "layers.3.dec_attn.o_net.weight"}},
		{"untied output table", func(ts []safetensors.Tensor) []safetensors.Tensor {
			tab := ts[find(ts, "word_emb.emb_layers.1.weight")]
			data := slices.Clone(tab.Data)
			data[0] ^= 1
			return append(ts, safetensors.Tensor{Name: "crit.out_layers_weights.1", DType: tab.DType, Shape: tab.Shape, Data: data})
		}, []string{"crit.out_layers_weights.1", "word_emb.emb_layers.1.weight", "untied"}},
	}
	for _, c := range cases {
		path := rewrite(t, b, c.edit)
		_, err := LoadWeights(a, path)
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		msg := err.Error()
		for _, w := range append(c.want, path) {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q does not mention %q", c.name, msg, w)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: error has several lines: %q", c.name, msg)
		}
	}

	// A truncated file.
	src, err := os.ReadFile(filepath.Join("..", "testdata", "golden", b, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "truncated.safetensors")
	if err := os.WriteFile(path, src[:len(src)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadWeights(a, path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("truncated file: error %v does not name %s", err, path)
	}
	// The wrong architecture for the file.
	other := goldenArch(t, "txl_hetero_plain_softmax")
	if _, err := LoadWeights(other, filepath.Join("..", "testdata", "golden", b, "model.safetensors")); err == nil {
		t.Error("weights loaded into another architecture")
	}
}
