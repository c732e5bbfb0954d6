package search

import "github.com/ltsbench/ltsbench/results"

// Store keeps a search's records. *results.Store (a run directory's archive.jsonl and
// pareto.jsonl) implements it.
type Store interface {
	// Prior is the records already measured, in order: those of the run this one
	// continues (Run replays them instead of measuring again); none for a fresh run.
	Prior() []results.Record
	// Append keeps rec for good before returning: a record Append accepted survives a
	// crash.
	Append(rec results.Record) error
	// WriteFront replaces the kept Pareto front: the checkpoint after each iteration,
	// and at the end.
	WriteFront(front []results.Record) error
	// Dropped is how many bytes of an interrupted write (a partial last record) the
	// store dropped when it was opened; that architecture is measured again. 0 if none.
	Dropped() int
	// Name is how messages name the store (the archive's path).
	Name() string
}

var _ Store = (*results.Store)(nil)
