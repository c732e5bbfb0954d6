package search

import (
	"fmt"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// Sizes is a search's generations in LTS's terms: the first generation is Population
// random samples; each later one proposes Mutations+Crossovers new candidates, made
// (by the evolution) from Parents drawn from the front. Every algorithm is sized by
// them (see Params), so that the random baseline spends what the paper's search does.
// The JSON names are run.json's.
type Sizes struct {
	// Population = Parents + Mutations + Crossovers, as in LTS: the working population
	// of an iteration is its parents (already measured) and their offspring.
	Population    int     `json:"population"`
	Parents       int     `json:"parents"`
	Mutations     int     `json:"mutations"`
	Crossovers    int     `json:"crossovers"`
	MutationProb  float64 `json:"mutation_prob"`  // chance that a mutation redraws each gene
	CrossoverProb float64 `json:"crossover_prob"` // chance that a crossover child takes each gene from its first parent
}

// PaperSizes is LTS's: population 100 = 20 parents + 40 mutations (p 0.3 per gene) +
// 40 crossovers (p 0.5).
func PaperSizes() Sizes {
	return Sizes{Population: 100, Parents: 20, Mutations: 40, Crossovers: 40, MutationProb: 0.3, CrossoverProb: 0.5}
}

// Offspring is the number of new candidates an iteration after the first proposes.
func (s Sizes) Offspring() int { return s.Mutations + s.Crossovers }

// Budget is how many architectures a complete run of iterations measures:
// Population + (iterations−1)·Offspring.
func (s Sizes) Budget(iterations int) int {
	if iterations <= 0 {
		return 0
	}
	return s.Population + (iterations-1)*s.Offspring()
}

// Validate reports the first size that is unusable for a search of iterations, as a
// *bench.FieldError naming run.json's field.
func (s Sizes) Validate(iterations int) error {
	switch {
	case s.Population < 1:
		return fieldErrorf("population", nil, "must be at least 1, got %d", s.Population)
	case s.Parents < 1 || s.Mutations < 0 || s.Crossovers < 0:
		return fieldErrorf("parents", []string{"mutations", "crossovers"}, "with mutations and crossovers: need ≥ 1 parent and no negative count, got %d, %d, %d",
			s.Parents, s.Mutations, s.Crossovers)
	case s.Population != s.Parents+s.Mutations+s.Crossovers:
		return fieldErrorf("population", []string{"parents", "mutations", "crossovers"}, "%d is not parents + mutations + crossovers = %d + %d + %d",
			s.Population, s.Parents, s.Mutations, s.Crossovers)
	case iterations > 1 && s.Offspring() == 0:
		return fieldErrorf("mutations", []string{"crossovers"}, "with crossovers: both 0 leaves nothing to measure after the first iteration")
	case !(s.MutationProb >= 0 && s.MutationProb <= 1):
		return fieldErrorf("mutation_prob", nil, "must be in [0, 1], got %v", s.MutationProb)
	case !(s.CrossoverProb >= 0 && s.CrossoverProb <= 1):
		return fieldErrorf("crossover_prob", nil, "must be in [0, 1], got %v", s.CrossoverProb)
	}
	return nil
}

// Config is one search's settings. PaperConfig gives LTS's.
type Config struct {
	Space     Space
	Algorithm string // a registered algorithm: Evolution, Random (Algorithms lists them)
	Seed      uint64
	// Iterations is how many generations are measured: the first Population random
	// samples, then Offspring new candidates an iteration.
	Iterations int
	// Sizes sizes the generations; the algorithm takes its parameters from them
	// (Params).
	Sizes
	// Strict selects LTS's dominance (better in every objective) for the Pareto front;
	// false is standard dominance (no worse in all, better in one).
	Strict bool
	// Bounds on the measured objectives; 0 means none. An architecture over a bound is
	// measured and archived, but never on the front and never a parent.
	// MaxMemoryBytes is max_memory_mb × results.BytesPerMB (2^20).
	MaxLatencyMS   float64
	MaxMemoryBytes int64
}

// PaperConfig is the LTS paper's search on s: PaperSizes, 30 iterations, seed 1111,
// standard dominance and no bounds.
func PaperConfig(s Space) Config {
	return Config{Space: s, Algorithm: Evolution, Seed: 1111, Iterations: 30, Sizes: PaperSizes()}
}

// Params is the algorithm's parameters for c (nil for an unknown algorithm).
func (c Config) Params() Params {
	alg, ok := algorithms[c.Algorithm]
	if !ok {
		return nil
	}
	return alg(c.Sizes)
}

// Budget is how many architectures a complete run measures (the same for every
// algorithm: Sizes.Budget).
func (c Config) Budget() int { return c.Sizes.Budget(c.Iterations) }

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

// Validate reports the first setting that makes c unusable: a *bench.FieldError
// naming run.json's field (a missing space excepted).
func (c Config) Validate() error {
	switch {
	case c.Space == nil:
		return fmt.Errorf("search: no search space")
	case c.Params() == nil:
		return fieldErrorf("algorithm", nil, "%q is not %s", c.Algorithm, orList(Algorithms()))
	case c.Iterations < 1:
		return fieldErrorf("iterations", nil, "must be at least 1, got %d", c.Iterations)
	case !(c.MaxLatencyMS >= 0):
		return fieldErrorf("max_latency_ms", nil, "must be ≥ 0 (0: no bound), got %v", c.MaxLatencyMS)
	case c.MaxMemoryBytes < 0:
		return fieldErrorf("max_memory_mb", nil, "must be ≥ 0 (0: no bound), got %d bytes", c.MaxMemoryBytes)
	}
	if err := c.Sizes.Validate(c.Iterations); err != nil {
		return err
	}
	return c.Params().Validate(c.Iterations)
}

// fieldErrorf is a *bench.FieldError on field, naming the related fields in its
// message.
func fieldErrorf(field string, related []string, format string, args ...any) error {
	return &bench.FieldError{Field: field, Msg: fmt.Sprintf(format, args...), Related: related}
}

// Info is run.json's "search" object for c.
func (c Config) Info() (results.SearchInfo, error) {
	info := results.SearchInfo{
		Algorithm: c.Algorithm, Seed: c.Seed, Iterations: c.Iterations, Dominance: c.Dominance(),
		MaxLatencyMS: c.MaxLatencyMS, MaxMemoryMB: float64(c.MaxMemoryBytes) / results.BytesPerMB,
	}
	p := c.Params()
	if p == nil {
		return info, fieldErrorf("algorithm", nil, "%q is not %s", c.Algorithm, orList(Algorithms()))
	}
	err := info.SetParams(p)
	return info, err
}

// RunInfo is run.json with the search's settings filled in; the run command adds the
// command line, device, memory metric, protocol, environment and start time. Build
// run.json from it so that CheckResume compares like with like.
func (c Config) RunInfo() (results.RunInfo, error) {
	si, err := c.Info()
	info := results.RunInfo{Search: si}
	if s, ok := c.Space.(*space.Space); ok {
		info.Space = s
	}
	return info, err
}
