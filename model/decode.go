package model

import (
	"fmt"
	"strconv"

	"github.com/ltsbench/ltsbench/space"
)

// DecodeShape is the run shape of a cached forward pass: Seq new tokens per sequence
// at absolute positions Start..Start+Seq-1, against a KV cache of Cap positions that
// holds what the earlier passes computed. A prefill is Start 0, Seq = the prompt
// length; a decode step is Seq 1 at Start = the tokens so far.
type DecodeShape struct {
	Batch int // B
	Seq   int // T: new tokens per sequence
	Start int // tokens of each sequence already in the cache
	// Cap is the cache's capacity in positions; every graph that shares one cache must
	// have the same (CacheCap).
	Cap int
}

// Past is the number of cached positions a pass of s sees: all of them for GPT-2
// (Start), the last min(mem_len, Start) for a model with a memory (Transformer-XL's
// incremental generation: the memory is the cache).
func (s DecodeShape) Past(a *space.Arch) int {
	if a.ModelType().Memory {
		return min(a.MemLen, s.Start)
	}
	return s.Start
}

// CacheCap is the cache capacity a sequence processed in passes of the given lengths,
// in order from an empty cache, needs: every position for GPT-2 (the sum of the
// passes); for a model with a memory, the most any one pass sees at once, its cached
// positions (Past: min(mem_len, its start)) and its new ones, so that a pass never
// overwrites a slot it still reads — the first pass needs only its own length, a later
// one at most mem_len + its length. 0 for no passes.
func CacheCap(a *space.Arch, passes []int) int {
	start, need := 0, 0
	for _, n := range passes {
		need = max(need, DecodeShape{Seq: n, Start: start}.Past(a)+n)
		start += n
	}
	if a.ModelType().Memory {
		return need
	}
	return start
}

// CacheBytesPerToken is the size of the KV cache per position and sequence: a key
// and a value of H·Dh floats in every layer, each layer with its own head count.
func CacheBytesPerToken(a *space.Arch) int64 {
	var n int64
	for i := range a.NLayer {
		n += 2 * int64(headWidth(a, i)) * F32.Size()
	}
	return n
}

// CacheBytes is the size of the cache of batch sequences and cap positions (the
// State region of BuildDecode's graphs): the keys and values, and for Transformer-XL
// each layer's relative position table R(δ), δ < cap, shared by the sequences.
func CacheBytes(a *space.Arch, batch, cap int) int64 {
	n := int64(batch) * int64(cap) * CacheBytesPerToken(a)
	if a.ModelType().Memory {
		for i := range a.NLayer {
			n += int64(cap) * int64(headWidth(a, i)) * F32.Size()
		}
	}
	return n
}

// headWidth is layer i's H·Dh.
func headWidth(a *space.Arch, i int) int { return a.NHead[i] * a.DHead(i) }

// BuildDecode returns the planned graph of one cached forward pass of a for s. It
// reads and extends the State tensor "kv_cache" (layer i's part is the view
// "kv_cache.{i}", [B, 2, H_i, Cap, Dh_i]: see KVAppend), which every graph of one architecture with
// the same Batch and Cap lays out alike, so a prefill and the decode steps after it
// compiled together share it; StateBytes (and so AllocPeakBytes) include it. A
// sequence's passes run in order from its first (Start 0), which for Transformer-XL
// also fills the cache's table of projected relative positions that later passes read.
//
// Outputs are those of Build for the shape Batch × Seq ("logits" or "log_probs",
// "final_hidden"); Output defaults to last (generation needs the next token's
// distribution only). KeepHidden is not supported.
func BuildDecode(a *space.Arch, s DecodeShape, o BuildOptions) (*Graph, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("build decode: %w", err)
	}
	if o.Output == "" {
		o.Output = OutputLast
	}
	if _, err := ParseOutput(string(o.Output)); err != nil {
		return nil, fmt.Errorf("build decode: %w", err)
	}
	if o.KeepHidden {
		return nil, fmt.Errorf("build decode: hidden states are not kept by a cached forward")
	}
	if err := checkDecodeShape(a, s); err != nil {
		return nil, fmt.Errorf("build decode %s: %w", a.ModelType(), err)
	}
	def, err := definitionOf(a)
	if err != nil {
		return nil, fmt.Errorf("build decode: %w", err)
	}
	if def.decode == nil {
		return nil, fmt.Errorf("build decode: model type %s has no cached forward", a.ModelType())
	}
	b := newBuilder(a, def, Shape{Batch: s.Batch, Seq: s.Seq, Mem: s.Past(a)}, o)
	def.decode(b, s)
	if err := Plan(b.g); err != nil {
		return nil, fmt.Errorf("build decode %s: %w", a.ModelType(), err)
	}
	return b.g, nil
}

// checkDecodeShape rejects shapes a cache cannot serve.
func checkDecodeShape(a *space.Arch, s DecodeShape) error {
	if s.Batch < 1 || s.Seq < 1 || s.Start < 0 {
		return fmt.Errorf("decode shape batch %d, %d new tokens at %d: batch and tokens must be positive, the start not negative", s.Batch, s.Seq, s.Start)
	}
	t := a.ModelType()
	if max := t.MaxSeqLen(a); !t.Memory && max > 0 && s.Start+s.Seq > max {
		return fmt.Errorf("positions up to %d exceed n_positions %d (the rows of wpe)", s.Start+s.Seq, max)
	}
	if need := s.Past(a) + s.Seq; s.Cap < need {
		return fmt.Errorf("cache of %d positions: a pass of %d new tokens after %d cached ones needs %d", s.Cap, s.Seq, s.Past(a), need)
	}
	return nil
}

// kvCache adds the State tensor "kv_cache" (CacheBytes) and returns layer i's view
// of its keys and values, and for a model with a memory also layer i's view of its
// position table ("rel_pos.{i}", [Cap, H·Dh]), which follow all the keys and values.
func (b *builder) kvCache(s DecodeShape) (kv, rel []int) {
	a := b.a
	c := b.tensor("kv_cache", State, int(CacheBytes(a, s.Batch, s.Cap)/F32.Size()))
	var off int64
	for i := range a.NLayer {
		H, dh := a.NHead[i], a.DHead(i)
		kv = append(kv, b.view(c, "kv_cache."+strconv.Itoa(i), off, s.Batch, 2, H, s.Cap, dh))
		off += int64(s.Batch * 2 * H * s.Cap * dh)
	}
	if a.ModelType().Memory {
		for i := range a.NLayer {
			hd := headWidth(a, i)
			rel = append(rel, b.view(c, "rel_pos."+strconv.Itoa(i), off, s.Cap, hd))
			off += int64(s.Cap * hd)
		}
	}
	return kv, rel
}

// gpt2Decode is gpt2 with the attention over the cache: the new tokens' keys and
// values are appended to it and their queries attend to every cached position.
func (b *builder) gpt2Decode(s DecodeShape) {
	a := b.a
	B, T, d := s.Batch, s.Seq, a.DModel
	N := B * T
	cache, _ := b.kvCache(s)

	h := b.tensor("hidden.0", Activation, B, T, d)
	// Positions Start..Start+T-1: Embed adds Pos[n mod T] of a view starting at Start.
	wpe := b.rows(b.weight("transformer.wpe.weight"), s.Start, s.Start+T)
	if a.IsAdaptive() {
		b.adaptiveEmbed(b.def.embed, wpe, h)
	} else {
		b.op(&Embed{IDs: b.g.IDs, Table: b.weight(b.def.embed + "weight"), Pos: wpe, Out: h, N: N, T: T, D: d})
	}

	for i := range a.NLayer {
		p := fmt.Sprintf("transformer.h.%d.", i)
		l := fmt.Sprintf("h.%d.", i)
		H := a.NHead[i]
		x := b.layerNorm(h, p+"ln_1.", l+"ln_1", N)
		qkv := b.mul(l+"qkv", x, b.weight(p+"attn.c_attn.weight"), []int{B, T, 3 * d}, withBias(b.weight(p+"attn.c_attn.bias")))
		b.op(&KVAppend{Src: qkv, Cache: cache[i], B: B, T: T, LD: 3 * d, KOff: d, VOff: 2 * d, HD: d, H: H, Start: s.Start, Cap: s.Cap})
		att := b.tensor(l+"attn", Activation, B, T, d)
		b.op(&CachedAttention{Q: qkv, Cache: cache[i], R: -1, RWBias: -1, RRBias: -1, Out: att,
			B: B, T: T, H: H, Dh: d / H, LDQ: 3 * d, Past: s.Start, Start: s.Start, Cap: s.Cap})
		out := b.hidden(-1, i+1)
		b.gpt2LayerRest(i, att, h, out)
		h = out
	}
	b.gpt2Head(h)
}

// transformerXLDecode is transformerXL with the memory kept as keys and values: the
// new positions' keys and values are appended to the cache, and their queries attend
// to the last min(mem_len, Start) cached positions and to the new ones up to their own,
// with the relative positions δ = query position - key position, whose projections
// R(δ) are cached too.
func (b *builder) transformerXLDecode(s DecodeShape) {
	a := b.a
	B, T, d := s.Batch, s.Seq, a.DModel
	past := s.Past(a)
	cache, rel := b.kvCache(s)

	x := b.tensor("hidden.0", Activation, B, T, d)
	b.adaptiveEmbed(b.def.embed, -1, x)

	// The first pass of a sequence (Start 0) fills every layer's table of
	// R(δ) = r_net·pos(δ), δ = 0..Cap-1, in the cache; the later passes only read it
	// (it depends on the weights alone).
	pos := -1
	if s.Start == 0 {
		pos = b.tensor("pos_emb", Activation, s.Cap, d)
		b.op(&Sinusoid{Out: pos, P: s.Cap, D: d})
	}

	for i := range a.NLayer {
		p := fmt.Sprintf("layers.%d.", i)
		l := fmt.Sprintf("layer.%d.", i)
		H, dh := a.NHead[i], a.DHead(i)
		hd := H * dh
		// Queries, keys and values of the new positions only, in one product.
		qkv := b.mulT(l+"qkv", x, b.weight(p+"dec_attn.qkv_net.weight"), []int{B, T, 3 * hd})
		b.op(&KVAppend{Src: qkv, Cache: cache[i], B: B, T: T, LD: 3 * hd, KOff: hd, VOff: 2 * hd, HD: hd, H: H, Start: s.Start, Cap: s.Cap})
		if pos >= 0 {
			b.op(&MatMul{A: pos, W: b.weight(p + "dec_attn.r_net.weight"), Bias: -1, Residual: -1, Out: rel[i],
				M: s.Cap, N: hd, K: d, TransW: true})
		}
		att := b.tensor(l+"attn", Activation, B, T, hd)
		b.op(&CachedAttention{Q: qkv, Cache: cache[i], R: rel[i], RWBias: b.weight("r_w_bias_" + strconv.Itoa(i)),
			RRBias: b.weight("r_r_bias_" + strconv.Itoa(i)), Out: att,
			B: B, T: T, H: H, Dh: dh, LDQ: 3 * hd, Past: past, Start: s.Start, Cap: s.Cap})
		out := b.hidden(-1, i+1)
		b.txlLayerRest(i, att, x, out)
		x = out
	}
	b.transformerXLHead(x)
}
