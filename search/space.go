package search

import (
	"math/rand/v2"

	"github.com/ltsbench/ltsbench/space"
)

// Space is what the search needs of a search space: drawing, varying and checking
// architectures. *space.Space implements it; tests use small spaces of their own.
type Space interface {
	// Sample draws a valid architecture inside the space's constraints.
	Sample(rng *rand.Rand) (*space.Arch, error)
	// Mutate redraws each gene of a with probability p.
	Mutate(a *space.Arch, p float64, rng *rand.Rand) *space.Arch
	// Crossover takes each gene from a with probability p, else from b.
	Crossover(a, b *space.Arch, p float64, rng *rand.Rand) *space.Arch
	// Check reports why a is outside the space or its constraints (decoder-parameter
	// bounds included); nil if a may be measured.
	Check(a *space.Arch) error
}

var _ Space = (*space.Space)(nil)
