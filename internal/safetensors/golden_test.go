package safetensors

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The golden bundles (testdata/golden at the module root) were written by another
// safetensors implementation. Besides reading every file, these tests check values
// that follow from the README's equations and from one tensor to another, so a wrong
// offset, dtype or byte order in the reader cannot pass.

type goldenConfig struct {
	ModelType  string `json:"model_type"`
	VocabSize  int    `json:"vocab_size"`
	DModel     int    `json:"d_model"`
	DEmbed     int    `json:"d_embed"`
	DivVal     int    `json:"div_val"`
	NLayer     int    `json:"n_layer"`
	NHead      []int  `json:"n_head"`
	DInner     []int  `json:"d_inner"`
	NPositions int    `json:"n_positions"`
	TgtLen     int    `json:"tgt_len"`
	MemLen     int    `json:"mem_len"`
	Cutoffs    []int  `json:"cutoffs"`
	Golden     struct {
		BatchSize int `json:"batch_size"`
		SeqLen    int `json:"seq_len"`
		Segments  int `json:"segments"`
	} `json:"golden"`
}

// bundle is one golden directory, opened.
type bundle struct {
	dir                     string
	cfg                     goldenConfig
	cfgAny                  any
	model, inputs, expected *File
}

func goldenBundles(t *testing.T) []*bundle {
	t.Helper()
	dirs, err := filepath.Glob("../../testdata/golden/*/config.json")
	if err != nil || len(dirs) < 5 {
		t.Fatalf("want the five golden bundles, found %d (%v)", len(dirs), err)
	}
	var out []*bundle
	for _, cfgPath := range dirs {
		b := &bundle{dir: filepath.Dir(cfgPath)}
		raw, err := os.ReadFile(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &b.cfg); err != nil {
			t.Fatalf("%s: %v", cfgPath, err)
		}
		if err := json.Unmarshal(raw, &b.cfgAny); err != nil {
			t.Fatalf("%s: %v", cfgPath, err)
		}
		for _, p := range []struct {
			name string
			f    **File
		}{{"model", &b.model}, {"inputs", &b.inputs}, {"expected", &b.expected}} {
			if *p.f, err = Open(filepath.Join(b.dir, p.name+".safetensors")); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, b)
	}
	return out
}

// floats reads a float tensor and checks its shape and that every value is finite.
func floats(t *testing.T, f *File, name string, shape ...int) []float32 {
	t.Helper()
	v, got, err := f.Float32(name)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, shape) {
		t.Fatalf("%s: shape %v, want %v", name, got, shape)
	}
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			t.Fatalf("%s[%d] = %g", name, i, x)
		}
	}
	return v
}

func TestGoldenBundles(t *testing.T) {
	for _, b := range goldenBundles(t) {
		t.Run(filepath.Base(b.dir), func(t *testing.T) {
			checkModel(t, b)
			ids := checkInputs(t, b)
			switch b.cfg.ModelType {
			case "gpt2", "gpt2_flex":
				checkGPT2Expected(t, b, ids["input_ids"])
			case "transformer_xl":
				checkTXLExpected(t, b, ids)
			default:
				t.Fatalf("unknown model_type %q", b.cfg.ModelType)
			}
		})
	}
}

// checkModel: the metadata carries config.json verbatim, every tensor is finite F32,
// and the tensors the README lists have the shapes the config implies.
func checkModel(t *testing.T, b *bundle) {
	c, m := b.cfg, b.model
	if m.Metadata["format"] != "pt" {
		t.Errorf("model metadata format = %q, want pt", m.Metadata["format"])
	}
	var metaCfg any
	if err := json.Unmarshal([]byte(m.Metadata["config"]), &metaCfg); err != nil {
		t.Fatalf("model metadata config: %v", err)
	}
	if !reflect.DeepEqual(metaCfg, b.cfgAny) {
		t.Errorf("model metadata config differs from config.json")
	}
	for _, name := range m.Names() {
		info, _ := m.Info(name)
		if info.DType != DTypeF32 {
			t.Errorf("%s: dtype %s, want F32", name, info.DType)
		}
		floats(t, m, name, info.Shape...)
	}
	d := c.DModel
	want := map[string][]int{}
	for i := range c.NLayer {
		h, f := c.NHead[i], c.DInner[i]
		switch c.ModelType {
		case "gpt2", "gpt2_flex":
			p := fmt.Sprintf("transformer.h.%d.", i)
			want[p+"ln_1.weight"] = []int{d}
			want[p+"attn.c_attn.weight"] = []int{d, 3 * d}
			want[p+"attn.c_attn.bias"] = []int{3 * d}
			want[p+"attn.c_proj.weight"] = []int{d, d}
			want[p+"mlp.c_fc.weight"] = []int{d, f}
			want[p+"mlp.c_fc.bias"] = []int{f}
			want[p+"mlp.c_proj.weight"] = []int{f, d}
		case "transformer_xl":
			p := fmt.Sprintf("layers.%d.", i)
			want[p+"dec_attn.qkv_net.weight"] = []int{3 * d, d}
			want[p+"dec_attn.r_net.weight"] = []int{d, d}
			want[p+"dec_attn.o_net.weight"] = []int{d, d}
			want[p+"pos_ff.CoreNet.0.weight"] = []int{f, d}
			want[p+"pos_ff.CoreNet.3.weight"] = []int{d, f}
			want[fmt.Sprintf("r_w_bias_%d", i)] = []int{h, d / h}
			want[fmt.Sprintf("r_r_bias_%d", i)] = []int{h, d / h}
		}
	}
	switch c.ModelType {
	case "gpt2":
		want["transformer.wte.weight"] = []int{c.VocabSize, d}
		want["transformer.wpe.weight"] = []int{c.NPositions, d}
		want["transformer.ln_f.weight"] = []int{d}
	case "gpt2_flex":
		want["transformer.wpe.weight"] = []int{c.NPositions, d}
		want["transformer.ln_f.bias"] = []int{d}
	case "transformer_xl":
		if c.DivVal == 1 {
			want["word_emb.emb_layers.0.weight"] = []int{c.VocabSize, c.DEmbed}
			want["crit.out_layers_biases.0"] = []int{c.VocabSize}
		}
	}
	// Adaptive tables: cluster c holds ends[c+1]-ends[c] rows of d_embed/div_val^c.
	if c.ModelType != "gpt2" && c.DivVal > 1 {
		prefix := map[string]string{"gpt2_flex": "transformer.wte.", "transformer_xl": "word_emb."}[c.ModelType]
		ends := append(append([]int{0}, c.Cutoffs...), c.VocabSize)
		width := c.DEmbed
		for k := 0; k+1 < len(ends); k++ {
			want[fmt.Sprintf("%semb_layers.%d.weight", prefix, k)] = []int{ends[k+1] - ends[k], width}
			want[fmt.Sprintf("%semb_projs.%d", prefix, k)] = []int{d, width}
			width /= c.DivVal
		}
	}
	for name, shape := range want {
		info, ok := m.Info(name)
		if !ok {
			t.Errorf("model has no %s", name)
		} else if !reflect.DeepEqual(info.Shape, shape) {
			t.Errorf("%s: shape %v, want %v", name, info.Shape, shape)
		}
	}
}

// checkInputs: I64 token ids of shape [batch, seq], all inside the vocabulary.
func checkInputs(t *testing.T, b *bundle) map[string][]int64 {
	c := b.cfg
	names := []string{"input_ids"}
	if c.ModelType == "transformer_xl" {
		names = nil
		for s := 1; s <= c.Golden.Segments; s++ {
			names = append(names, fmt.Sprintf("input_ids_seg%d", s))
		}
	}
	if got := b.inputs.Names(); !reflect.DeepEqual(got, names) {
		t.Fatalf("inputs hold %v, want %v", got, names)
	}
	out := map[string][]int64{}
	for _, name := range names {
		ids, shape, err := b.inputs.Int64(name)
		if err != nil {
			t.Fatal(err)
		}
		if info, _ := b.inputs.Info(name); info.DType != DTypeI64 {
			t.Errorf("%s: dtype %s, want I64", name, info.DType)
		}
		if want := []int{c.Golden.BatchSize, c.Golden.SeqLen}; !reflect.DeepEqual(shape, want) {
			t.Errorf("%s: shape %v, want %v", name, shape, want)
		}
		distinct := map[int64]bool{}
		for i, id := range ids {
			if id < 0 || id >= int64(c.VocabSize) {
				t.Fatalf("%s[%d] = %d outside the vocabulary [0, %d)", name, i, id, c.VocabSize)
			}
			distinct[id] = true
		}
		if len(distinct) < len(ids)/4 { // random ids; a decoding error gives few distinct values
			t.Errorf("%s: only %d distinct ids among %d", name, len(distinct), len(ids))
		}
		out[name] = ids
	}
	return out
}

// checkGPT2Expected relates the expected tensors to each other and to the weights:
// hidden_states[0] = wte[x] + wpe[t] (GPT-2), final_hidden = LN_f(hidden_states[L]),
// logits = final_hidden @ wte^T (GPT-2), log-prob rows sum to 1 (GPT-2 flex).
func checkGPT2Expected(t *testing.T, b *bundle, ids []int64) {
	c, e, m := b.cfg, b.expected, b.model
	B, T, d, L, V := c.Golden.BatchSize, c.Golden.SeqLen, c.DModel, c.NLayer, c.VocabSize
	hidden := floats(t, e, "hidden_states", L+1, B, T, d)
	final := floats(t, e, "final_hidden", B, T, d)
	g := floats(t, m, "transformer.ln_f.weight", d)
	beta := floats(t, m, "transformer.ln_f.bias", d)
	for r := range B * T {
		h := hidden[(L*B*T+r)*d : (L*B*T+r+1)*d]
		ln := layerNorm(h, g, beta)
		for j := range d {
			near(t, "final_hidden", float64(final[r*d+j]), ln[j], 1e-5)
		}
	}
	if c.ModelType == "gpt2_flex" {
		checkLogProbRows(t, floats(t, e, "log_probs", B, T, V), V)
		return
	}
	wte := floats(t, m, "transformer.wte.weight", V, d)
	wpe := floats(t, m, "transformer.wpe.weight", c.NPositions, d)
	logits := floats(t, e, "logits", B, T, V)
	for r := range B * T {
		x, pos := int(ids[r]), r%T
		for j := range d {
			near(t, "hidden_states[0]", float64(hidden[r*d+j]), float64(wte[x*d+j])+float64(wpe[pos*d+j]), 1e-6)
		}
		for v := range V {
			var dot float64
			for j := range d {
				dot += float64(final[r*d+j]) * float64(wte[v*d+j])
			}
			near(t, "logits", float64(logits[r*V+v]), dot, 1e-5)
		}
	}
}

// checkTXLExpected: the memory after each segment is the last mem_len rows of the
// previous memory followed by that segment's layer inputs (bit-exact copies); log-prob
// rows sum to 1; without cutoffs log_probs = log_softmax(logits) and, for div_val 1 and
// d_embed = d_model, hidden_states[0] = emb[x] × √d_model.
func checkTXLExpected(t *testing.T, b *bundle, ids map[string][]int64) {
	c, e, m := b.cfg, b.expected, b.model
	B, T, d, L, V := c.Golden.BatchSize, c.TgtLen, c.DModel, c.NLayer, c.VocabSize
	var mem []float32 // [L, B, mlen, d]
	mlen := 0
	for s := 1; s <= c.Golden.Segments; s++ {
		hidden := floats(t, e, fmt.Sprintf("hidden_states_seg%d", s), L+1, B, T, d)
		newLen := min(c.MemLen, mlen+T)
		newMem := floats(t, e, fmt.Sprintf("mems_after_seg%d", s), L, B, newLen, d)
		for i := range L {
			for bb := range B {
				for r := range newLen {
					k := mlen + T - newLen + r // row of concat(mem, X)
					var src []float32
					if k < mlen {
						src = mem[((i*B+bb)*mlen+k)*d:][:d]
					} else {
						src = hidden[((i*B+bb)*T+k-mlen)*d:][:d]
					}
					dst := newMem[((i*B+bb)*newLen+r)*d:][:d]
					if !reflect.DeepEqual(src, dst) {
						t.Fatalf("mems_after_seg%d[%d,%d,%d] is not row %d of concat(memory, hidden_states_seg%d[%d])", s, i, bb, r, k, s, i)
					}
				}
			}
		}
		mem, mlen = newMem, newLen

		logProbs := floats(t, e, fmt.Sprintf("log_probs_seg%d", s), B, T, V)
		checkLogProbRows(t, logProbs, V)
		if len(c.Cutoffs) == 0 {
			logits := floats(t, e, fmt.Sprintf("logits_seg%d", s), B, T, V)
			for r := range B * T {
				row := logits[r*V : (r+1)*V]
				lse := logSumExp(row)
				for v := range V {
					near(t, "log_probs", float64(logProbs[r*V+v]), float64(row[v])-lse, 1e-5)
				}
			}
		}
		if c.DivVal == 1 && c.DEmbed == c.DModel {
			emb := floats(t, m, "word_emb.emb_layers.0.weight", V, d)
			x := ids[fmt.Sprintf("input_ids_seg%d", s)]
			scale := math.Sqrt(float64(d))
			for r := range B * T {
				for j := range d {
					near(t, "hidden_states[0]", float64(hidden[r*d+j]), float64(emb[int(x[r])*d+j])*scale, 1e-6)
				}
			}
		}
	}
}

func checkLogProbRows(t *testing.T, lp []float32, V int) {
	t.Helper()
	for r := 0; r < len(lp)/V; r++ {
		var sum float64
		for _, x := range lp[r*V : (r+1)*V] {
			if x > 0 {
				t.Fatalf("log-prob %g > 0 in row %d", x, r)
			}
			sum += math.Exp(float64(x))
		}
		if math.Abs(sum-1) > 1e-4 {
			t.Fatalf("row %d: probabilities sum to %g", r, sum)
		}
	}
}

func layerNorm(x, g, b []float32) []float64 {
	var mean, sq float64
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	for _, v := range x {
		sq += (float64(v) - mean) * (float64(v) - mean)
	}
	inv := 1 / math.Sqrt(sq/float64(len(x))+1e-5)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = (float64(v)-mean)*inv*float64(g[i]) + float64(b[i])
	}
	return out
}

func logSumExp(x []float32) float64 {
	hi := math.Inf(-1)
	for _, v := range x {
		hi = math.Max(hi, float64(v))
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - hi)
	}
	return hi + math.Log(s)
}

// near fails when |got - want| > rel × max(1, |want|).
func near(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Max(1, math.Abs(want)) {
		t.Fatalf("%s: got %.9g, want %.9g", what, got, want)
	}
}
