package backendtest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/golden"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// Named is a tensor with a shape, as read from a graph or a file.
type Named = golden.Tensor

// RunBundle runs the golden bundle in dir on a backend and returns every tensor its
// expected.safetensors could hold, by name (internal/golden reads the inputs and names
// the outputs, as `ltsbench forward` does). It also checks that the executable holds
// exactly the graphs' AllocPeakBytes.
func RunBundle(be backend.Backend, dir string) (map[string]Named, error) {
	a, err := space.LoadArch(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	w, err := model.LoadWeights(a, filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return nil, err
	}
	segs, B, T, err := golden.ReadInputs(a, filepath.Join(dir, "inputs.safetensors"))
	if err != nil {
		return nil, err
	}
	graphs, err := golden.Graphs(a, B, T, len(segs))
	if err != nil {
		return nil, err
	}
	exe, err := compileChecked(be, w, graphs)
	if err != nil {
		return nil, err
	}
	defer exe.Close()
	outs, err := golden.Run(context.Background(), exe, graphs, segs)
	if err != nil {
		return nil, err
	}
	got := map[string]Named{}
	for _, o := range outs {
		got[o.Name] = o.Tensor
	}
	return got, nil
}

// compileChecked compiles graphs on be, checks that the executable holds exactly the
// largest AllocPeakBytes of its graphs and empties its state (memory, KV cache), so
// that the first graph run starts a sequence; the caller closes it.
func compileChecked(be backend.Backend, w *model.Weights, graphs []*model.Graph) (backend.Executable, error) {
	exe, err := be.Compile(w, graphs...)
	if err != nil {
		return nil, err
	}
	var peak int64
	for _, g := range graphs {
		peak = max(peak, g.AllocPeakBytes())
	}
	if got := exe.AllocBytes(); got != peak {
		exe.Close()
		return nil, fmt.Errorf("executable holds %d bytes, the graphs' AllocPeakBytes is %d", got, peak)
	}
	if err := exe.ResetState(); err != nil {
		exe.Close()
		return nil, err
	}
	return exe, nil
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
	exe, err := compileChecked(be, w, graphs)
	if err != nil {
		return nil, err
	}
	defer exe.Close()
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
			mems, err := golden.ReadMems(exe, s, g)
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

// testGolden runs every bundle.
func testGolden(t *testing.T, open func() (backend.Backend, error)) {
	root, err := golden.Dir()
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
			worst, err := golden.CompareWorst(dir, got)
			t.Logf("golden %s worst: %s", filepath.Base(dir), worst)
			if err != nil {
				t.Error(err)
			}
		})
	}
}
