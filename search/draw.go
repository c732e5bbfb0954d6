package search

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/ltsbench/ltsbench/space"
)

// maxMisses is how many draws in a row may give nothing new (invalid, over a parameter
// bound, or already seen) before a kind of candidate is given up for the iteration.
// In the paper's spaces a miss is rare; in a nearly exhausted space this is what ends
// the search instead of an endless loop (LTS's loops have no such bound).
const maxMisses = 1000

// iterationRNG is the random stream of iteration it: a function of the seed and the
// iteration only, so the stream never depends on timing, and a resumed run draws what
// the killed one drew.
func iterationRNG(seed uint64, it int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(it)))
}

// pool draws candidates for a Proposer: valid, never proposed before, canonical.
type pool struct {
	space Space
	seen  map[string]bool // keys of every candidate proposed so far
}

func newPool(s Space) *pool { return &pool{space: s, seen: map[string]bool{}} }

// sample fills g up to g.Want with random architectures.
func (p *pool) sample(g *Generation, rng *rand.Rand) error {
	return p.draw(g, g.Want-len(g.Candidates), func() (*space.Arch, error) {
		a, err := p.space.Sample(rng)
		if err != nil {
			return nil, fmt.Errorf("sampling the search space: %w", err)
		}
		return a, nil
	})
}

// draw adds up to n new candidates from next to g, giving up after maxMisses draws in a
// row that bring nothing new. An error from next ends the search.
func (p *pool) draw(g *Generation, n int, next func() (*space.Arch, error)) error {
	for got, misses := 0, 0; got < n && misses < maxMisses; {
		a, err := next()
		if err != nil {
			return err
		}
		if a == nil || p.space.Check(a) != nil {
			misses++
			continue
		}
		key := a.Key()
		if p.seen[key] {
			misses++
			continue
		}
		c, err := canonical(a)
		if err != nil {
			return fmt.Errorf("candidate %s: %w", key, err)
		}
		p.seen[key] = true
		g.Candidates = append(g.Candidates, c)
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
