package model

import "fmt"

// adaptiveLogSoftmax adds the ProjectedAdaptiveLogSoftmax over h [rows, d] (golden
// README, "Output layer"): the output weights are the embedding tables under the
// definition's embed prefix, the rest is stored under its out prefix. Every cluster's logits are written by one MatMul
// straight into its column band of the [rows, V] output, the cluster logits into a small
// [rows, n_clusters] tensor; the log-softmax then runs in place, so there is one
// vocabulary-wide buffer.
func (b *builder) adaptiveLogSoftmax(h, rows int, shape []int) {
	a := b.a
	embPrefix, outPrefix := b.def.embed, b.def.out
	V, d := a.NToken, a.DModel
	ends := a.Ends()
	nc := a.NClusters()
	logits := b.tensor("logits", Activation, append(append([]int(nil), shape...), V)...)

	// projected[p] is h·P for projection weight p: tied projections of div_val 1 are one
	// tensor shared by all clusters, so the product is made once.
	projected := map[int]int{}
	project := func(c int) (int, int) {
		var p int
		switch {
		case a.OutProjTied(c):
			p = b.weight(fmt.Sprintf("%semb_projs.%d", embPrefix, a.TiedEmbProj(c)))
		case a.OwnOutProj(c):
			p = b.weight(fmt.Sprintf("%sout_projs.%d", outPrefix, c))
		default:
			return h, d
		}
		de := a.DEmbC(c)
		if hp, ok := projected[p]; ok {
			return hp, de
		}
		// P is [d, d_e]: h·P is a product with W stored [K, N].
		hp := b.mul(fmt.Sprintf("head.proj.%d", c), h, p, []int{rows, de})
		projected[p] = hp
		return hp, de
	}

	cluster := -1
	for c := range nc + 1 {
		hp, de := project(c)
		var table, bias int
		if a.DivVal > 1 {
			table = b.weight(fmt.Sprintf("%semb_layers.%d.weight", embPrefix, c))
			bias = b.weight(fmt.Sprintf("%sout_layers_biases.%d", outPrefix, c))
		} else {
			table = b.rows(b.weight(embPrefix+"emb_layers.0.weight"), ends[c], ends[c+1])
			bias = b.rows(b.weight(outPrefix+"out_layers_biases.0"), ends[c], ends[c+1])
		}
		n := ends[c+1] - ends[c]
		out, ldc := logits, 0
		if nc > 0 {
			out = b.view(logits, fmt.Sprintf("logits[:, %d:%d]", ends[c], ends[c+1]), int64(ends[c]), rows, n)
			ldc = V
		}
		b.op(&MatMul{A: hp, W: table, Bias: bias, Residual: -1, Out: out, M: rows, N: n, K: de, TransW: true, LDC: ldc})
		if c == 0 && nc > 0 {
			cluster = b.mulT("cluster_logits", hp, b.weight(outPrefix+"cluster_weight"), []int{rows, nc},
				withBias(b.weight(outPrefix+"cluster_bias")))
		}
	}
	if nc > 0 {
		b.op(&AdaptiveLogSoftmax{Logits: logits, Cluster: cluster, N: rows, Ends: ends})
		b.g.Outputs["log_probs"] = logits
		return
	}
	lp := logits
	if b.o.KeepLogits {
		lp = b.tensor("log_probs", Activation, b.g.Tensors[logits].Shape...)
		b.g.Outputs["logits"] = logits
	}
	b.op(&LogSoftmax{X: logits, Out: lp, Rows: rows, V: V})
	b.g.Outputs["log_probs"] = lp
}
