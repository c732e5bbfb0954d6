package search

import (
	"math/rand/v2"
	"sort"

	"github.com/ltsbench/ltsbench/results"
)

// parentLatencyTolerance is how far apart two latencies must be before the choice of
// parents treats one as faster: within it they count as equal, and the exact decoder
// parameters and memory decide. Latencies measured in two runs of the same search
// differ by noise (a few per cent on a quiet CPU, more on a busy one); were the
// parents the exact Pareto front, a noise-sized difference would change which
// architectures are parents and from there on everything the search proposes.
const parentLatencyTolerance = 0.10

// parentTolerance is the tolerance parentFront applies (tests set it to 0 to see the
// exact front's sensitivity to noise).
var parentTolerance = parentLatencyTolerance

// parentFront is the architectures parents are drawn from: the records that no other
// admitted record dominates when latencies within parentLatencyTolerance count as
// equal (tolerantDominates), in a noise-free order: decoder parameters, then key.
// Under strict dominance (--lts-compat) it is LTS's: the run's exact front, ordered by
// decoder parameters and key.
func (e *evolution) parentFront() []results.Record {
	var front []results.Record
	if e.front.strict {
		front = append(front, e.front.front...)
	} else {
		var admitted []*results.Record
		for i := range e.records {
			if r := &e.records[i]; e.front.bounds.Admits(r) {
				admitted = append(admitted, r)
			}
		}
		for _, b := range admitted {
			dominated := false
			for _, a := range admitted {
				if a != b && tolerantDominates(a, b, parentTolerance) {
					dominated = true
					break
				}
			}
			if !dominated {
				front = append(front, *b)
			}
		}
	}
	sort.SliceStable(front, func(i, j int) bool {
		if front[i].DecoderParams != front[j].DecoderParams {
			return front[i].DecoderParams < front[j].DecoderParams
		}
		return front[i].Key < front[j].Key
	})
	return front
}

// tolerantDominates reports whether a dominates b when latencies within a relative tol
// of each other count as equal: a has at least b's decoder parameters, at most its
// memory, a latency at most (1+tol)·b's, and is better in one of them (latency only
// when lower by more than the tolerance). Two records never dominate each other, and
// no chain of records returns to its start (the parameters would all be equal, and
// then the latencies would each be lower by more than tol than the next), so every
// set of records has at least one undominated member.
func tolerantDominates(a, b *results.Record, tol float64) bool {
	if a.DecoderParams < b.DecoderParams || a.MemoryBytes > b.MemoryBytes || a.LatencyMS > b.LatencyMS*(1+tol) {
		return false
	}
	return a.DecoderParams > b.DecoderParams || a.MemoryBytes < b.MemoryBytes || a.LatencyMS*(1+tol) < b.LatencyMS
}

// usageWeights is LTS's parent weighting (archai Evolution._calculate_weighted_count):
// each front member's usage count u (how many times it has been in a working
// population) is scaled to s = (u − min)/range in [0, 1] and weighted 1/(1+s), so the
// least-used members weigh 1 and the most-used ½. range is max − min, or max when all
// counts are equal (then every s is 0); the weights are not normalised here.
func usageWeights(front []results.Record, usage map[string]int) []float64 {
	counts := make([]int, len(front))
	lo, hi := 0, 0
	for i := range front {
		counts[i] = usage[front[i].Key]
		if i == 0 || counts[i] < lo {
			lo = counts[i]
		}
		if i == 0 || counts[i] > hi {
			hi = counts[i]
		}
	}
	span := hi - lo
	if span == 0 {
		span = hi
	}
	w := make([]float64, len(front))
	for i, c := range counts {
		s := 0.0
		if span > 0 {
			s = float64(c-lo) / float64(span)
		}
		w[i] = 1 / (1 + s)
	}
	return w
}

// selectParents draws n parents from the front with replacement, each with probability
// proportional to its usage weight (LTS: np.random.choice(front, size=n, p=weights)).
func selectParents(front []results.Record, usage map[string]int, n int, rng *rand.Rand) []*results.Record {
	w := usageWeights(front, usage)
	cum := make([]float64, len(w))
	total := 0.0
	for i, x := range w {
		total += x
		cum[i] = total
	}
	parents := make([]*results.Record, n)
	for k := range parents {
		u := rng.Float64() * total
		i := 0
		for i < len(cum)-1 && cum[i] <= u {
			i++
		}
		parents[k] = &front[i]
	}
	return parents
}
