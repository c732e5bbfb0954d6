package backendtest

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/safetensors"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// GoldenDir returns testdata/golden of this module, found by walking up from the
// working directory to go.mod.
func GoldenDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "golden"), nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = up
	}
}

// Tolerance is the golden README's limit for one tensor: max |G − E| ≤ 1e-4·max(1, max |E|).
func Tolerance(expected []float32) float64 {
	m := 1.0
	for _, v := range expected {
		m = max(m, math.Abs(float64(v)))
	}
	return 1e-4 * m
}

// maxDiff is max |g − e| (NaN anywhere counts as infinite).
func maxDiff(g, e []float32) float64 {
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

// Named is a tensor with a shape, as read from a graph or a file.
type Named struct {
	Shape []int
	Data  []float32
}

// RunBundle runs the golden bundle in dir on a backend and returns every tensor the
// bundle's expected.safetensors could hold, by name (GPT-2: logits or log_probs,
// hidden_states, final_hidden; Transformer-XL per segment s: log_probs_seg{s},
// logits_seg{s} without cutoffs, hidden_states_seg{s}, mems_after_seg{s}).
func RunBundle(be backend.Backend, dir string) (map[string]Named, error) {
	a, err := space.LoadArch(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	w, err := model.LoadWeights(a, filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return nil, err
	}
	in, err := safetensors.Open(filepath.Join(dir, "inputs.safetensors"))
	if err != nil {
		return nil, err
	}
	var segs [][]int32
	var B, T int
	names := []string{"input_ids"}
	if a.Backbone == space.TransformerXL {
		names = nil
		for s := 1; ; s++ {
			n := fmt.Sprintf("input_ids_seg%d", s)
			if _, ok := in.Info(n); !ok {
				break
			}
			names = append(names, n)
		}
	}
	for _, n := range names {
		v, shape, err := in.Int64(n)
		if err != nil {
			return nil, err
		}
		if len(shape) != 2 || (B > 0 && (shape[0] != B || shape[1] != T)) {
			return nil, fmt.Errorf("%s: %s has shape %v", dir, n, shape)
		}
		B, T = shape[0], shape[1]
		ids := make([]int32, len(v))
		for i, x := range v {
			ids[i] = int32(x)
		}
		segs = append(segs, ids)
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("%s: no input ids", dir)
	}
	segOut, err := RunSegments(be, w, B, T, segs, model.BuildOptions{Output: model.OutputFull, KeepHidden: true, KeepLogits: true})
	if err != nil {
		return nil, err
	}
	out := map[string]Named{}
	for s, o := range segOut {
		for name, v := range o {
			if a.Backbone != space.TransformerXL {
				out[name] = v
				continue
			}
			if name == "mems" {
				name = "mems_after"
			}
			if name != "final_hidden" {
				out[fmt.Sprintf("%s_seg%d", name, s+1)] = v
			}
		}
	}
	return out, nil
}

// RunSegments builds the graphs of consecutive segments (SegmentShapesSeq; GPT-2: one
// graph per sequence set, no memory), compiles them together, runs them in order from
// an empty memory and returns each run's outputs: "logits", "log_probs",
// "hidden_states", "final_hidden" as the graph has them, and "mems" (the memory it
// wrote, [n_layer, B, MemOut, d]) when it writes one.
func RunSegments(be backend.Backend, w *model.Weights, batch, seq int, segs [][]int32, opts model.BuildOptions) ([]map[string]Named, error) {
	var graphs []*model.Graph
	for _, s := range model.SegmentShapesSeq(w.Arch, batch, seq, len(segs)) {
		g, err := model.Build(w.Arch, s, opts)
		if err != nil {
			return nil, err
		}
		graphs = append(graphs, g)
	}
	exe, err := be.Compile(w, graphs...)
	if err != nil {
		return nil, err
	}
	defer exe.Close()
	var peak int64
	for _, g := range graphs {
		peak = max(peak, g.AllocPeakBytes())
	}
	if exe.AllocBytes() != peak {
		return nil, fmt.Errorf("executable holds %d bytes, the graphs' AllocPeakBytes is %d", exe.AllocBytes(), peak)
	}
	if err := exe.ResetState(); err != nil {
		return nil, err
	}
	var out []map[string]Named
	for s, g := range graphs {
		if err := exe.SetIDs(s, segs[s]); err != nil {
			return nil, err
		}
		if err := exe.Run(s); err != nil {
			return nil, err
		}
		o := map[string]Named{}
		for _, name := range []string{"logits", "log_probs", "hidden_states", "final_hidden"} {
			id, ok := g.Outputs[name]
			if !ok {
				continue
			}
			t, err := read(exe, s, g, id)
			if err != nil {
				return nil, err
			}
			o[name] = t
		}
		if g.Shape.MemOut > 0 {
			mems, err := ReadMems(exe, s, g)
			if err != nil {
				return nil, err
			}
			o["mems"] = mems
		}
		out = append(out, o)
	}
	return out, nil
}

// read copies one tensor of graph s.
func read(exe backend.Executable, s int, g *model.Graph, id int) (Named, error) {
	t := g.Tensors[id]
	v := make([]float32, t.Elems())
	if err := exe.Read(s, id, v); err != nil {
		return Named{}, err
	}
	return Named{Shape: append([]int(nil), t.Shape...), Data: v}, nil
}

// ReadMems reads the memory graph s wrote, [n_layer, B, MemOut, d], from its per-layer
// outputs "mems.{i}".
func ReadMems(exe backend.Executable, s int, g *model.Graph) (Named, error) {
	L, B, m, d := g.Arch.NLayer, g.Shape.Batch, g.Shape.MemOut, g.Arch.DModel
	out := Named{Shape: []int{L, B, m, d}, Data: make([]float32, L*B*m*d)}
	for i := range L {
		id, ok := g.Outputs[fmt.Sprintf("mems.%d", i)]
		if !ok {
			return Named{}, fmt.Errorf("graph has no output mems.%d", i)
		}
		if err := exe.Read(s, id, out.Data[i*B*m*d:(i+1)*B*m*d]); err != nil {
			return Named{}, err
		}
	}
	return out, nil
}

// CompareBundle checks every tensor of dir's expected.safetensors against got. Hidden
// states and memories are compared layer by layer first, so the error names the first
// layer that diverges.
func CompareBundle(dir string, got map[string]Named) error {
	_, err := CompareBundleWorst(dir, got)
	return err
}

// CompareBundleWorst is CompareBundle that also names the tensor closest to its
// tolerance ("logits: max |diff| 2.1e-06, tolerance 1e-04"), pass or fail, so a run
// that passes shows how much room it had.
func CompareBundleWorst(dir string, got map[string]Named) (worst string, err error) {
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
		d := maxDiff(g.Data, e)
		if r := d / tol; r > worstRatio {
			worstRatio = r
			worst = fmt.Sprintf("%s: max |diff| %.3g, tolerance %.3g", name, d, tol)
		}
		if d > tol {
			msg := fmt.Sprintf("%s: max |diff| %.3g > tolerance %.3g", name, d, tol)
			if layered(name) && len(shape) == 4 {
				n := len(e) / shape[0]
				for l := range shape[0] {
					if dl := maxDiff(g.Data[l*n:(l+1)*n], e[l*n:(l+1)*n]); dl > tol {
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

// testGolden runs every bundle.
func testGolden(t *testing.T, open func() (backend.Backend, error)) {
	root, err := GoldenDir()
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := filepath.Glob(filepath.Join(root, "*", "expected.safetensors"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden bundles under %s", root)
	}
	for _, f := range dirs {
		dir := filepath.Dir(f)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			be, err := open()
			if err != nil {
				t.Fatal(err)
			}
			defer be.Close()
			got, err := RunBundle(be, dir)
			if err != nil {
				t.Fatal(err)
			}
			worst, err := CompareBundleWorst(dir, got)
			t.Logf("golden %s worst: %s", filepath.Base(dir), worst)
			if err != nil {
				t.Error(err)
			}
		})
	}
}
