package backend

import (
	"errors"
	"fmt"

	"github.com/ltsbench/ltsbench/model"
)

// The preconditions every backend checks before it touches its device. The errors name
// neither the backend nor the device: the backend prefixes its own name.

// Sizes are the three allocations of an executable, in bytes.
type Sizes struct{ Weights, Arena, State int64 }

// CheckCompile validates the graphs of one Compile against the weights (same
// architecture, same weight bytes, one state layout) and returns the allocation sizes:
// the weight slab, the largest arena and the shared state.
func CheckCompile(w *model.Weights, graphs []*model.Graph) (Sizes, error) {
	if w == nil || len(graphs) == 0 {
		return Sizes{}, errors.New("compile needs weights and at least one graph")
	}
	s := Sizes{Weights: w.Bytes(), State: graphs[0].StateBytes}
	for i, g := range graphs {
		if g.Arch.Key() != w.Arch.Key() {
			return Sizes{}, fmt.Errorf("graph %d is for %s, the weights for %s", i, g.Arch.Key(), w.Arch.Key())
		}
		if g.WeightBytes != w.Bytes() {
			return Sizes{}, fmt.Errorf("graph %d needs %d weight bytes, the slab has %d", i, g.WeightBytes, w.Bytes())
		}
		if g.StateBytes != s.State {
			return Sizes{}, fmt.Errorf("graph %d has %d state bytes, graph 0 has %d (one batch size per executable)", i, g.StateBytes, s.State)
		}
		s.Arena = max(s.Arena, g.ArenaBytes)
	}
	return s, nil
}

// CheckGraph validates the graph index g of an executable holding n graphs.
func CheckGraph(closed bool, g, n int) error {
	if closed {
		return errors.New("the executable is closed")
	}
	if g < 0 || g >= n {
		return fmt.Errorf("no graph %d (have %d)", g, n)
	}
	return nil
}

// CheckIDs validates the token ids written to graph g (index gi): the count the graph
// takes, each inside the vocabulary (an id out of range would read outside the
// embedding tables). It returns the token-id tensor.
func CheckIDs(g *model.Graph, gi int, ids []int32) (*model.Tensor, error) {
	if g.IDs < 0 {
		return nil, fmt.Errorf("graph %d takes no token ids", gi)
	}
	t := g.Tensors[g.IDs]
	if int64(len(ids)) != t.Elems() {
		return nil, fmt.Errorf("graph %d takes %d token ids (%d×%d), got %d", gi, t.Elems(), g.Shape.Batch, g.Shape.Seq, len(ids))
	}
	v := int32(g.Arch.NToken)
	for i, id := range ids {
		if id < 0 || id >= v {
			return nil, fmt.Errorf("token id %d at position %d is outside the vocabulary [0, %d)", id, i, v)
		}
	}
	return t, nil
}

// CheckRead validates a Read of tensor id of graph g (index gi) into dst: the tensor
// exists, is float32 and has exactly len(dst) elements. It returns the tensor.
func CheckRead(g *model.Graph, gi, id int, dst []float32) (*model.Tensor, error) {
	if id < 0 || id >= len(g.Tensors) {
		return nil, fmt.Errorf("graph %d has no tensor %d", gi, id)
	}
	t := g.Tensors[id]
	if t.DType != model.F32 {
		return nil, fmt.Errorf("tensor %s is not float32", t)
	}
	if int64(len(dst)) != t.Elems() {
		return nil, fmt.Errorf("tensor %s has %d elements, dst holds %d", t, t.Elems(), len(dst))
	}
	return t, nil
}
