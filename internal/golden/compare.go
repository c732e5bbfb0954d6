package golden

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/ltsbench/ltsbench/internal/safetensors"
)

// Tolerance is the golden README's limit for one tensor: max |G − E| ≤ 1e-4·max(1, max |E|).
func Tolerance(expected []float32) float64 {
	m := 1.0
	for _, v := range expected {
		m = max(m, math.Abs(float64(v)))
	}
	return 1e-4 * m
}

// MaxDiff is max |g − e| (NaN anywhere counts as infinite).
func MaxDiff(g, e []float32) float64 {
	d := 0.0
	for i := range e {
		x := math.Abs(float64(g[i]) - float64(e[i]))
		if math.IsNaN(x) {
			return math.Inf(1)
		}
		d = max(d, x)
	}
	return d
}

// Compare checks every tensor of dir's expected.safetensors against got. Hidden states
// and memories are compared layer by layer first, so the error names the first layer
// that diverges.
func Compare(dir string, got map[string]Tensor) error {
	_, err := CompareWorst(dir, got)
	return err
}

// CompareWorst is Compare that also names the tensor closest to its tolerance
// ("logits: max |diff| 2.1e-06, tolerance 1e-04"), pass or fail, so a run that passes
// shows how much room it had.
func CompareWorst(dir string, got map[string]Tensor) (worst string, err error) {
	exp, err := safetensors.Open(filepath.Join(dir, "expected.safetensors"))
	if err != nil {
		return "", err
	}
	worstRatio := -1.0
	names := exp.Names()
	// Localising tensors first, in layer order, then the outputs.
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	var problems []string
	for _, name := range names {
		e, shape, err := exp.Float32(name)
		if err != nil {
			return worst, err
		}
		g, ok := got[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: not produced", name))
			continue
		}
		if !slices.Equal(g.Shape, shape) {
			problems = append(problems, fmt.Sprintf("%s: shape %v, expected %v", name, g.Shape, shape))
			continue
		}
		tol := Tolerance(e)
		d := MaxDiff(g.Data, e)
		if r := d / tol; r > worstRatio {
			worstRatio = r
			worst = fmt.Sprintf("%s: max |diff| %.3g, tolerance %.3g", name, d, tol)
		}
		if d > tol {
			msg := fmt.Sprintf("%s: max |diff| %.3g > tolerance %.3g", name, d, tol)
			if layered(name) && len(shape) == 4 {
				n := len(e) / shape[0]
				for l := range shape[0] {
					if dl := MaxDiff(g.Data[l*n:(l+1)*n], e[l*n:(l+1)*n]); dl > tol {
						msg += fmt.Sprintf(" (first diverging layer %d: %.3g)", l, dl)
						break
					}
				}
			}
			problems = append(problems, msg)
		}
	}
	if len(problems) > 0 {
		return worst, fmt.Errorf("%s:\n  %s", filepath.Base(dir), strings.Join(problems, "\n  "))
	}
	return worst, nil
}

func layered(name string) bool {
	return strings.HasPrefix(name, "hidden_states") || strings.HasPrefix(name, "mems_after")
}

func rank(name string) int {
	switch {
	case strings.HasPrefix(name, "hidden_states"):
		return 0
	case strings.HasPrefix(name, "mems_after"):
		return 1
	case strings.HasPrefix(name, "final_hidden"):
		return 2
	}
	return 3
}
