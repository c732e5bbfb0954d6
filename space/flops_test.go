package space

import (
	"math"
	"testing"
)

// Hand counts of multiply-accumulates (MACs) on tiny models; FLOPs are 2·MACs.
func TestFLOPsPerTokenByHand(t *testing.T) {
	// GPT-2, d 4, one layer with d_inner 8, T 3, vocabulary 10. Per token: c_attn 4·12 +
	// c_proj 4·4 + c_fc 4·8 + mlp.c_proj 8·4 = 128; attention: the positions attend to
	// 1, 2 and 3 keys, each q·k and each weighted v costs 4, so (1+2+3)·4·2/3 = 16; head
	// 4·10 = 40. Total 184 MACs (the layer alone 144).
	g := &Arch{Backbone: GPT2, NLayer: 1, DModel: 4, NHead: []int{2}, DInner: []int{8}, DEmbed: 4, DivVal: 1, NToken: 10, TgtLen: 3}
	if got, want := g.FLOPsPerToken(), 2*184.0; got != want {
		t.Errorf("GPT-2: %v FLOPs/token, want %v", got, want)
	}

	// Transformer-XL, d 4, d_inner 8, T 2, M 2, vocabulary 10, one softmax without a
	// projection. One segment: q 2·16, k and v of the 4 rows 4·2·16, r_net 4·16, o_net
	// 2·16, feed-forward 2·64 = 384; attention: positions see 3 and 4 keys, AC, BD and
	// the weighted sum cost 4 each: 7·4·3 = 84. Per token (384+84)/2 = 234, plus the
	// output layer 4·10 = 40.
	x := &Arch{Backbone: TransformerXL, NLayer: 1, DModel: 4, NHead: []int{2}, DInner: []int{8}, DEmbed: 4, DivVal: 1, NToken: 10, TgtLen: 2, MemLen: 2, TieProjs: []bool{false}}
	if err := x.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := x.FLOPsPerToken(), 2*274.0; got != want {
		t.Errorf("Transformer-XL: %v FLOPs/token, want %v", got, want)
	}

	// GPT-2 flex with the body of g, d_embed 8, div_val 2, cutoffs [4, 7]: cluster widths
	// 8, 4, 2. Embedding projection (head cluster) 4·8 = 32. Output: head projection
	// 4·8 and (4 tokens + 2 cluster rows)·8 = 80; cluster 1: 4·4 + 3·4 = 28; cluster 2:
	// 4·2 + 3·2 = 14.
	f := g.Clone()
	f.Adaptive, f.DEmbed, f.DivVal, f.Cutoffs, f.TieProjs = true, 8, 2, []int{4, 7}, []bool{false, true, true}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := f.FLOPsPerToken(), 2*(144+32+80+28+14.0); got != want {
		t.Errorf("GPT-2 flex: %v FLOPs/token, want %v", got, want)
	}
}

// The closed form against a loop over every position and key of a heterogeneous
// Transformer-XL with a memory shorter than the segment.
func TestFLOPsPerTokenLoop(t *testing.T) {
	a := &Arch{Backbone: TransformerXL, NLayer: 3, DModel: 64, NHead: []int{4, 1, 2}, DInner: []int{192, 64, 128},
		DEmbed: 64, DivVal: 2, NToken: 1000, Cutoffs: []int{200, 500}, TgtLen: 12, MemLen: 5, TieProjs: []bool{false, true, true}}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	d, T, M := 64.0, 12, 5
	var seg float64 // MACs of one segment
	for l := range a.NLayer {
		f := float64(a.DInner[l])
		seg += float64(T) * d * d       // q
		seg += float64(M+T) * 2 * d * d // k, v
		seg += float64(M+T) * d * d     // r_net
		seg += float64(T) * d * d       // o_net
		seg += float64(T) * 2 * d * f   // feed-forward
		for t := range T {
			for j := 0; j < M+T; j++ {
				if j <= M+t {
					seg += 3 * d // AC, BD, weighted sum
				}
			}
		}
	}
	out := 0.0
	widths := []float64{64, 32, 16}
	rows := []float64{200 + 2, 300, 500}
	for c := range 3 {
		out += d*widths[c] + rows[c]*widths[c] // every cluster has a projection (div_val 2)
	}
	want := 2 * (seg/float64(T) + d*64 + out)
	if got := a.FLOPsPerToken(); math.Abs(got-want) > 1e-9*want {
		t.Errorf("FLOPsPerToken = %v, loop gives %v", got, want)
	}
}
