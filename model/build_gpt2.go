package model

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/space"
)

// Plain GPT-2 and GPT-2 flex, with Hugging Face's names.
var _ = register(&definition{
	embed: "transformer.wte.", out: "lm_head.", bare: "transformer.",
	// A second reference to the emb_projs; the attention mask buffers.
	ignored: []string{"lm_head.shared_out_projs.", ".attn.bias", ".attn.masked_bias"},
	layout:  gpt2Layout,
	build:   (*builder).gpt2,
	decode:  (*builder).gpt2Decode,
}, "gpt2", "gpt2_flex")

// gpt2Layout adds GPT-2's weights in Hugging Face's order.
func gpt2Layout(a *space.Arch, def *definition, add addWeight) {
	d := a.DModel
	if a.IsAdaptive() {
		adaptiveEmbedding(a, def.embed, add)
	} else {
		add(def.embed+"weight", initMatrix, a.NToken, d)
	}
	add("transformer.wpe.weight", initProj, a.TgtLen, d)
	for i := range a.NLayer {
		p := fmt.Sprintf("transformer.h.%d.", i)
		f := a.DInner[i]
		add(p+"ln_1.weight", initGain, d)
		add(p+"ln_1.bias", initBias, d)
		add(p+"attn.c_attn.weight", initMatrix, d, 3*d)
		add(p+"attn.c_attn.bias", initBias, 3*d)
		add(p+"attn.c_proj.weight", initMatrix, d, d)
		add(p+"attn.c_proj.bias", initBias, d)
		add(p+"ln_2.weight", initGain, d)
		add(p+"ln_2.bias", initBias, d)
		add(p+"mlp.c_fc.weight", initMatrix, d, f)
		add(p+"mlp.c_fc.bias", initBias, f)
		add(p+"mlp.c_proj.weight", initMatrix, f, d)
		add(p+"mlp.c_proj.bias", initBias, d)
	}
	add("transformer.ln_f.weight", initGain, d)
	add("transformer.ln_f.bias", initBias, d)
	if a.IsAdaptive() {
		adaptiveSoftmax(a, def.out, add)
	}
}

// gpt2 builds plain GPT-2 and GPT-2 flex: pre-LN blocks with Conv1D weights ([in, out]),
// gelu_new, learned positions and a final ln_f (golden README, "GPT-2").
func (b *builder) gpt2() {
	a, s := b.a, b.s
	B, T, d := s.Batch, s.Seq, a.DModel
	N := B * T
	hs := b.hiddenStates()

	h := b.hidden(hs, 0)
	wpe := b.weight("transformer.wpe.weight")
	if a.IsAdaptive() {
		b.adaptiveEmbed(b.def.embed, wpe, h)
	} else {
		b.op(&Embed{IDs: b.g.IDs, Table: b.weight(b.def.embed + "weight"), Pos: wpe, Out: h, N: N, T: T, D: d})
	}

	for i := range a.NLayer {
		p := fmt.Sprintf("transformer.h.%d.", i)
		l := fmt.Sprintf("h.%d.", i)
		x := b.layerNorm(h, p+"ln_1.", l+"ln_1", N)
		qkv := b.mul(l+"qkv", x, b.weight(p+"attn.c_attn.weight"), []int{B, T, 3 * d}, withBias(b.weight(p+"attn.c_attn.bias")))
		att := b.tensor(l+"attn", Activation, B, T, d)
		b.op(&CausalAttention{QKV: qkv, Out: att, B: B, T: T, D: d, H: a.NHead[i]})
		out := b.hidden(hs, i+1)
		b.gpt2LayerRest(i, att, h, out)
		h = out
	}

	b.gpt2Head(h)
}

// gpt2LayerRest adds the part of GPT-2's layer i after its attention att [B, T, d]
// (causal or cached): the attention projection with the residual h, ln_2, the GELU MLP
// and its projection with that residual again into out [B, T, d].
func (b *builder) gpt2LayerRest(i, att, h, out int) {
	B, T, d, f := b.s.Batch, b.s.Seq, b.a.DModel, b.a.DInner[i]
	p, l := fmt.Sprintf("transformer.h.%d.", i), fmt.Sprintf("h.%d.", i)
	h2 := b.mul(l+"resid_attn", att, b.weight(p+"attn.c_proj.weight"), []int{B, T, d},
		withBias(b.weight(p+"attn.c_proj.bias")), withResidual(h))
	m := b.layerNorm(h2, p+"ln_2.", l+"ln_2", B*T)
	fc := b.mul(l+"mlp", m, b.weight(p+"mlp.c_fc.weight"), []int{B, T, f},
		withBias(b.weight(p+"mlp.c_fc.bias")), withAct(ActGELU))
	b.op(&MatMul{A: fc, W: b.weight(p + "mlp.c_proj.weight"), Bias: b.weight(p + "mlp.c_proj.bias"), Residual: h2, Out: out, M: B * T, N: d, K: f})
}

// gpt2Head adds GPT-2's final ln_f and the output layer over the last layer's output
// h [B, T, d] (only its last positions with Output last).
func (b *builder) gpt2Head(h int) {
	a, s := b.a, b.s
	B, T, d := s.Batch, s.Seq, a.DModel
	rows, shape := B*T, []int{B, T}
	if b.o.Output == OutputLast {
		// ln_f is per row, so only the last rows need it.
		last := b.tensor("last_hidden", Activation, B, d)
		b.op(&TakeLast{X: h, Out: last, B: B, T: T, D: d})
		h, rows, shape = last, B, []int{B}
	}
	fin := b.tensor("final_hidden", Activation, append(shape, d)...)
	b.op(&LayerNorm{X: h, G: b.weight("transformer.ln_f.weight"), B: b.weight("transformer.ln_f.bias"), Out: fin, Rows: rows, D: d, Eps: 1e-5})
	b.g.Outputs["final_hidden"] = fin
	if b.o.Output == OutputNone {
		return
	}
	if a.IsAdaptive() {
		b.adaptiveLogSoftmax(fin, rows, shape)
		return
	}
	logits := b.mulT("logits", fin, b.weight(b.def.embed+"weight"), append(shape, a.NToken))
	b.g.Outputs["logits"] = logits
}

// adaptiveEmbed adds Transformer-XL's AdaptiveEmbedding (tables and projections under
// prefix), scaled by √d_model, plus the positions pos when pos ≥ 0, writing out.
func (b *builder) adaptiveEmbed(prefix string, pos, out int) {
	a, s := b.a, b.s
	op := &AdaptiveEmbed{IDs: b.g.IDs, Pos: pos, Out: out, N: s.Batch * s.Seq, T: s.Seq, D: a.DModel,
		Scale: float32(math.Sqrt(float64(a.DModel)))}
	ends := a.Ends()
	if a.DivVal == 1 {
		ends = []int{0, a.NToken} // one table; the cutoffs only split the softmax
	}
	op.Ends = ends
	for c := range len(ends) - 1 {
		op.Tables = append(op.Tables, b.weight(fmt.Sprintf("%semb_layers.%d.weight", prefix, c)))
		op.DEmb = append(op.DEmb, a.DEmbC(c))
		proj := -1
		if c < a.EmbProjs() {
			proj = b.weight(fmt.Sprintf("%semb_projs.%d", prefix, c))
		}
		op.Projs = append(op.Projs, proj)
	}
	b.op(op)
}
