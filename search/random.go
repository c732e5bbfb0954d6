package search

import "github.com/ltsbench/ltsbench/results"

// RandomParams is the random baseline's parameters: the first generation's size and
// each later one's, those of the evolution it is compared with (run.json's "search":
// {"random": {"population": 100, "per_iteration": 80}}).
type RandomParams struct {
	Population   int `json:"population"`    // random samples of the first iteration
	PerIteration int `json:"per_iteration"` // random samples of each later iteration
}

// randomParams spends the evolution's budget with its batch sizes, so that the two
// compare iteration by iteration.
func randomParams(s Sizes) Params {
	return RandomParams{Population: s.Population, PerIteration: s.Offspring()}
}

// Validate checks that every iteration has something to measure.
func (p RandomParams) Validate(iterations int) error {
	switch {
	case p.Population < 1:
		return fieldErrorf("population", nil, "must be at least 1, got %d", p.Population)
	case iterations > 1 && p.PerIteration < 1:
		return fieldErrorf("per_iteration", nil, "must be at least 1 after the first iteration, got %d", p.PerIteration)
	}
	return nil
}

// Proposer starts the random search on cfg's space and seed.
func (p RandomParams) Proposer(cfg Config) Proposer {
	return &random{p: p, seed: cfg.Seed, pool: newPool(cfg.Space)}
}

// random draws every generation at random; it observes nothing.
type random struct {
	p    RandomParams
	seed uint64
	pool *pool
}

func (r *random) Propose(it int) (*Generation, error) {
	g := &Generation{Want: r.p.PerIteration}
	if it == 0 {
		g.Want = r.p.Population
	}
	return g, r.pool.sample(g, iterationRNG(r.seed, it))
}

func (*random) Observe(*results.Record) {}
