package search

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// maxMisses is how many draws in a row may give nothing new (invalid, over a parameter
// bound, or already seen) before a kind of candidate is given up for the iteration.
// In the paper's spaces a miss is rare; in a nearly exhausted space this is what ends
// the search instead of an endless loop (LTS's loops have no such bound).
const maxMisses = 1000

// proposal is the candidates of one iteration, in the order they are measured.
type proposal struct {
	cands     []*space.Arch // canonical (JSON round-tripped), valid, new
	want      int           // how many were wanted
	offspring int           // how many of cands are mutations and crossovers
	noParents bool          // evolution found no parent and drew at random
}

// iterationRNG is the random stream of iteration it: a function of the seed and the
// iteration only, so the stream never depends on timing, and a resumed run draws what
// the killed one drew.
func iterationRNG(seed uint64, it int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(it)))
}

// propose draws the candidates of iteration it. They are a pure function of the seed,
// it and st (the records of iterations before it and the usage counts). It marks the
// candidates seen and updates the usage counts, so it is called once per iteration.
func (st *state) propose(it int) (*proposal, error) {
	cfg := st.cfg
	rng := iterationRNG(cfg.Seed, it)
	switch {
	case it == 0:
		return st.sample(&proposal{want: cfg.Population}, rng)
	case cfg.Algorithm == Random:
		return st.sample(&proposal{want: cfg.offspring()}, rng)
	case len(st.front) == 0:
		// Nothing measured so far ran within the bounds, so there is no parent; LTS
		// would fail here. Draw the iteration at random, as the first one.
		return st.sample(&proposal{want: cfg.offspring(), noParents: true}, rng)
	}
	p := &proposal{want: cfg.offspring()}
	// LTS: parents from the front, weighted toward the least used, with replacement;
	// each parent drawn counts as one more use. The front here is one that latency
	// noise does not reshuffle (parentFront).
	parents := selectParents(st.parentFront(), st.usage, cfg.Parents, rng)
	for _, r := range parents {
		st.usage[r.Key]++
	}
	// LTS: each mutation from a parent drawn uniformly; each crossover from two
	// different entries of the parent list (random.sample(parents, 2)), which may hold
	// the same architecture twice.
	if err := st.draw(p, cfg.Mutations, func() (*space.Arch, error) {
		a := parents[rng.IntN(len(parents))].Arch
		return cfg.Space.Mutate(a.Clone(), cfg.MutationProb, rng), nil
	}); err != nil {
		return nil, err
	}
	if err := st.draw(p, cfg.Crossovers, func() (*space.Arch, error) {
		i, j := 0, 0
		if n := len(parents); n > 1 {
			i, j = rng.IntN(n), rng.IntN(n-1)
			if j >= i {
				j++
			}
		}
		return cfg.Space.Crossover(parents[i].Arch.Clone(), parents[j].Arch.Clone(), cfg.CrossoverProb, rng), nil
	}); err != nil {
		return nil, err
	}
	p.offspring = len(p.cands)
	// Parents that cannot make enough new children (a small front, parent entries
	// that are all one architecture, a crowded neighbourhood) would stall LTS forever.
	// Random samples fill the iteration instead, so the budget is spent.
	return st.sample(p, rng)
}

// sample fills p up to p.want with random architectures.
func (st *state) sample(p *proposal, rng *rand.Rand) (*proposal, error) {
	err := st.draw(p, p.want-len(p.cands), func() (*space.Arch, error) {
		a, err := st.cfg.Space.Sample(rng)
		if err != nil {
			return nil, fmt.Errorf("sampling the search space: %w", err)
		}
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// draw adds up to n new candidates from next to p, giving up after maxMisses draws in a
// row that bring nothing new. An error from next ends the search.
func (st *state) draw(p *proposal, n int, next func() (*space.Arch, error)) error {
	for got, misses := 0, 0; got < n && misses < maxMisses; {
		a, err := next()
		if err != nil {
			return err
		}
		if a == nil || st.cfg.Space.Check(a) != nil {
			misses++
			continue
		}
		key := a.Key()
		if st.seen[key] {
			misses++
			continue
		}
		c, err := canonical(a)
		if err != nil {
			return fmt.Errorf("candidate %s: %w", key, err)
		}
		st.seen[key] = true
		st.usage[key]++ // a member of this iteration's working population
		p.cands = append(p.cands, c)
		got, misses = got+1, 0
	}
	return nil
}

// canonical is a as the archive stores it (JSON and back): what the measurer gets, the
// Outcome holds and the archive says are one and the same, even for a space that keeps
// genes beyond n_layer. It also proves every candidate survives its JSON form before
// it is measured, not when a resumed run reads it back.
func canonical(a *space.Arch) (*space.Arch, error) {
	data, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	c, err := space.ParseArch(data)
	if err != nil {
		return nil, fmt.Errorf("its JSON form does not parse back: %w", err)
	}
	return c, nil
}

// record is the archive record of candidate a of iteration it.
func (st *state) record(it int, a *space.Arch) results.Record {
	return results.Record{
		Seq: len(st.records), Iteration: it, Key: a.Key(), Arch: a, DecoderParams: a.DecoderParams(),
	}
}
