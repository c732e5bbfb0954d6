package model

import (
	"fmt"
	"strconv"

	"github.com/ltsbench/ltsbench/space"
)

// Transformer-XL, with Archai's (MemTransformerLM) names.
var _ = register(&definition{
	embed: "word_emb.", out: "crit.",
	layout: transformerXLLayout,
	build:  (*builder).transformerXL,
	decode: (*builder).transformerXLDecode,
}, "transformer_xl")

// transformerXLLayout adds Transformer-XL's weights in MemTransformerLM's order.
func transformerXLLayout(a *space.Arch, def *definition, add addWeight) {
	d := a.DModel
	adaptiveEmbedding(a, def.embed, add)
	for i := range a.NLayer {
		p := fmt.Sprintf("layers.%d.", i)
		hd := a.NHead[i] * a.DHead(i)
		f := a.DInner[i]
		add(p+"dec_attn.qkv_net.weight", initMatrix, 3*hd, d)
		add(p+"dec_attn.r_net.weight", initMatrix, hd, d)
		add(p+"dec_attn.o_net.weight", initMatrix, d, hd)
		add(p+"dec_attn.layer_norm.weight", initGain, d)
		add(p+"dec_attn.layer_norm.bias", initBias, d)
		add(p+"pos_ff.CoreNet.0.weight", initMatrix, f, d)
		add(p+"pos_ff.CoreNet.0.bias", initBias, f)
		add(p+"pos_ff.CoreNet.3.weight", initMatrix, d, f)
		add(p+"pos_ff.CoreNet.3.bias", initBias, d)
		add(p+"pos_ff.layer_norm.weight", initGain, d)
		add(p+"pos_ff.layer_norm.bias", initBias, d)
		add(fmt.Sprintf("r_w_bias_%d", i), initMatrix, a.NHead[i], a.DHead(i))
		add(fmt.Sprintf("r_r_bias_%d", i), initMatrix, a.NHead[i], a.DHead(i))
	}
	adaptiveSoftmax(a, def.out, add)
}

// transformerXL builds Transformer-XL (golden README, "Transformer-XL"): adaptive
// embedding, post-LN layers with relative-position attention over concat(memory,
// segment), memory update, projected adaptive log-softmax.
func (b *builder) transformerXL() {
	a, s := b.a, b.s
	B, T, d := s.Batch, s.Seq, a.DModel
	m := s.Mem
	K := m + T
	hs := b.hiddenStates()

	// The memory: layer i's region holds B·mem_len·d floats at a fixed offset, so graphs
	// with different Mem and MemOut share it.
	mems := -1
	if a.MemLen > 0 {
		mems = b.tensor("mems", State, a.NLayer, B, a.MemLen, d)
		if s.MemOut == a.MemLen {
			b.g.Outputs["mems"] = mems
		}
	}
	region := func(i int) int64 { return int64(i * B * a.MemLen * d) }

	x := b.hidden(hs, 0)
	b.adaptiveEmbed(b.def.embed, -1, x)

	// Relative positions δ = 0..K-1, the same for every layer.
	pos := b.tensor("pos_emb", Activation, K, d)
	b.op(&Sinusoid{Out: pos, P: K, D: d})

	for i := range a.NLayer {
		p := fmt.Sprintf("layers.%d.", i)
		l := fmt.Sprintf("layer.%d.", i)
		H, dh := a.NHead[i], a.DHead(i)
		hd := H * dh
		qkvW := b.weight(p + "dec_attn.qkv_net.weight")

		c := x // concat(Mem, X)
		if m > 0 {
			memIn := b.view(mems, "mems."+strconv.Itoa(i)+".in", region(i), B, m, d)
			c = b.tensor(l+"cat", Activation, B, K, d)
			b.op(&ConcatMem{Mem: memIn, X: x, Out: c, B: B, M: m, T: T, D: d})
		}
		q := b.mulT(l+"q", x, b.rows(qkvW, 0, hd), []int{B, T, hd})
		kv := b.mulT(l+"kv", c, b.rows(qkvW, hd, 3*hd), []int{B, K, 2 * hd})
		if s.MemOut > 0 {
			// The new memory is the last rows of this layer's input: taken now, so the
			// concatenation is free once the keys and values are made.
			memOut := b.view(mems, "mems."+strconv.Itoa(i)+".out", region(i), B, s.MemOut, d)
			b.op(&MemUpdate{C: c, Out: memOut, B: B, K: K, MOut: s.MemOut, D: d})
			b.g.Outputs["mems."+strconv.Itoa(i)] = memOut
		}
		r := b.mulT(l+"r", pos, b.weight(p+"dec_attn.r_net.weight"), []int{K, hd})
		att := b.tensor(l+"attn", Activation, B, T, hd)
		b.op(&RelAttention{Q: q, KV: kv, R: r, RWBias: b.weight("r_w_bias_" + strconv.Itoa(i)),
			RRBias: b.weight("r_r_bias_" + strconv.Itoa(i)), Out: att, B: B, T: T, K: K, H: H, Dh: dh})
		out := b.hidden(hs, i+1)
		b.txlLayerRest(i, att, x, out)
		x = out
	}

	b.transformerXLHead(x)
}

// transformerXLHead adds the output layer over the last layer's output x [B, T, d]
// (only its last positions with Output last).
func (b *builder) transformerXLHead(x int) {
	B, T, d := b.s.Batch, b.s.Seq, b.a.DModel
	rows, shape := B*T, []int{B, T}
	if b.o.Output == OutputLast {
		last := b.tensor("final_hidden", Activation, B, d)
		b.op(&TakeLast{X: x, Out: last, B: B, T: T, D: d})
		x, rows, shape = last, B, []int{B}
	}
	b.g.Outputs["final_hidden"] = x
	if b.o.Output == OutputNone {
		return
	}
	b.adaptiveLogSoftmax(x, rows, shape)
}

// txlLayerRest adds the part of Transformer-XL's layer i after its attention att
// [B, T, H·Dh] (relative or cached): the output projection with the residual x and its
// LayerNorm, then the ReLU feed-forward with that residual and its LayerNorm into out
// [B, T, d] (post-LN, as the reference).
func (b *builder) txlLayerRest(i, att, x, out int) {
	B, T, d, f := b.s.Batch, b.s.Seq, b.a.DModel, b.a.DInner[i]
	p, l := fmt.Sprintf("layers.%d.", i), fmt.Sprintf("layer.%d.", i)
	N := B * T
	y := b.mulT(l+"resid_attn", att, b.weight(p+"dec_attn.o_net.weight"), []int{B, T, d}, withResidual(x))
	y = b.layerNorm(y, p+"dec_attn.layer_norm.", l+"ln_attn", N)
	ff := b.mulT(l+"ff", y, b.weight(p+"pos_ff.CoreNet.0.weight"), []int{B, T, f},
		withBias(b.weight(p+"pos_ff.CoreNet.0.bias")), withAct(ActReLU))
	z := b.mulT(l+"resid_ff", ff, b.weight(p+"pos_ff.CoreNet.3.weight"), []int{B, T, d},
		withBias(b.weight(p+"pos_ff.CoreNet.3.bias")), withResidual(y))
	b.op(&LayerNorm{X: z, G: b.weight(p + "pos_ff.layer_norm.weight"), B: b.weight(p + "pos_ff.layer_norm.bias"), Out: out, Rows: N, D: d, Eps: 1e-5})
}
