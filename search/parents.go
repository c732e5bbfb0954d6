package search

import (
	"math/rand/v2"

	"github.com/ltsbench/ltsbench/results"
)

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
