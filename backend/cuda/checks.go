package cuda

import (
	"errors"
	"fmt"

	"github.com/ltsbench/ltsbench/model"
)

// sizes are the three allocations of an executable, in bytes.
type sizes struct{ weights, arena, state int64 }

// checkCompile validates the graphs of one Compile against the weights and returns the
// allocation sizes: the weight slab, the largest arena and the (shared) state.
func checkCompile(w *model.Weights, graphs []*model.Graph) (sizes, error) {
	if w == nil || len(graphs) == 0 {
		return sizes{}, errors.New("compile needs weights and at least one graph")
	}
	s := sizes{weights: w.Bytes(), state: graphs[0].StateBytes}
	for i, g := range graphs {
		if g.Arch.Key() != w.Arch.Key() {
			return sizes{}, fmt.Errorf("graph %d is for %s, the weights for %s", i, g.Arch.Key(), w.Arch.Key())
		}
		if g.WeightBytes != w.Bytes() {
			return sizes{}, fmt.Errorf("graph %d needs %d weight bytes, the slab has %d", i, g.WeightBytes, w.Bytes())
		}
		if g.StateBytes != s.state {
			return sizes{}, fmt.Errorf("graph %d has %d state bytes, graph 0 has %d (one batch size per executable)", i, g.StateBytes, s.state)
		}
		s.arena = max(s.arena, g.ArenaBytes)
	}
	return s, nil
}

// checkIDs validates the token ids of graph g (index gi) and returns the arena byte
// offset they go to.
func checkIDs(g *model.Graph, gi int, ids []int32) (int64, error) {
	if g.IDs < 0 {
		return 0, fmt.Errorf("graph %d takes no token ids", gi)
	}
	t := g.Tensors[g.IDs]
	if int64(len(ids)) != t.Elems() {
		return 0, fmt.Errorf("graph %d takes %d token ids (%d×%d), got %d", gi, t.Elems(), g.Shape.Batch, g.Shape.Seq, len(ids))
	}
	v := int32(g.Arch.NToken)
	for i, id := range ids {
		if id < 0 || id >= v {
			return 0, fmt.Errorf("token id %d at position %d is outside the vocabulary [0, %d)", id, i, v)
		}
	}
	return t.Off, nil
}

// checkRead validates a Read of tensor id of graph g (index gi) into dst and returns
// where the tensor lies.
func checkRead(g *model.Graph, gi, id int, dst []float32) (devRef, error) {
	if id < 0 || id >= len(g.Tensors) {
		return nullRef, fmt.Errorf("graph %d has no tensor %d", gi, id)
	}
	t := g.Tensors[id]
	if t.DType != model.F32 {
		return nullRef, fmt.Errorf("tensor %s is not float32", t)
	}
	if int64(len(dst)) != t.Elems() {
		return nullRef, fmt.Errorf("tensor %s has %d elements, dst holds %d", t, t.Elems(), len(dst))
	}
	return devRef{regionOf(g.Root(id).Kind), t.Off}, nil
}
