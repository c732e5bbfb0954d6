package search

import (
	"fmt"

	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// EvolutionParams is LTS's evolutionary search's parameters: the Sizes themselves
// (run.json's "search": {"evolution": {"population": 100, "parents": 20, …}}).
type EvolutionParams Sizes

func evolutionParams(s Sizes) Params { return EvolutionParams(s) }

// Validate checks the sizes (Sizes.Validate).
func (p EvolutionParams) Validate(iterations int) error { return Sizes(p).Validate(iterations) }

// Proposer starts the evolution on cfg's space, seed, dominance and bounds.
func (p EvolutionParams) Proposer(cfg Config) Proposer {
	return &evolution{
		p: p, seed: cfg.Seed, space: cfg.Space, pool: newPool(cfg.Space),
		front: frontier{strict: cfg.Strict, bounds: cfg.Bounds()}, usage: map[string]int{},
	}
}

// evolution is LTS's search (see the package documentation). Everything generation g
// depends on besides the seed and g is here, built only by Propose and Observe in
// archive order, so a resumed run that replays the archive rebuilds it exactly.
type evolution struct {
	p       EvolutionParams
	seed    uint64
	space   Space
	pool    *pool
	records []results.Record // every record observed, in archive order
	front   frontier         // the exact front of records (LTS's parents, with Strict)
	usage   map[string]int   // times each architecture has been in a working population
}

func (e *evolution) Observe(rec *results.Record) {
	e.records = append(e.records, *rec)
	e.front.add(*rec)
}

// Propose draws the candidates of generation it and updates the usage counts: every
// candidate is a member of this iteration's working population, and every parent
// drawn one more time.
func (e *evolution) Propose(it int) (*Generation, error) {
	g, err := e.propose(it)
	if err != nil {
		return nil, err
	}
	for _, a := range g.Candidates {
		e.usage[a.Key()]++
	}
	return g, nil
}

func (e *evolution) propose(it int) (*Generation, error) {
	rng := iterationRNG(e.seed, it)
	offspring := Sizes(e.p).Offspring()
	switch {
	case it == 0:
		g := &Generation{Want: e.p.Population}
		return g, e.pool.sample(g, rng)
	case len(e.front.front) == 0:
		// Nothing measured so far ran within the bounds, so there is no parent; LTS
		// would fail here. Draw the iteration at random, as the first one.
		g := &Generation{Want: offspring, Note: "no architecture measured so far is feasible within the bounds, so there are no parents; drawing at random"}
		return g, e.pool.sample(g, rng)
	}
	g := &Generation{Want: offspring}
	// LTS: parents from the front, weighted toward the least used, with replacement;
	// each parent drawn counts as one more use. The front here is one that latency
	// noise does not reshuffle (parentFront).
	parents := selectParents(e.parentFront(), e.usage, e.p.Parents, rng)
	for _, r := range parents {
		e.usage[r.Key]++
	}
	// LTS: each mutation from a parent drawn uniformly; each crossover from two
	// different entries of the parent list (random.sample(parents, 2)), which may hold
	// the same architecture twice.
	if err := e.pool.draw(g, e.p.Mutations, func() (*space.Arch, error) {
		a := parents[rng.IntN(len(parents))].Arch
		return e.space.Mutate(a.Clone(), e.p.MutationProb, rng), nil
	}); err != nil {
		return nil, err
	}
	if err := e.pool.draw(g, e.p.Crossovers, func() (*space.Arch, error) {
		i, j := 0, 0
		if n := len(parents); n > 1 {
			i, j = rng.IntN(n), rng.IntN(n-1)
			if j >= i {
				j++
			}
		}
		return e.space.Crossover(parents[i].Arch.Clone(), parents[j].Arch.Clone(), e.p.CrossoverProb, rng), nil
	}); err != nil {
		return nil, err
	}
	// Parents that cannot make enough new children (a small front, parent entries
	// that are all one architecture, a crowded neighbourhood) would stall LTS forever.
	// Random samples fill the iteration instead, so the budget is spent.
	if made := len(g.Candidates); made < g.Want {
		g.Note = fmt.Sprintf("the parents gave only %d of %d new offspring in %d draws in a row; random samples fill the rest", made, g.Want, maxMisses)
	}
	return g, e.pool.sample(g, rng)
}
