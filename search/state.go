package search

import (
	"github.com/ltsbench/ltsbench/internal/progress"
	"github.com/ltsbench/ltsbench/results"
)

// state is everything the candidates of the next iteration depend on besides the seed
// and the iteration number. It is built only by propose and add, in archive order, so a
// resumed run that replays the archive rebuilds it exactly.
type state struct {
	cfg     Config
	records []results.Record // every record so far, in archive order
	front   []results.Record // results.ParetoFront(records)
	seen    map[string]bool  // keys of every candidate proposed so far
	usage   map[string]int   // times each architecture has been in a working population
}

func newState(cfg Config) *state {
	return &state{cfg: cfg, seen: map[string]bool{}, usage: map[string]int{}}
}

// add appends a measured (or infeasible) record and updates the front. Dominance is a
// strict partial order (standard and strict alike), so the front of all records plus r
// is the old front without the members r dominates, plus r unless a member dominates
// it: a record dominated by a dropped one is dominated by whatever dropped it. That
// keeps the update O(front) instead of O(records²); the order is ParetoFront's.
func (st *state) add(r results.Record) {
	st.records = append(st.records, r)
	if !st.cfg.Bounds().Admits(&r) {
		return
	}
	for i := range st.front {
		if results.Dominates(&st.front[i], &r, st.cfg.Strict) {
			return
		}
	}
	kept := st.front[:0:0]
	for i := range st.front {
		if !results.Dominates(&r, &st.front[i], st.cfg.Strict) {
			kept = append(kept, st.front[i])
		}
	}
	st.front = append(kept, r)
	results.SortFront(st.front)
}

func (st *state) status(it int) progress.Status {
	return progress.Status{Iteration: it + 1, Iterations: st.cfg.Iterations, Measured: len(st.records), FrontSize: len(st.front)}
}
