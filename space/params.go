package space

// DecoderParams is the LTS proxy for perplexity: the parameters of the decoder layers,
// without any embedding, positional or output-layer parameter (Archai's
// "nonembedding" count).
//
//	GPT-2:          Σ_l (4d² + 2·d·d_inner_l + d_inner_l + 9d) + 2d   (the final ln_f included)
//	Transformer-XL: Σ_l (5d² + 2·d·d_inner_l + d_inner_l + 7d)
//
// GPT-2 per layer: c_attn 3d²+3d, c_proj d²+d, c_fc d·F+F, c_proj F·d+d, two
// LayerNorms 4d. Transformer-XL per layer: qkv_net 3d², r_net d², o_net d² (no biases),
// r_w_bias and r_r_bias 2d, two LayerNorms 4d, CoreNet d·F+F and F·d+d.
//
// The formulas are the model type's LayerParams and FinalParams.
func (a *Arch) DecoderParams() int64 {
	t := a.ModelType()
	d := int64(a.DModel)
	var n int64
	for l := range a.NLayer {
		n += t.LayerParams(d, int64(a.DInner[l]))
	}
	return n + t.FinalParams(d)
}

// AdaEmbParams is what Archai counts as the embedding ("AdaEmb"): the embedding
// tables, the input projections and, for GPT-2, the learned positions.
func (a *Arch) AdaEmbParams() int64 {
	d := int64(a.DModel)
	var n int64
	if a.ModelType().Positions {
		n += int64(a.TgtLen) * d // wpe
	}
	if !a.IsAdaptive() {
		return n + int64(a.NToken)*d // wte
	}
	ends := a.Ends()
	if a.DivVal > 1 {
		for c := range a.EmbTables() {
			n += int64(ends[c+1]-ends[c]) * int64(a.DEmbC(c))
		}
	} else {
		n += int64(a.NToken) * int64(a.DEmbed)
	}
	for c := range a.EmbProjs() {
		n += d * int64(a.DEmbC(c))
	}
	return n
}

// OutputParams is what the output layer stores beyond the tied embedding tables: the
// per-token biases, the cluster weights and biases and the untied projections (zero for
// plain GPT-2, whose head is wte).
func (a *Arch) OutputParams() int64 {
	if !a.IsAdaptive() {
		return 0
	}
	n := int64(a.NToken)
	nc := int64(a.NClusters())
	if nc > 0 {
		n += nc*int64(a.DEmbed) + nc
	}
	for c := range a.NClusters() + 1 {
		if a.OwnOutProj(c) {
			n += int64(a.DModel) * int64(a.DEmbC(c))
		}
	}
	return n
}

// EmbeddingParams is every parameter that is not a decoder parameter.
func (a *Arch) EmbeddingParams() int64 { return a.AdaEmbParams() + a.OutputParams() }

// TotalParams is every stored parameter (Archai's "total"): tied tensors count once.
func (a *Arch) TotalParams() int64 { return a.DecoderParams() + a.EmbeddingParams() }

// paramsUpperBound bounds TotalParams from above in float64, for the size check in
// Validate: it cannot overflow where the int64 count of an absurd architecture would.
func (a *Arch) paramsUpperBound() float64 {
	d := float64(a.DModel)
	n := 0.0
	for l := range a.NLayer {
		f := float64(a.DInner[l])
		n += 5*d*d + 2*d*f + f + 9*d
	}
	n += float64(a.TgtLen)*d + float64(a.NToken)*(d+1)
	if a.IsAdaptive() {
		e := float64(a.DEmbed)
		nc := float64(a.NClusters())
		// Every table is at most NToken×DEmbed, every projection at most d×DEmbed.
		n += float64(a.NToken)*e + 2*(nc+1)*d*e + nc*(e+1)
	}
	return n
}
