package results

import (
	"math"
	"sort"
)

// The Pareto front lives here, next to the records it is made of, so that the search
// (which selects parents from it) and the reports (which recompute it from an archive)
// use one definition.

// Bounds are optional limits on the measured objectives (--max-latency-ms,
// --max-memory-mb); a zero field is no limit.
type Bounds struct {
	MaxLatencyMS   float64
	MaxMemoryBytes int64
}

// Bounds are the objective limits of the run.
func (ri *RunInfo) Bounds() Bounds {
	// search.Config.RunInfo stores MaxMemoryBytes/BytesPerMB; multiplying back is exact
	// for every byte count a run can have.
	return Bounds{MaxLatencyMS: ri.Search.MaxLatencyMS, MaxMemoryBytes: int64(math.Round(ri.Search.MaxMemoryMB * BytesPerMB))}
}

// Admits reports whether r may be on a Pareto front: it ran (Feasible) and is within b.
func (b Bounds) Admits(r *Record) bool {
	if !r.Feasible {
		return false
	}
	if b.MaxLatencyMS > 0 && r.LatencyMS > b.MaxLatencyMS {
		return false
	}
	if b.MaxMemoryBytes > 0 && r.MemoryBytes > b.MaxMemoryBytes {
		return false
	}
	return true
}

// Dominates reports whether a dominates b in LTS's three objectives: decoder
// parameters (more is better: the perplexity proxy), latency and memory (less is
// better).
//
// Standard dominance (strict false): a is no worse than b in every objective and better
// in at least one. LTS's dominance (strict true; archai's find_pareto_frontier_points
// drops a point only when another is better in every dimension): a is better in all
// three, so a record that ties the best in one objective stays on LTS's front however
// much it loses in the others.
func Dominates(a, b *Record, strict bool) bool {
	if strict {
		return a.DecoderParams > b.DecoderParams && a.LatencyMS < b.LatencyMS && a.MemoryBytes < b.MemoryBytes
	}
	if a.DecoderParams < b.DecoderParams || a.LatencyMS > b.LatencyMS || a.MemoryBytes > b.MemoryBytes {
		return false
	}
	return a.DecoderParams > b.DecoderParams || a.LatencyMS < b.LatencyMS || a.MemoryBytes < b.MemoryBytes
}

// ParetoFront is the records b admits that no other admitted record dominates, sorted
// by decoder parameters, then latency, then Seq (the order reports list them in).
// Records with equal objectives do not dominate each other: all of them stay.
// It is O(n²) comparisons, nothing next to measuring n architectures.
func ParetoFront(recs []Record, strict bool, b Bounds) []Record {
	idx := make([]int, 0, len(recs))
	for i := range recs {
		if b.Admits(&recs[i]) {
			idx = append(idx, i)
		}
	}
	var front []Record
	for _, i := range idx {
		dominated := false
		for _, j := range idx {
			if j != i && Dominates(&recs[j], &recs[i], strict) {
				dominated = true
				break
			}
		}
		if !dominated {
			front = append(front, recs[i])
		}
	}
	SortFront(front)
	return front
}

// SortFront orders records the way reports list them: by decoder parameters, then
// latency, then Seq.
func SortFront(recs []Record) {
	sort.SliceStable(recs, func(i, j int) bool {
		a, b := &recs[i], &recs[j]
		if a.DecoderParams != b.DecoderParams {
			return a.DecoderParams < b.DecoderParams
		}
		if a.LatencyMS != b.LatencyMS {
			return a.LatencyMS < b.LatencyMS
		}
		return a.Seq < b.Seq
	})
}
