package search

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ltsbench/ltsbench/results"
)

// LTS's weights, by hand: counts scaled to [0, 1] over the front, weight 1/(1+s).
func TestUsageWeights(t *testing.T) {
	front := []results.Record{{Key: "a"}, {Key: "b"}, {Key: "c"}, {Key: "d"}}
	for _, c := range []struct {
		usage map[string]int
		want  []float64
	}{
		{map[string]int{"a": 1, "b": 1, "c": 3, "d": 2}, []float64{1, 1, 0.5, 1 / 1.5}},
		{map[string]int{"a": 2, "b": 2, "c": 2, "d": 2}, []float64{1, 1, 1, 1}}, // range = max: all s = 0
		{map[string]int{"a": 5, "b": 1, "c": 1, "d": 3}, []float64{0.5, 1, 1, 1 / 1.5}},
		{map[string]int{}, []float64{1, 1, 1, 1}}, // no counts: no division by zero
	} {
		got := usageWeights(front, c.usage)
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-15 {
				t.Errorf("usage %v: weights %v, want %v", c.usage, got, c.want)
				break
			}
		}
	}
}

// Parents are drawn with replacement in proportion to the weights: with usage 1, 1, 3
// the weights are 1, 1, ½, so the third is drawn 1/5 of the time.
func TestSelectParentsFrequencies(t *testing.T) {
	front := []results.Record{{Key: "a"}, {Key: "b"}, {Key: "c"}}
	usage := map[string]int{"a": 1, "b": 1, "c": 3}
	const n = 50000
	parents := selectParents(front, usage, n, rand.New(rand.NewPCG(1, 2)))
	counts := map[string]int{}
	for _, p := range parents {
		counts[p.Key]++
	}
	for key, want := range map[string]float64{"a": 0.4, "b": 0.4, "c": 0.2} {
		got := float64(counts[key]) / n
		// 5 standard deviations of a binomial proportion.
		if tol := 5 * math.Sqrt(want*(1-want)/n); math.Abs(got-want) > tol {
			t.Errorf("parent %s drawn %.4f of the time, want %.2f ± %.4f", key, got, want, tol)
		}
	}
}
