package search

import (
	"sort"
	"strings"

	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// The algorithms Run knows, by run.json's name.
const (
	Evolution = "evolution" // LTS's evolutionary search (evolution.go)
	Random    = "random"    // the same budget spent on random samples: the baseline (random.go)
)

// algorithms is every search algorithm, by name: the function gives its parameters for
// a search's Sizes. Adding an algorithm is one file (its Params and Proposer) and one
// line here.
var algorithms = map[string]func(Sizes) Params{
	Evolution: evolutionParams,
	Random:    randomParams,
}

// Algorithms is the names of the registered algorithms, sorted.
func Algorithms() []string {
	names := make([]string, 0, len(algorithms))
	for n := range algorithms {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// orList is names as `"a", "b" or "c"`.
func orList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// Params is an algorithm's parameters: run.json keeps them, as JSON, in the "search"
// object under the algorithm's name, and CheckResume compares them field by field.
type Params interface {
	// Validate reports a parameter that cannot be used for a search of iterations, as
	// a *bench.FieldError.
	Validate(iterations int) error
	// Proposer starts the algorithm for cfg: its generations, from the first.
	Proposer(cfg Config) Proposer
}

// Proposer is a search algorithm at work. Run asks it for generation 0, 1, … in turn
// (Propose), measures the candidates (or, resuming, takes their records from the
// store) and tells it each record in order (Observe) before asking for the next
// generation; a coordinator that measures a generation on several machines drives it
// the same way.
//
// The candidates of generation g must be a pure function of the seed, g and the
// records observed before: that is what makes a search reproducible and a killed one
// resumable (Run replays the generations over the stored records).
type Proposer interface {
	// Propose draws generation g: new (never proposed before), valid, canonical
	// architectures, in the order they are to be measured. Fewer than Generation.Want
	// means the space is running out; none ends the search.
	Propose(g int) (*Generation, error)
	// Observe takes the record of a candidate of the last generation proposed
	// (feasible or not), in the order of the candidates.
	Observe(rec *results.Record)
}

// Generation is what a Proposer proposes for one iteration.
type Generation struct {
	Candidates []*space.Arch // canonical (JSON round-tripped), valid, new
	Want       int           // how many were wanted
	// Note says why the generation is not what the algorithm usually proposes (no
	// parents, parents that made too few children); "" when it is. Run logs it.
	Note string
}
