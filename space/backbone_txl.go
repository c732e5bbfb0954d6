package space

import "fmt"

// Transformer-XL: adaptive embedding, post-LN layers with relative-position attention
// over memory and segment. Per layer: qkv_net 3d², r_net d², o_net d² (no biases),
// r_w_bias and r_r_bias 2d, two LayerNorms 4d, CoreNet d·F+F and F·d+d.

// TransformerXL is the Transformer-XL backbone.
const TransformerXL Backbone = "transformer_xl"

var transformerXLType = &ModelType{
	Name: "transformer_xl", Backbone: TransformerXL, Adaptive: true, Label: "Transformer-XL",
	About:   "Transformer-XL (adaptive embedding and softmax)",
	Aliases: []string{"mem_transformer"}, Memory: true, FeedForward: "ReLU",
	LayerParams: func(d, f int64) int64 { return 5*d*d + 2*d*f + f + 7*d },
	FinalParams: func(int64) int64 { return 0 },
	LayerMACs:   transformerXLLayerMACs,
	Check: func(a *Arch) error {
		if a.DModel%2 != 0 {
			return fmt.Errorf("d_model: Transformer-XL's sinusoidal positions need an even d_model, got %d", a.DModel)
		}
		return nil
	},
	Space: func(s *Space) {
		s.NLayer = Range{2, 16, 1}
		s.NToken = 267735
		s.MemLen = 192
		s.MinDecoderParams = 4_000_000
	},
}

// transformerXLLayerMACs: with M = mem_len memory rows and K = M + T keys, d² (q) +
// 2d²·K/T (k and v of memory and segment) + d²·K/T (r_net over the K relative
// positions) + d² (o_net) + 2d·F + 3d·(M + (T+1)/2) (AC scores, BD scores, weighted sum
// of v).
func transformerXLLayerMACs(a *Arch, l int) float64 {
	d, f, T := float64(a.DModel), float64(a.DInner[l]), float64(a.TgtLen)
	M := float64(a.MemLen)
	K := M + T
	return d*d + 2*d*d*K/T + d*d*K/T + d*d + 2*d*f + 3*d*(M+(T+1)/2)
}
