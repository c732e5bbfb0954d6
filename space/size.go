package space

import (
	"math"
	"math/big"
)

// maxExactCells bounds the dynamic programme of Size (cells of the table of d_inner sums,
// summed over d_model and div_val choices); beyond it Log10Size estimates.
const maxExactCells = 2_000_000

// maxFloatCells bounds the floating-point programme of Log10Size; beyond it Log10Size
// gives an upper bound that ignores the decoder-parameter bounds.
const maxFloatCells = 500_000_000

// Size is the exact number of distinct valid architectures of the space (those that
// pass Check), or nil when counting them exactly would take too long (see Log10Size).
//
// Architectures that differ only in per-layer values beyond n_layer are the same (Key),
// so the count is over genes: for each d_model and div_val the architecture-level rules
// (Validate) either hold or not, every layer has h(d_model) head choices (those dividing
// d_model) and its d_inner choices (those ≥ ratio·d_model), and the decoder parameters
// are L·base(d) + (2d+1)·Σ d_inner (+2d for GPT-2's ln_f), so the bounds are a window on
// Σ d_inner. The number of L-tuples of d_inner values with a given sum is a dynamic
// programme over layers; the count is Σ_L h^L · (tuples whose sum is in the window).
// The size bound of Validate (MaxWeightBytes) narrows the window the same way.
func (s *Space) Size() *big.Int {
	if s.Validate() != nil {
		return new(big.Int)
	}
	if s.sizeCells() > maxExactCells {
		return nil
	}
	total := new(big.Int)
	s.eachBlock(func(b sizeBlock) {
		total.Add(total, b.countExact())
	})
	return total
}

// Log10Size is log10 of the number of distinct valid architectures, and whether it is
// exact (from Size) or an estimate. The estimate, for spaces too large to count, runs
// the same programme in floating point with rescaling (the log stays good to many
// digits, the count is no longer an integer); for spaces larger still it is an upper
// bound that ignores the decoder-parameter bounds. An empty space gives -Inf, exactly.
func (s *Space) Log10Size() (float64, bool) {
	if n := s.Size(); n != nil {
		return log10Big(n), true
	}
	var terms []float64 // log10 of each block's count
	if s.sizeCells() > maxFloatCells {
		// Too large even for floating point: an upper bound, without the
		// decoder-parameter window.
		s.eachBlock(func(b sizeBlock) {
			per := math.Log10(float64(b.nF) * float64(b.nH))
			for _, L := range b.layers {
				terms = append(terms, float64(L)*per)
			}
		})
		return log10Sum(terms), false
	}
	s.eachBlock(func(b sizeBlock) {
		if l := b.log10Count(); !math.IsInf(l, -1) {
			terms = append(terms, l)
		}
	})
	return log10Sum(terms), false
}

// sizeBlock is the architectures of one d_model and div_val: per layer, nF d_inner
// choices f_k = f0 + k·step and nH head choices; a layer-count choice L admits the
// tuples whose index sum Σk lies in [lo(L), hi(L)].
type sizeBlock struct {
	nF, nH int
	layers []int
	lo, hi func(L int) int64 // inclusive window on Σk; lo > hi means none
}

// sizeCells is the work of the exact count: Σ over blocks of maxL·(maxL·nF).
func (s *Space) sizeCells() float64 {
	cells := 0.0
	s.eachBlock(func(b sizeBlock) {
		L := float64(b.layers[len(b.layers)-1])
		cells += L * (L*float64(b.nF) + 1)
	})
	return cells
}

// eachBlock calls fn for every (d_model, div_val) pair whose architectures can be
// valid.
func (s *Space) eachBlock(fn func(sizeBlock)) {
	layers := s.NLayer.Values()
	for _, d := range s.DModel.Values() {
		fs, hs := s.dInnerChoices(d), s.headChoices(d)
		if len(fs) == 0 || len(hs) == 0 {
			continue
		}
		for _, dv := range s.divVals() {
			probe := s.newArch(layers[0], d, dv, repeat(hs[0], layers[0]), repeat(fs[0], layers[0]))
			if !s.blockValid(probe) {
				continue
			}
			s.addBlock(fn, probe, layers, fs, len(hs))
		}
	}
}

// blockValid reports whether the rules of Validate that do not depend on the per-layer
// genes hold (the model type's Check, every adaptive cluster at least 1 wide).
func (s *Space) blockValid(a *Arch) bool {
	if t := a.ModelType(); t.Check != nil && t.Check(a) != nil {
		return false
	}
	if a.IsAdaptive() && a.DivVal > 1 {
		for c := range a.NClusters() + 1 {
			if a.DEmbC(c) < 1 {
				return false
			}
		}
	}
	return true
}

func (s *Space) addBlock(fn func(sizeBlock), probe *Arch, layers, fs []int, nH int) {
	d := int64(probe.DModel)
	f0, step := int64(fs[0]), int64(s.DInner.Step)
	// Decoder params = L·layer(f0) + final + slope·Σk, layer being affine in d_inner.
	t := probe.ModelType()
	layer0, extra := t.LayerParams(d, f0), t.FinalParams(d)
	slope := t.LayerParams(d, f0+step) - layer0
	// The weight bound of Validate caps the decoder params too: the rest of the
	// weights does not depend on the per-layer genes.
	embedding := probe.EmbeddingParams()
	maxDec := int64(MaxWeightBytes/4) - embedding
	if s.MaxDecoderParams > 0 {
		maxDec = min(maxDec, s.MaxDecoderParams)
	}
	minDec := s.MinDecoderParams
	b := sizeBlock{nF: len(fs), nH: nH, layers: layers}
	fixed := func(L int) int64 { return int64(L)*layer0 + extra }
	b.lo = func(L int) int64 { return ceilDiv(minDec-fixed(L), slope) }
	b.hi = func(L int) int64 { return floorDiv(maxDec-fixed(L), slope) }
	fn(b)
}

// countExact is Σ_L nH^L · #{k ∈ [0, nF)^L : lo(L) ≤ Σk ≤ hi(L)}.
func (b sizeBlock) countExact() *big.Int {
	total := new(big.Int)
	maxL := b.layers[len(b.layers)-1]
	// ways[s] = number of l-tuples with index sum s, for l = 1, 2, …
	ways := []*big.Int{big.NewInt(1)}
	next := 0
	for l := 1; l <= maxL; l++ {
		ways = boxConvolve(ways, b.nF)
		if next < len(b.layers) && b.layers[next] == l {
			next++
			lo, hi := max(b.lo(l), 0), min(b.hi(l), int64(len(ways)-1))
			if lo > hi {
				continue
			}
			sum := new(big.Int)
			for k := lo; k <= hi; k++ {
				sum.Add(sum, ways[k])
			}
			pow := new(big.Int).Exp(big.NewInt(int64(b.nH)), big.NewInt(int64(l)), nil)
			total.Add(total, sum.Mul(sum, pow))
		}
	}
	return total
}

// boxConvolve returns out[s] = Σ_{k=0}^{n-1} in[s-k] (one more layer with n choices).
func boxConvolve(in []*big.Int, n int) []*big.Int {
	out := make([]*big.Int, len(in)+n-1)
	run := new(big.Int)
	for s := range out {
		if s < len(in) {
			run.Add(run, in[s])
		}
		if j := s - n; j >= 0 {
			run.Sub(run, in[j])
		}
		out[s] = new(big.Int).Set(run)
	}
	return out
}

// log10Count is countExact in floating point: the table is rescaled after every layer
// and the scale kept as a log.
func (b sizeBlock) log10Count() float64 {
	var terms []float64
	maxL := b.layers[len(b.layers)-1]
	ways := []float64{1}
	scale := 0.0 // log10 of the factor divided out of ways
	next := 0
	for l := 1; l <= maxL; l++ {
		out := make([]float64, len(ways)+b.nF-1)
		run, peak := 0.0, 0.0
		for s := range out {
			if s < len(ways) {
				run += ways[s]
			}
			if j := s - b.nF; j >= 0 {
				run -= ways[j]
			}
			out[s] = max(run, 0)
			peak = max(peak, out[s])
		}
		for s := range out {
			out[s] /= peak
		}
		ways, scale = out, scale+math.Log10(peak)
		if next < len(b.layers) && b.layers[next] == l {
			next++
			lo, hi := max(b.lo(l), 0), min(b.hi(l), int64(len(ways)-1))
			sum := 0.0
			for k := lo; k <= hi; k++ {
				sum += ways[k]
			}
			if sum > 0 {
				terms = append(terms, math.Log10(sum)+scale+float64(l)*math.Log10(float64(b.nH)))
			}
		}
	}
	return log10Sum(terms)
}

// log10Sum is log10(Σ 10^t).
func log10Sum(ts []float64) float64 {
	if len(ts) == 0 {
		return math.Inf(-1)
	}
	m := ts[0]
	for _, t := range ts {
		m = max(m, t)
	}
	s := 0.0
	for _, t := range ts {
		s += math.Pow(10, t-m)
	}
	return m + math.Log10(s)
}

// log10Big is log10 of a non-negative integer, -Inf for 0.
func log10Big(n *big.Int) float64 {
	if n.Sign() == 0 {
		return math.Inf(-1)
	}
	// Keep the top 60 bits: exact enough for float64.
	shift := max(n.BitLen()-60, 0)
	top := new(big.Int).Rsh(n, uint(shift))
	return math.Log10(float64(top.Uint64())) + float64(shift)*math.Log10(2)
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }
