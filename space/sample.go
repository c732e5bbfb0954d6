package space

import (
	"fmt"
	"math/rand/v2"
)

// maxTries bounds the rejection sampling of Sample, Mutate and Crossover. With the
// paper's spaces about one draw in three passes Check; a space that admits nothing is
// told apart at once by Log10Size.
const maxTries = 10_000

// Sample draws a valid architecture inside the space's constraints: n_layer, d_model
// and div_val uniformly from their choices, then for every layer d_inner uniformly from
// the choices the d_inner ratio allows for that d_model and n_head uniformly from the
// choices that divide d_model; draws that fail Check (mostly the decoder-parameter
// bounds) are rejected. The same rng state gives the same architecture.
func (s *Space) Sample(rng *rand.Rand) (*Arch, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("space: %w", err)
	}
	var last error
	for range maxTries {
		a := s.draw(rng)
		if a == nil {
			continue
		}
		if last = s.Check(a); last == nil {
			return a, nil
		}
	}
	if l, _ := s.Log10Size(); l < 0 {
		return nil, fmt.Errorf("space: no architecture satisfies its constraints (n_layer %s, d_model %s, d_inner %s with ratio %g, decoder params %d…%d)",
			s.NLayer, s.DModel, s.DInner, s.DInnerMinRatio, s.MinDecoderParams, s.MaxDecoderParams)
	}
	return nil, fmt.Errorf("space: no valid architecture in %d draws (last: %v)", maxTries, last)
}

// draw is one unconditioned draw of Sample (nil when d_model leaves no choice).
func (s *Space) draw(rng *rand.Rand) *Arch {
	nLayer := pick(rng, s.NLayer.Values())
	dModel := pick(rng, s.DModel.Values())
	divVal := pick(rng, s.divVals())
	fs, hs := s.dInnerChoices(dModel), s.headChoices(dModel)
	if len(fs) == 0 || len(hs) == 0 {
		return nil
	}
	nHead, dInner := make([]int, nLayer), make([]int, nLayer)
	for i := range nLayer {
		dInner[i] = pick(rng, fs)
		nHead[i] = pick(rng, hs)
	}
	return s.newArch(nLayer, dModel, divVal, nHead, dInner)
}

func pick(rng *rand.Rand, xs []int) int { return xs[rng.IntN(len(xs))] }

// Mutate redraws each gene of a (per-layer genes included) with probability p, as LTS's
// mutation does: d_model, n_layer and div_val first, then each layer's d_inner (redrawn
// from the choices the ratio allows for the new d_model, as LTS redraws from
// range(int(1.7·d_model), …)) and n_head. When n_layer grows, the first layers keep their
// genes (each still mutated with probability p) and the added layers are drawn afresh;
// when it shrinks, the last layers are dropped. Mutants that fail Check are redrawn from
// a; after a bounded number of tries Mutate returns a copy of a when a passes Check, and
// nil only when a itself is outside the space and no valid mutant was found.
func (s *Space) Mutate(a *Arch, p float64, rng *rand.Rand) *Arch {
	if s.Validate() != nil || a == nil || a.Validate() != nil {
		return nil
	}
	for range maxTries {
		m := s.mutateOnce(a, p, rng)
		if m != nil && s.Check(m) == nil {
			return m
		}
	}
	if s.Check(a) == nil {
		return a.Clone()
	}
	return nil
}

func (s *Space) mutateOnce(a *Arch, p float64, rng *rand.Rand) *Arch {
	dModel, nLayer, divVal := a.DModel, a.NLayer, a.DivVal
	if rng.Float64() < p {
		dModel = pick(rng, s.DModel.Values())
	}
	if rng.Float64() < p {
		nLayer = pick(rng, s.NLayer.Values())
	}
	if rng.Float64() < p {
		divVal = pick(rng, s.divVals())
	}
	fs, hs := s.dInnerChoices(dModel), s.headChoices(dModel)
	if len(fs) == 0 || len(hs) == 0 {
		return nil
	}
	nHead, dInner := make([]int, nLayer), make([]int, nLayer)
	for i := range nLayer {
		if i < a.NLayer {
			dInner[i], nHead[i] = a.DInner[i], a.NHead[i]
			if rng.Float64() < p {
				dInner[i] = pick(rng, fs)
			}
			if rng.Float64() < p {
				nHead[i] = pick(rng, hs)
			}
		} else {
			dInner[i], nHead[i] = pick(rng, fs), pick(rng, hs)
		}
	}
	return s.newArch(nLayer, dModel, divVal, nHead, dInner)
}

// Crossover takes each gene from a or b with probability p (uniform crossover): p is
// the chance of taking a's gene (LTS uses 0.5). d_model, n_layer and div_val are genes;
// for every layer of the child, d_inner and n_head are taken from a or b when both have
// that layer, else from the parent that has it. Children that fail Check are redrawn;
// after a bounded number of tries Crossover returns a copy of a (or of b) when it passes
// Check, and nil only when neither parent is inside the space.
func (s *Space) Crossover(a, b *Arch, p float64, rng *rand.Rand) *Arch {
	if s.Validate() != nil || a == nil || b == nil || a.Validate() != nil || b.Validate() != nil {
		return nil
	}
	for range maxTries {
		c := s.crossOnce(a, b, p, rng)
		if s.Check(c) == nil {
			return c
		}
	}
	for _, x := range []*Arch{a, b} {
		if s.Check(x) == nil {
			return x.Clone()
		}
	}
	return nil
}

func (s *Space) crossOnce(a, b *Arch, p float64, rng *rand.Rand) *Arch {
	from := func(x, y int) int {
		if rng.Float64() < p {
			return x
		}
		return y
	}
	dModel := from(a.DModel, b.DModel)
	nLayer := from(a.NLayer, b.NLayer)
	divVal := from(a.DivVal, b.DivVal)
	nHead, dInner := make([]int, nLayer), make([]int, nLayer)
	for i := range nLayer {
		switch {
		case i < a.NLayer && i < b.NLayer:
			dInner[i] = from(a.DInner[i], b.DInner[i])
			nHead[i] = from(a.NHead[i], b.NHead[i])
		case i < a.NLayer:
			dInner[i], nHead[i] = a.DInner[i], a.NHead[i]
		default:
			dInner[i], nHead[i] = b.DInner[i], b.NHead[i]
		}
	}
	return s.newArch(nLayer, dModel, divVal, nHead, dInner)
}
