package golden

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/safetensors"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// Tensor is a float32 tensor with its shape.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Output is one tensor under its bundle name.
type Output struct {
	Name string
	Tensor
}

// Dir returns testdata/golden of this module, found by walking up from the working
// directory to go.mod.
func Dir() (string, error) {
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

// ReadInputs reads input_ids (GPT-2) or input_ids_seg1, input_ids_seg2, …
// (Transformer-XL), each [B, T] with one B and T, every id inside the vocabulary.
func ReadInputs(a *space.Arch, path string) (segs [][]int32, batch, seq int, err error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	names := []string{"input_ids"}
	if a.ModelType().Memory { // a model with a memory runs segments
		names = nil
		for s := 1; ; s++ {
			n := fmt.Sprintf("input_ids_seg%d", s)
			if _, ok := f.Info(n); !ok {
				break
			}
			names = append(names, n)
		}
		if len(names) == 0 {
			return nil, 0, 0, fmt.Errorf("%s: no tensor input_ids_seg1 (Transformer-XL reads input_ids_seg1, input_ids_seg2, …)", path)
		}
	} else if _, ok := f.Info("input_ids"); !ok {
		return nil, 0, 0, fmt.Errorf("%s: no tensor input_ids", path)
	}
	for _, n := range names {
		info, _ := f.Info(n)
		if !info.DType.IsInt() {
			return nil, 0, 0, fmt.Errorf("%s: tensor %q has dtype %s, want token ids (I64 or I32)", path, n, info.DType)
		}
		if len(info.Shape) != 2 || info.Shape[0] < 1 || info.Shape[1] < 1 {
			return nil, 0, 0, fmt.Errorf("%s: tensor %q has shape %v, want [batch, seq]", path, n, info.Shape)
		}
		if batch > 0 && (info.Shape[0] != batch || info.Shape[1] != seq) {
			return nil, 0, 0, fmt.Errorf("%s: tensor %q has shape %v, the first segment [%d %d]", path, n, info.Shape, batch, seq)
		}
		batch, seq = info.Shape[0], info.Shape[1]
		v, _, err := f.Int64(n)
		if err != nil {
			return nil, 0, 0, err
		}
		ids := make([]int32, len(v))
		for i, x := range v {
			if x < 0 || x >= int64(a.NToken) {
				return nil, 0, 0, fmt.Errorf("%s: tensor %q: token id %d at [%d, %d] is outside the vocabulary [0, %d)", path, n, x, i/seq, i%seq, a.NToken)
			}
			ids[i] = int32(x)
		}
		segs = append(segs, ids)
	}
	return segs, batch, seq, nil
}

// Graphs builds the graphs of nseg consecutive segments of batch × seq tokens with every
// output a bundle holds (full output, hidden states and logits kept).
func Graphs(a *space.Arch, batch, seq, nseg int) ([]*model.Graph, error) {
	var graphs []*model.Graph
	for _, s := range model.SegmentShapesSeq(a, batch, seq, nseg) {
		g, err := model.Build(a, s, model.BuildOptions{Output: model.OutputFull, KeepHidden: true, KeepLogits: true})
		if err != nil {
			return nil, err
		}
		graphs = append(graphs, g)
	}
	return graphs, nil
}

// Run runs the compiled graphs in order from an empty memory, segment s on segs[s], and
// returns every segment's outputs under the bundles' names. It stops between segments
// when ctx is done.
func Run(ctx context.Context, exe backend.Executable, graphs []*model.Graph, segs [][]int32) ([]Output, error) {
	if len(segs) != len(graphs) {
		return nil, fmt.Errorf("%d segments of token ids for %d graphs", len(segs), len(graphs))
	}
	if err := exe.ResetState(); err != nil {
		return nil, err
	}
	var out []Output
	for s, g := range graphs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := exe.SetIDs(s, segs[s]); err != nil {
			return nil, err
		}
		if err := exe.Run(s); err != nil {
			return nil, err
		}
		o, err := Outputs(exe, s, g)
		if err != nil {
			return nil, err
		}
		out = append(out, o...)
	}
	return out, nil
}

// Outputs reads what graph s wrote, under the bundles' names: GPT-2 logits (plain) or
// log_probs (flex), hidden_states and final_hidden; Transformer-XL log_probs_seg{s},
// logits_seg{s} without cutoffs, hidden_states_seg{s} and mems_after_seg{s} when it
// writes a memory.
func Outputs(exe backend.Executable, s int, g *model.Graph) ([]Output, error) {
	a := g.Arch
	txl := a.ModelType().Memory // segments: input_ids_seg1, …
	suffix := ""
	if txl {
		suffix = fmt.Sprintf("_seg%d", s+1)
	}
	var names []string
	switch {
	case txl && a.NClusters() == 0:
		names = []string{"log_probs", "logits", "hidden_states"}
	case txl:
		names = []string{"log_probs", "hidden_states"}
	case a.IsAdaptive():
		names = []string{"log_probs", "hidden_states", "final_hidden"}
	default:
		names = []string{"logits", "hidden_states", "final_hidden"}
	}
	var out []Output
	for _, n := range names {
		id, ok := g.Outputs[n]
		if !ok {
			return nil, fmt.Errorf("graph has no output %s", n)
		}
		t := g.Tensors[id]
		v := make([]float32, t.Elems())
		if err := exe.Read(s, id, v); err != nil {
			return nil, err
		}
		out = append(out, Output{n + suffix, Tensor{slices.Clone(t.Shape), v}})
	}
	if txl && g.Shape.MemOut > 0 {
		m, err := ReadMems(exe, s, g)
		if err != nil {
			return nil, err
		}
		out = append(out, Output{"mems_after" + suffix, m})
	}
	return out, nil
}

// ReadMems reads the memory graph s wrote, [n_layer, B, MemOut, d], from its per-layer
// outputs "mems.{i}".
func ReadMems(exe backend.Executable, s int, g *model.Graph) (Tensor, error) {
	L, B, m, d := g.Arch.NLayer, g.Shape.Batch, g.Shape.MemOut, g.Arch.DModel
	out := Tensor{Shape: []int{L, B, m, d}, Data: make([]float32, L*B*m*d)}
	for i := range L {
		id, ok := g.Outputs[fmt.Sprintf("mems.%d", i)]
		if !ok {
			return Tensor{}, fmt.Errorf("graph has no output mems.%d", i)
		}
		if err := exe.Read(s, id, out.Data[i*B*m*d:(i+1)*B*m*d]); err != nil {
			return Tensor{}, err
		}
	}
	return out, nil
}

// Safetensors converts outputs to float32 safetensors tensors, for writing.
func Safetensors(outs []Output) []safetensors.Tensor {
	ts := make([]safetensors.Tensor, len(outs))
	for i, o := range outs {
		ts[i] = safetensors.F32(o.Name, o.Shape, o.Data)
	}
	return ts
}

// ReadFile reads every tensor of a safetensors file as float32, by name (an
// expected.safetensors or what `ltsbench forward` wrote).
func ReadFile(path string) (map[string]Tensor, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	out := map[string]Tensor{}
	for _, n := range f.Names() {
		v, shape, err := f.Float32(n)
		if err != nil {
			return nil, err
		}
		out[n] = Tensor{shape, v}
	}
	return out, nil
}
