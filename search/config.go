package search

import (
	"errors"
	"fmt"

	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// The two algorithms Run knows.
const (
	Evolution = "evolution" // LTS's evolutionary search
	Random    = "random"    // the same budget spent on random samples: the baseline
)

// Config is one search's settings. PaperConfig gives LTS's.
type Config struct {
	Space     Space
	Algorithm string // Evolution or Random
	Seed      uint64
	// Iterations is how many batches are measured: the first Population random
	// samples, then Mutations+Crossovers new candidates an iteration.
	Iterations int
	// Population = Parents + Mutations + Crossovers, as in LTS: the working population
	// of an iteration is its parents (already measured) and their offspring.
	Population, Parents, Mutations, Crossovers int
	MutationProb                               float64 // chance that a mutation redraws each gene
	CrossoverProb                              float64 // chance that a crossover child takes each gene from its first parent
	// Strict selects LTS's dominance (better in every objective) for the Pareto front;
	// false is standard dominance (no worse in all, better in one).
	Strict bool
	// Bounds on the measured objectives; 0 means none. An architecture over a bound is
	// measured and archived, but never on the front and never a parent.
	// MaxMemoryBytes is --max-memory-mb × results.BytesPerMB (2^20).
	MaxLatencyMS   float64
	MaxMemoryBytes int64
}

// PaperConfig is the LTS paper's search on s: population 100 = 20 parents + 40
// mutations (p 0.3 per gene) + 40 crossovers (p 0.5), 30 iterations, seed 1111,
// standard dominance and no bounds.
func PaperConfig(s Space) Config {
	return Config{
		Space: s, Algorithm: Evolution, Seed: 1111, Iterations: 30,
		Population: 100, Parents: 20, Mutations: 40, Crossovers: 40,
		MutationProb: 0.3, CrossoverProb: 0.5,
	}
}

// Budget is how many architectures a complete run measures:
// Population + (Iterations−1)·(Mutations+Crossovers), for both algorithms.
func (c Config) Budget() int {
	if c.Iterations <= 0 {
		return 0
	}
	return c.Population + (c.Iterations-1)*c.offspring()
}

// offspring is the number of new candidates an iteration after the first proposes.
func (c Config) offspring() int { return c.Mutations + c.Crossovers }

// Bounds is the objective bounds of c.
func (c Config) Bounds() results.Bounds {
	return results.Bounds{MaxLatencyMS: c.MaxLatencyMS, MaxMemoryBytes: c.MaxMemoryBytes}
}

// Dominance is run.json's name for c's dominance: "strict" (LTS) or "standard".
func (c Config) Dominance() string {
	if c.Strict {
		return "strict"
	}
	return "standard"
}

// Validate reports the first setting that makes c unusable, named as its flag.
func (c Config) Validate() error {
	switch {
	case c.Space == nil:
		return errors.New("search: no search space")
	case c.Algorithm != Evolution && c.Algorithm != Random:
		return fmt.Errorf("--algorithm: %q is not %q or %q", c.Algorithm, Evolution, Random)
	case c.Iterations < 1:
		return fmt.Errorf("--iterations: must be at least 1, got %d", c.Iterations)
	case c.Population < 1:
		return fmt.Errorf("--population: must be at least 1, got %d", c.Population)
	case c.Parents < 1 || c.Mutations < 0 || c.Crossovers < 0:
		return fmt.Errorf("--parents, --mutations, --crossovers: need ≥ 1 parent and no negative count, got %d, %d, %d",
			c.Parents, c.Mutations, c.Crossovers)
	case c.Population != c.Parents+c.Mutations+c.Crossovers:
		return fmt.Errorf("--population: %d is not parents + mutations + crossovers = %d + %d + %d",
			c.Population, c.Parents, c.Mutations, c.Crossovers)
	case c.Iterations > 1 && c.offspring() == 0:
		return errors.New("--mutations, --crossovers: both 0 leaves nothing to measure after the first iteration")
	case !(c.MutationProb >= 0 && c.MutationProb <= 1):
		return fmt.Errorf("--mutation-prob: must be in [0, 1], got %v", c.MutationProb)
	case !(c.CrossoverProb >= 0 && c.CrossoverProb <= 1):
		return fmt.Errorf("--crossover-prob: must be in [0, 1], got %v", c.CrossoverProb)
	case !(c.MaxLatencyMS >= 0):
		return fmt.Errorf("--max-latency-ms: must be ≥ 0 (0: no bound), got %v", c.MaxLatencyMS)
	case c.MaxMemoryBytes < 0:
		return fmt.Errorf("--max-memory-mb: must be ≥ 0 (0: no bound), got %d bytes", c.MaxMemoryBytes)
	}
	return nil
}

// RunInfo is run.json with the search's settings filled in; the run command adds the
// command line, device, memory metric, protocol, environment and start time. Build
// run.json from it so that CheckResume compares like with like.
func (c Config) RunInfo() results.RunInfo {
	info := results.RunInfo{
		Algorithm: c.Algorithm, Seed: c.Seed, Iterations: c.Iterations,
		Population: c.Population, Parents: c.Parents, Mutations: c.Mutations, Crossovers: c.Crossovers,
		MutationProb: c.MutationProb, CrossProb: c.CrossoverProb, Dominance: c.Dominance(),
		MaxLatencyMS: c.MaxLatencyMS, MaxMemoryMB: float64(c.MaxMemoryBytes) / results.BytesPerMB,
	}
	if s, ok := c.Space.(*space.Space); ok {
		info.Space = s
	}
	return info
}
