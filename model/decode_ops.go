package model

// The ops of a cached (incremental) forward pass: the keys and values of every position
// already processed are kept in a cache, so a step computes only its new positions.
//
// A layer's cache is a State tensor [B, 2, H, Cap, Dh] (H heads of Dh, the layer's own):
// for sequence b, its keys ([b, 0]) and then its values ([b, 1]), head by head, each
// head's slots in order. Absolute position p lives in slot p mod Cap, so a
// Transformer-XL memory of mem_len positions slides through a cache of mem_len + T
// slots without ever being moved. Head-major, one head's keys are one stretch of
// memory: a decode step reads them in order, where a row per slot (all heads' keys and
// values of a position together) had it read Dh floats out of every 2·H·Dh, four
// times slower from memory on the machine docs/PERF.md names.

// KVAppend writes the keys and values of T new positions (absolute positions
// Start..Start+T-1) into a layer's cache, head h of Dh = HD/H columns:
//
//	Cache[b, 0, h, (Start+t) mod Cap, :] = Src[b, t, KOff+h·Dh : KOff+(h+1)·Dh]
//	Cache[b, 1, h, (Start+t) mod Cap, :] = Src[b, t, VOff+h·Dh : VOff+(h+1)·Dh]
//
// Src [B, T, LD] (GPT-2: the fused qkv, keys at D and values at 2D), Cache
// [B, 2, H, Cap, Dh].
type KVAppend struct {
	Src, Cache     int
	B, T, LD       int
	KOff, VOff, HD int
	H              int // heads: HD = H·Dh
	Start, Cap     int
}

// CachedAttention is multi-head attention of T new queries over a layer's cache
// (after KVAppend wrote their own keys): query t is absolute position Start+t and sees
// the keys at absolute positions p = Start-Past .. Start+t (slot p mod Cap). Head h
// uses columns h·Dh..(h+1)·Dh-1 of the query and head h of the cache:
//
//	q = Q[b, t, h·Dh:(h+1)·Dh]  (rows of Q are LDQ elements apart)
//	k[p] = Cache[b, 0, h, p mod Cap, :]   v[p] = Cache[b, 1, h, p mod Cap, :]
//	GPT-2 (R < 0):           s[p] = q·k[p] / √Dh
//	Transformer-XL (R ≥ 0):  s[p] = ((q + RWBias[h])·k[p] + (q + RRBias[h])·R[δ, h]) / √Dh,
//	                         δ = Start + t - p, R [≥ Past+T, H·Dh] (rows beyond unread)
//	Out[b, t, h·Dh:(h+1)·Dh] = Σ_p softmax(s)[p]·v[p]                 Out [B, T, H·Dh]
//
// With Past = Start (GPT-2) this is CausalAttention over the whole sequence; with
// Past = min(mem_len, Start) it is RelAttention over concat(memory, segment).
type CachedAttention struct {
	Q, Cache, R, RWBias, RRBias, Out int
	B, T, H, Dh, LDQ                 int
	Past, Start, Cap                 int
}

func (o *KVAppend) Reads() []int  { return []int{o.Src} }
func (o *KVAppend) Writes() []int { return []int{o.Cache} }
func (o *KVAppend) Name() string  { return "kv_append" }

func (o *CachedAttention) Reads() []int {
	return ids(o.Q, o.Cache, o.R, o.RWBias, o.RRBias)
}
func (o *CachedAttention) Writes() []int { return []int{o.Out} }
func (o *CachedAttention) Name() string  { return "cached_attention" }
