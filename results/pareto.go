package results

import "sort"

// The report recomputes the front from the archive itself. search.ParetoFront is the
// front the search selects parents from; results cannot import search (search imports
// results), so this is the same definition again, and an external test checks that the
// two agree.

// dominates reports whether a dominates b in LTS's three objectives: decoder parameters
// (more is better: the perplexity proxy), latency and memory (less is better).
//
// Standard dominance (strict false): a is at least as good in every objective and
// better in one. LTS's dominance (strict true, archai's find_pareto_frontier_points): a
// is better in all three.
func dominates(a, b *Record, strict bool) bool {
	if strict {
		return a.DecoderParams > b.DecoderParams && a.LatencyMS < b.LatencyMS && a.MemoryBytes < b.MemoryBytes
	}
	if a.DecoderParams < b.DecoderParams || a.LatencyMS > b.LatencyMS || a.MemoryBytes > b.MemoryBytes {
		return false
	}
	return a.DecoderParams > b.DecoderParams || a.LatencyMS < b.LatencyMS || a.MemoryBytes < b.MemoryBytes
}

// paretoFront returns the records that admit accepts and that no other accepted record
// dominates, sorted by decoder parameters (then latency, then Seq). Records with
// identical objectives are all kept. It is O(n²), nothing next to measuring n
// architectures.
func paretoFront(recs []Record, strict bool, admit func(*Record) bool) []Record {
	var idx []int
	for i := range recs {
		if admit(&recs[i]) {
			idx = append(idx, i)
		}
	}
	var front []Record
	for _, i := range idx {
		dominated := false
		for _, j := range idx {
			if j != i && dominates(&recs[j], &recs[i], strict) {
				dominated = true
				break
			}
		}
		if !dominated {
			front = append(front, recs[i])
		}
	}
	sortByDecoderParams(front)
	return front
}

// sortByDecoderParams orders records the way reports list them: by decoder parameters,
// then latency, then Seq.
func sortByDecoderParams(recs []Record) {
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
