package search

import "github.com/ltsbench/ltsbench/results"

// frontier is the Pareto front of a growing list of records, under one dominance and
// bounds.
type frontier struct {
	strict bool
	bounds results.Bounds
	front  []results.Record // results.ParetoFront of every record added
}

// add updates the front with r. Dominance is a strict partial order (standard and
// strict alike), so the front of all records plus r is the old front without the
// members r dominates, plus r unless a member dominates it: a record dominated by a
// dropped one is dominated by whatever dropped it. That keeps the update O(front)
// instead of O(records²); the order is ParetoFront's.
func (f *frontier) add(r results.Record) {
	if !f.bounds.Admits(&r) {
		return
	}
	for i := range f.front {
		if results.Dominates(&f.front[i], &r, f.strict) {
			return
		}
	}
	kept := f.front[:0:0]
	for i := range f.front {
		if !results.Dominates(&r, &f.front[i], f.strict) {
			kept = append(kept, f.front[i])
		}
	}
	f.front = append(kept, r)
	results.SortFront(f.front)
}
