package model

// ReadBytes is the memory op must read however well it is computed: every matrix and
// bias of a product, the LayerNorm parameters, the embedding rows of its tokens and
// positions, and the keys and values (and Transformer-XL's position rows R(δ)) a cached
// attention attends to. Activations (a few rows in a decode step) are left out, as is
// what other ops read (0). For a decode step this is the traffic that bounds it: the
// weights once, and the cache up to the context.
func (g *Graph) ReadBytes(op Op) int64 {
	size := func(id int) int64 {
		if id < 0 {
			return 0
		}
		return g.Tensors[id].Bytes()
	}
	switch o := op.(type) {
	case *MatMul:
		return int64(o.N)*int64(o.K)*4 + size(o.Bias)
	case *LayerNorm:
		return size(o.G) + size(o.B)
	case *Embed:
		return 2 * int64(o.N) * int64(o.D) * 4 // a table row and a position row per token
	case *AdaptiveEmbed:
		return int64(o.N) * int64(o.D) * 4 // about a row per token (projections aside)
	case *CachedAttention:
		n := int64(o.B) * int64(o.Past+o.T) * int64(2*o.H*o.Dh) * 4
		if o.R >= 0 { // the rows R(δ) of the visible keys
			n += int64(o.Past+o.T) * int64(o.H*o.Dh) * 4
		}
		return n + size(o.RWBias) + size(o.RRBias)
	}
	return 0
}
