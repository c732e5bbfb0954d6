package cpu

import (
	"math"
	"testing"
)

func TestExp32(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 2000000; i++ {
		x := float32(-87.3 + 176.0*float64(i)/2000000)
		want := math.Exp(float64(x))
		got := float64(exp32(x))
		rel := math.Abs(got-want) / want
		worst = max(worst, rel)
	}
	if worst > 2.5e-7 {
		t.Errorf("largest relative error %.3g, want ≤ 2.5e-7 (2 ulp)", worst)
	}
	if exp32(-100) != 0 || exp32(0) != 1 || !math.IsInf(float64(exp32(100)), 1) || !math.IsNaN(float64(exp32(float32(math.NaN())))) {
		t.Errorf("exp32 edge cases: %g %g %g", exp32(-100), exp32(0), exp32(100))
	}
}
