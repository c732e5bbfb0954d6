package backendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/golden"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// modelCase is one architecture of the general cases in the golden README, with the
// run it gets.
type modelCase struct {
	name     string
	json     string
	batch    int
	seq      int
	segments int
}

var modelCases = []modelCase{
	// One head and many; batch 3; seq = n_positions.
	{"gpt2_plain", `{"model_type": "gpt2", "n_layer": 2, "d_model": 24, "n_head": [1, 6], "d_inner": [40, 30], "vocab_size": 37, "n_positions": 10}`, 3, 10, 1},
	// Flex with div_val 1 and no cutoffs (scaled embedding, biased head); seq < n_positions.
	{"gpt2_flex_div1", `{"model_type": "gpt2_flex", "n_layer": 2, "d_model": 16, "n_head": [2, 4], "d_inner": [32, 20], "vocab_size": 29, "n_positions": 8, "div_val": 1, "cutoffs": []}`, 2, 6, 1},
	// div_val 1 with cutoffs (V listed at the end), d_embed ≠ d_model, mixed tied projections.
	{"gpt2_flex_div1_cutoffs", `{"model_type": "gpt2_flex", "n_layer": 2, "d_model": 16, "n_head": [4, 1], "d_inner": [24, 40], "vocab_size": 45, "n_positions": 8, "d_embed": 20, "div_val": 1, "cutoffs": [10, 20, 45], "tie_projs": [true, false, true]}`, 2, 8, 1},
	// div_val 4, one cluster, d_embed > d_model, Archai's default tie_projs.
	{"gpt2_flex_div4", `{"model_type": "gpt2_flex", "n_layer": 1, "d_model": 16, "n_head": 2, "d_inner": 30, "vocab_size": 30, "n_positions": 5, "d_embed": 32, "div_val": 4, "cutoffs": [12]}`, 1, 5, 1},
	// Transformer-XL: mem_len < tgt_len, d_embed ≠ d_model with div_val 1 and cutoffs,
	// untied head and last projections, one head and many, batch 3.
	{"txl_div1_short_mem", `{"model_type": "transformer_xl", "n_layer": 2, "d_model": 16, "n_head": [1, 4], "d_inner": [24, 40], "vocab_size": 45, "d_embed": 12, "div_val": 1, "cutoffs": [15, 30], "tie_projs": [false, true, false], "tgt_len": 6, "mem_len": 4}`, 3, 6, 3},
	// div_val 2, all projections tied, memory longer than the segment.
	{"txl_div2_long_mem", `{"model_type": "transformer_xl", "n_layer": 2, "d_model": 16, "n_head": [8, 2], "d_inner": [20, 36], "vocab_size": 33, "d_embed": 16, "div_val": 2, "cutoffs": [10, 20], "tie_projs": [true, true, true], "tgt_len": 5, "mem_len": 8}`, 2, 5, 3},
	// No cutoffs, no projection, no memory.
	{"txl_plain_no_mem", `{"model_type": "transformer_xl", "n_layer": 2, "d_model": 12, "n_head": [3, 2], "d_inner": [20, 16], "vocab_size": 23, "tgt_len": 5, "mem_len": 0}`, 2, 5, 2},
}

func (c modelCase) arch(t *testing.T) *space.Arch {
	t.Helper()
	a, err := space.ParseArch([]byte(c.json))
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return a
}

// StressWeights fills a's weights with the golden bundles' "stress" scales, so that
// activations are O(1), attention is peaked and an indexing mistake shows: matrices
// uniform with std 1/√(fan in), LayerNorm gains 1 ± 0.1, biases std 0.1, Transformer-XL's
// position biases std 0.5, tables std 0.3.
func StressWeights(a *space.Arch, seed uint64) *model.Weights {
	ts, n := model.LayoutWeights(a)
	w := &model.Weights{Arch: a, Tensors: ts, Data: make([]float32, n/4)}
	rng := rand.New(rand.NewPCG(seed, 0x57e55))
	for _, t := range ts {
		name := t.Name
		var mean, std float64
		switch {
		case hasSuffix(name, "ln_1.weight", "ln_2.weight", "ln_f.weight", "layer_norm.weight"):
			mean, std = 1, 0.1
		case hasPrefix(name, "r_w_bias", "r_r_bias"):
			std = 0.5
		case len(t.Shape) == 1:
			std = 0.1
		case hasSuffix(name, "wte.weight", "wpe.weight") || strings.Contains(name, "emb_layers"):
			std = 0.3
		default:
			fanIn := t.Shape[1] // torch Linear [out, in]; projections P [d, d_e] map d_e → d
			if hasPrefix(name, "transformer.h.") {
				fanIn = t.Shape[0] // Conv1D [in, out]
			}
			std = 1 / math.Sqrt(float64(fanIn))
		}
		v := w.Slice(t)
		for i := range v {
			v[i] = float32(mean + std*math.Sqrt(3)*(2*rng.Float64()-1))
		}
	}
	return w
}

// hasSuffix reports whether s ends with any of xs.
func hasSuffix(s string, xs ...string) bool {
	return slices.ContainsFunc(xs, func(x string) bool { return strings.HasSuffix(s, x) })
}

// hasPrefix reports whether s starts with any of xs.
func hasPrefix(s string, xs ...string) bool {
	return slices.ContainsFunc(xs, func(x string) bool { return strings.HasPrefix(s, x) })
}

// randomIDs draws segments × [batch, seq] token ids.
func randomIDs(rng *rand.Rand, vocab, batch, seq, segments int) [][]int32 {
	out := make([][]int32, segments)
	for s := range out {
		out[s] = make([]int32, batch*seq)
		for i := range out[s] {
			out[s][i] = int32(rng.IntN(vocab))
		}
	}
	return out
}

var fullOpts = model.BuildOptions{Output: model.OutputFull, KeepHidden: true, KeepLogits: true}

func testModels(t *testing.T, open func() (backend.Backend, error)) {
	be, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	for i, c := range modelCases {
		t.Run(c.name, func(t *testing.T) {
			a := c.arch(t)
			w := StressWeights(a, uint64(100+i))
			ids := randomIDs(rand.New(rand.NewPCG(uint64(i), 1)), a.NToken, c.batch, c.seq, c.segments)
			got, err := RunSegments(be, w, c.batch, c.seq, ids, fullOpts)
			if err != nil {
				t.Fatal(err)
			}
			checkAgainstReference(t, w, c, ids, got)
		})
	}
	t.Run("causal_prefix", func(t *testing.T) { testCausalPrefix(t, be) })
	t.Run("batch_rows", func(t *testing.T) { testBatchRows(t, be) })
	t.Run("txl_memory_is_context", func(t *testing.T) { testMemoryIsContext(t, be) })
	t.Run("output_modes", func(t *testing.T) { testOutputModes(t, be) })
}

// checkAgainstReference compares every output of every segment with the float64
// reference, sequence by sequence, and checks that log-probabilities sum to 1.
func checkAgainstReference(t *testing.T, w *model.Weights, c modelCase, ids [][]int32, got []map[string]Named) {
	t.Helper()
	a := w.Arch
	ref := newRefModel(w)
	L, B, T, d, V := a.NLayer, c.batch, c.seq, a.DModel, a.NToken
	mems := make([][][][]float64, B) // per sequence: [n_layer][m][d]
	for s := range ids {
		var hidden, final, logits, lp []float64
		var memsFlat [][]float64 // per layer, batch-major
		memsFlat = make([][]float64, L)
		outs := make([]refOut, B)
		for b := range B {
			seq := make([]int, T)
			for t := range T {
				seq[t] = int(ids[s][b*T+t])
			}
			outs[b] = ref.forward(seq, mems[b])
			mems[b] = outs[b].mems
		}
		for l := range L + 1 {
			for b := range B {
				for t := range T {
					hidden = append(hidden, outs[b].hidden[l][t]...)
				}
			}
		}
		for b := range B {
			for t := range T {
				final = append(final, outs[b].final[t]...)
				if outs[b].logits[t] != nil {
					logits = append(logits, outs[b].logits[t]...)
				}
				if outs[b].lp != nil {
					lp = append(lp, outs[b].lp[t]...)
				}
			}
			for l := range outs[b].mems {
				for _, row := range outs[b].mems[l] {
					memsFlat[l] = append(memsFlat[l], row...)
				}
			}
		}
		g := got[s]
		where := fmt.Sprintf("%s segment %d", c.name, s+1)
		expectClose(t, where, "hidden_states", g, []int{L + 1, B, T, d}, hidden)
		expectClose(t, where, "final_hidden", g, []int{B, T, d}, final)
		if logits != nil {
			expectClose(t, where, "logits", g, []int{B, T, V}, logits)
		}
		if lp != nil {
			expectClose(t, where, "log_probs", g, []int{B, T, V}, lp)
			expectNormalised(t, where, g["log_probs"])
		}
		if a.ModelType().Memory && a.MemLen > 0 {
			var flat []float64
			for l := range L {
				flat = append(flat, memsFlat[l]...)
			}
			m := len(memsFlat[0]) / (B * d)
			expectClose(t, where, "mems", g, []int{L, B, m, d}, flat)
		} else if _, ok := g["mems"]; ok {
			t.Errorf("%s: a model without memory wrote one", where)
		}
	}
}

// expectClose checks got[name] against want with the golden tolerance.
func expectClose(t *testing.T, where, name string, got map[string]Named, shape []int, want []float64) {
	t.Helper()
	g, ok := got[name]
	if !ok {
		t.Errorf("%s: no %s", where, name)
		return
	}
	if !slices.Equal(g.Shape, shape) {
		t.Errorf("%s: %s has shape %v, want %v", where, name, g.Shape, shape)
		return
	}
	e := make([]float32, len(want))
	for i, v := range want {
		e[i] = float32(v)
	}
	if d, tol := golden.MaxDiff(g.Data, e), golden.Tolerance(e); d > tol {
		t.Errorf("%s: %s differs from the float64 reference by %.3g > %.3g", where, name, d, tol)
	}
}

// expectNormalised checks that every row of log-probabilities sums to 1 in probability.
func expectNormalised(t *testing.T, where string, lp Named) {
	t.Helper()
	v := lp.Shape[len(lp.Shape)-1]
	for r := 0; r < len(lp.Data)/v; r++ {
		var s float64
		for _, x := range lp.Data[r*v : (r+1)*v] {
			s += math.Exp(float64(x))
		}
		if math.Abs(s-1) > 1e-4 {
			t.Errorf("%s: probabilities of row %d sum to %.7f", where, r, s)
			return
		}
	}
}

// output returns the model's output tensor: logits for plain GPT-2, else log_probs.
func output(a *space.Arch, o map[string]Named) Named {
	if a.IsAdaptive() {
		return o["log_probs"]
	}
	return o["logits"]
}

// rows returns rows [t0, t1) of sequence b of a [B, T, …] tensor (or of layer l of a
// [L, B, T, …] one, l ≥ 0).
func rows(x Named, l, b, t0, t1 int) []float32 {
	sh := x.Shape
	if l >= 0 {
		sh = sh[1:]
	}
	B, T := sh[0], sh[1]
	w := 1
	for _, s := range sh[2:] {
		w *= s
	}
	base := 0
	if l >= 0 {
		base = l * B * T * w
	}
	return x.Data[base+(b*T+t0)*w : base+(b*T+t1)*w]
}

// closeRel reports whether two tensors agree to tol·max(1, max |b|).
func closeRel(x, y []float32, tol float64) bool {
	scale := 1.0
	for _, v := range y {
		scale = max(scale, math.Abs(float64(v)))
	}
	return golden.MaxDiff(x, y) <= tol*scale
}

// testCausalPrefix: changing the later tokens of a sequence leaves the outputs at the
// earlier positions unchanged (GPT-2, GPT-2 flex, and Transformer-XL in a segment with
// memory).
func testCausalPrefix(t *testing.T, be backend.Backend) {
	for _, c := range []modelCase{modelCases[0], modelCases[2], modelCases[4]} {
		a := c.arch(t)
		w := StressWeights(a, 7)
		rng := rand.New(rand.NewPCG(3, 4))
		segs := 1
		if a.ModelType().Memory {
			segs = 2 // the change is in the second segment, after a memory
		}
		ids := randomIDs(rng, a.NToken, c.batch, c.seq, segs)
		changed := make([][]int32, segs)
		for s := range ids {
			changed[s] = slices.Clone(ids[s])
		}
		half := c.seq / 2
		last := changed[segs-1]
		for b := range c.batch {
			for t := half; t < c.seq; t++ {
				last[b*c.seq+t] = int32((int(last[b*c.seq+t]) + 1 + rng.IntN(a.NToken-1)) % a.NToken)
			}
		}
		x, err := RunSegments(be, w, c.batch, c.seq, ids, fullOpts)
		if err != nil {
			t.Fatal(err)
		}
		y, err := RunSegments(be, w, c.batch, c.seq, changed, fullOpts)
		if err != nil {
			t.Fatal(err)
		}
		ox, oy := output(a, x[segs-1]), output(a, y[segs-1])
		for b := range c.batch {
			if !closeRel(rows(ox, -1, b, 0, half), rows(oy, -1, b, 0, half), 1e-6) {
				t.Errorf("%s: changing positions %d.. changed the output at earlier positions of row %d", c.name, half, b)
			}
			if closeRel(rows(ox, -1, b, half, c.seq), rows(oy, -1, b, half, c.seq), 1e-3) {
				t.Errorf("%s: changing positions %d.. of row %d did not change their outputs", c.name, half, b)
			}
		}
	}
}

// testBatchRows: each row of a batch gives what it gives alone.
func testBatchRows(t *testing.T, be backend.Backend) {
	for _, c := range []modelCase{modelCases[0], modelCases[4]} {
		a := c.arch(t)
		w := StressWeights(a, 8)
		segs := min(c.segments, 2)
		ids := randomIDs(rand.New(rand.NewPCG(5, 6)), a.NToken, c.batch, c.seq, segs)
		all, err := RunSegments(be, w, c.batch, c.seq, ids, fullOpts)
		if err != nil {
			t.Fatal(err)
		}
		for b := range c.batch {
			one := make([][]int32, segs)
			for s := range ids {
				one[s] = ids[s][b*c.seq : (b+1)*c.seq]
			}
			alone, err := RunSegments(be, w, 1, c.seq, one, fullOpts)
			if err != nil {
				t.Fatal(err)
			}
			for s := range segs {
				if !closeRel(rows(output(a, all[s]), -1, b, 0, c.seq), output(a, alone[s]).Data, 1e-5) {
					t.Errorf("%s segment %d: row %d of the batch differs from the row run alone", c.name, s+1, b)
				}
			}
		}
	}
}

// testMemoryIsContext: with mem_len ≥ tgt_len, segment 2 after segment 1 equals the
// last T positions of one pass over both segments; without the memory it differs.
func testMemoryIsContext(t *testing.T, be backend.Backend) {
	c := modelCases[5]
	a := c.arch(t)
	if a.MemLen < c.seq {
		t.Fatalf("%s: mem_len %d < tgt_len %d", c.name, a.MemLen, c.seq)
	}
	w := StressWeights(a, 9)
	T, B := c.seq, c.batch
	ids := randomIDs(rand.New(rand.NewPCG(7, 8)), a.NToken, B, T, 2)
	segs, err := RunSegments(be, w, B, T, ids, fullOpts)
	if err != nil {
		t.Fatal(err)
	}
	both := make([]int32, 0, 2*B*T)
	for b := range B {
		both = append(both, ids[0][b*T:(b+1)*T]...)
		both = append(both, ids[1][b*T:(b+1)*T]...)
	}
	long, err := RunSegments(be, w, B, 2*T, [][]int32{both}, fullOpts)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := RunSegments(be, w, B, T, ids[1:], fullOpts)
	if err != nil {
		t.Fatal(err)
	}
	for b := range B {
		for l := range a.NLayer + 1 {
			if !closeRel(rows(segs[1]["hidden_states"], l, b, 0, T), rows(long[0]["hidden_states"], l, b, T, 2*T), 1e-4) {
				t.Errorf("row %d layer %d: segment 2 with memory differs from one pass over both segments", b, l)
			}
		}
		x, y := rows(segs[1]["log_probs"], -1, b, 0, T), rows(long[0]["log_probs"], -1, b, T, 2*T)
		if !closeRel(x, y, 1e-4) {
			t.Errorf("row %d: log-probs of segment 2 with memory differ from one pass over both segments", b)
		}
		if closeRel(x, rows(alone[0]["log_probs"], -1, b, 0, T), 1e-3) {
			t.Errorf("row %d: segment 2 gives the same log-probs without the memory", b)
		}
	}
}

// testOutputModes: Output last gives the last row of Output full; Output none gives
// the same final hidden state and no output.
func testOutputModes(t *testing.T, be backend.Backend) {
	for _, c := range []modelCase{modelCases[0], modelCases[2], modelCases[5]} {
		a := c.arch(t)
		w := StressWeights(a, 10)
		ids := randomIDs(rand.New(rand.NewPCG(9, 10)), a.NToken, c.batch, c.seq, 2)
		if !a.ModelType().Memory {
			ids = ids[:1]
		}
		s := len(ids) - 1
		full, err := RunSegments(be, w, c.batch, c.seq, ids, model.BuildOptions{Output: model.OutputFull})
		if err != nil {
			t.Fatal(err)
		}
		last, err := RunSegments(be, w, c.batch, c.seq, ids, model.BuildOptions{Output: model.OutputLast})
		if err != nil {
			t.Fatal(err)
		}
		none, err := RunSegments(be, w, c.batch, c.seq, ids, model.BuildOptions{Output: model.OutputNone})
		if err != nil {
			t.Fatal(err)
		}
		of, ol := output(a, full[s]), output(a, last[s])
		if len(ol.Shape) != 2 || ol.Shape[0] != c.batch || ol.Shape[1] != a.NToken {
			t.Fatalf("%s: output last has shape %v", c.name, ol.Shape)
		}
		V := a.NToken
		for b := range c.batch {
			if !closeRel(ol.Data[b*V:(b+1)*V], rows(of, -1, b, c.seq-1, c.seq), 1e-5) {
				t.Errorf("%s: output last of row %d differs from the last position of output full", c.name, b)
			}
		}
		if _, ok := none[s]["logits"]; ok {
			t.Errorf("%s: output none has logits", c.name)
		}
		if _, ok := none[s]["log_probs"]; ok {
			t.Errorf("%s: output none has log-probs", c.name)
		}
		if !closeRel(none[s]["final_hidden"].Data, full[s]["final_hidden"].Data, 1e-6) {
			t.Errorf("%s: output none changes the final hidden state", c.name)
		}
	}
}
