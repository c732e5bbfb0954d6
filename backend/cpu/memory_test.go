package cpu

import (
	"math"
	"testing"

	"github.com/ltsbench/ltsbench/model"
)

// The rotated sinusoid stays within float32 rounding of the direct formula over long
// runs of δ and the fastest frequencies.
func TestSinusoidRotation(t *testing.T) {
	const p, d = 1000, 512
	ob := newOpBench(2)
	defer ob.e.pool.Close()
	out := ob.tensor(model.Activation, nil, p, d)
	step, err := ob.e.sinusoid(ob.g, &model.Sinusoid{Out: out, P: p, D: d})
	if err != nil {
		t.Fatal(err)
	}
	step()
	got := ob.e.f32(ob.g, out)
	for delta := range p {
		for j := range d / 2 {
			s, c := math.Sincos(float64(delta) / math.Pow(10000, float64(2*j)/float64(d)))
			for k, want := range [2]float64{s, c} {
				if g := float64(got[delta*d+k*d/2+j]); math.Abs(g-want) > 1e-7 {
					t.Fatalf("R(%d)[%d] = %g, want %g", delta, k*d/2+j, g, want)
				}
			}
		}
	}
}
