package space

// GPT-2 (Hugging Face) and LTS's GPT-2 "flex" variant: pre-LN blocks, learned positions,
// a final ln_f. Per layer: c_attn 3d²+3d, c_proj d²+d, c_fc d·F+F, mlp.c_proj F·d+d, two
// LayerNorms 4d; after the layers ln_f 2d.

// GPT2 is the GPT-2 backbone.
const GPT2 Backbone = "gpt2"

var gpt2Type = &ModelType{
	Name: "gpt2", Backbone: GPT2, Label: "GPT-2",
	About:   "GPT-2 (Hugging Face, output tied to wte)",
	Aliases: []string{"hf_gpt2"}, Positions: true, FeedForward: "gelu_new",
	LayerParams: gpt2LayerParams, FinalParams: gpt2FinalParams, LayerMACs: gpt2LayerMACs,
}

var gpt2FlexType = &ModelType{
	Name: "gpt2_flex", Backbone: GPT2, Adaptive: true, Label: "GPT-2 (adaptive)",
	About:   "GPT-2 flex (adaptive embedding and softmax, as the paper)",
	Aliases: []string{"hf_gpt2_flex"}, Positions: true, FeedForward: "gelu_new",
	LayerParams: gpt2LayerParams, FinalParams: gpt2FinalParams, LayerMACs: gpt2LayerMACs,
	Space: func(s *Space) {
		s.NLayer = Range{2, 15, 1}
		s.NToken = 50257
		s.MinDecoderParams = 6_000_000
	},
}

func gpt2LayerParams(d, f int64) int64 { return 4*d*d + 2*d*f + f + 9*d }

func gpt2FinalParams(d int64) int64 { return 2 * d }

// gpt2LayerMACs: 3d² (c_attn) + d² (c_proj) + 2d·F (c_fc, mlp.c_proj) + d·(T+1)/2
// (scores q·k) + d·(T+1)/2 (weighted sum of v).
func gpt2LayerMACs(a *Arch, l int) float64 {
	d, f, T := float64(a.DModel), float64(a.DInner[l]), float64(a.TgtLen)
	return 4*d*d + 2*d*f + d*(T+1)
}
