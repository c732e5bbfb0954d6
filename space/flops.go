package space

// FLOPsPerToken is a second cost proxy: the floating-point operations of one forward
// pass divided by the tokens it predicts, counting 2 FLOPs per multiply-accumulate of
// every matrix product and nothing else (no LayerNorm, softmax, activation, bias or
// residual add, no embedding lookup). The pass is one sequence of T = tgt_len tokens;
// Transformer-XL runs in steady state with M = mem_len memory rows, so every layer sees
// K = M + T keys. With d = d_model, F_l = d_inner[l], per layer and token:
//
//	GPT-2:          3d² (c_attn) + d² (c_proj) + 2d·F_l (c_fc, mlp.c_proj)
//	                + d·(T+1)/2 (scores q·k) + d·(T+1)/2 (weighted sum of v)
//	Transformer-XL: d² (q) + 2d²·K/T (k and v of memory and segment) + d²·K/T (r_net
//	                over the K relative positions) + d² (o_net) + 2d·F_l
//	                + 3d·(M + (T+1)/2) (AC scores, BD scores, weighted sum of v)
//
// Position t (0-based) of the segment attends to M + t + 1 keys, so the attention terms
// are the average over the T positions of the unmasked (causal) entries; masked entries
// are not counted. The output layer is computed for every position over the whole
// vocabulary (the full log-probability table), so per token it adds
//
//	plain GPT-2: d·n_token (logits = ln_f(h)·wteᵀ)
//	adaptive:    for each softmax cluster c with width e_c = d_embed/div_val^c (d_embed
//	             for div_val 1): d·e_c if the cluster has a projection, plus
//	             rows_c·e_c, where rows_0 = cutoffs[0] + n_clusters (the head also scores
//	             the tail clusters) and rows_c is the size of cluster c
//
// and the adaptive embedding's projection adds d·e_0 per token when there is one
// (counted as if every input token were in the head cluster, where most tokens are).
func (a *Arch) FLOPsPerToken() float64 {
	return 2 * a.macsPerToken()
}

func (a *Arch) macsPerToken() float64 {
	d := float64(a.DModel)
	t := a.ModelType()
	var macs float64
	for l := range a.NLayer {
		macs += t.LayerMACs(a, l)
	}
	if !a.IsAdaptive() {
		return macs + d*float64(a.NToken)
	}
	if a.EmbProjs() > 0 {
		macs += d * float64(a.DEmbC(0))
	}
	ends := a.Ends()
	for c := range a.NClusters() + 1 {
		e := float64(a.DEmbC(c))
		if a.HasProj(c) {
			macs += d * e
		}
		rows := float64(ends[c+1] - ends[c])
		if c == 0 {
			rows += float64(a.NClusters())
		}
		macs += rows * e
	}
	return macs
}
