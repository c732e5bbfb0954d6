package backend

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

func checksFixture(t *testing.T, bundle string, shapes ...model.Shape) (*model.Weights, []*model.Graph) {
	t.Helper()
	a, err := space.LoadArch(filepath.Join("..", "testdata", "golden", bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := model.InitWeights(a, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	var gs []*model.Graph
	for _, s := range shapes {
		g, err := model.Build(a, s, model.BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, g)
	}
	return w, gs
}

func wantErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	if err == nil || err.Error() != want {
		t.Errorf("%s: error %v, want %q", what, err, want)
	}
}

func TestCheckCompile(t *testing.T) {
	// Two segment graphs of one Transformer-XL: the first without memory, the second
	// reading it, sharing the state.
	w, gs := checksFixture(t, "txl_hetero_plain_softmax", model.Shape{Batch: 2, Seq: 4, MemOut: 4}, model.Shape{Batch: 2, Seq: 8, Mem: 4, MemOut: 12})
	s, err := CheckCompile(w, gs)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Sizes{Weights: w.Bytes(), Arena: max(gs[0].ArenaBytes, gs[1].ArenaBytes), State: gs[0].StateBytes}); s != want || s.State == 0 || gs[0].ArenaBytes == gs[1].ArenaBytes {
		t.Errorf("sizes %+v, want %+v with a state and two arena sizes", s, want)
	}
	_, err = CheckCompile(nil, gs)
	wantErr(t, "no weights", err, "compile needs weights and at least one graph")
	_, err = CheckCompile(w, nil)
	wantErr(t, "no graph", err, "compile needs weights and at least one graph")

	_, other := checksFixture(t, "gpt2_hetero_stress", model.Shape{Batch: 1, Seq: 4})
	_, err = CheckCompile(w, []*model.Graph{gs[0], other[0]})
	wantErr(t, "another architecture", err, "graph 1 is for "+other[0].Arch.Key()+", the weights for "+w.Arch.Key())

	_, batch1 := checksFixture(t, "txl_hetero_plain_softmax", model.Shape{Batch: 1, Seq: 4, MemOut: 4})
	_, err = CheckCompile(w, []*model.Graph{gs[0], batch1[0]})
	if batch1[0].StateBytes == gs[0].StateBytes {
		t.Fatal("the fixture's two batch sizes have one state size")
	}
	wantErr(t, "two batch sizes", err, "graph 1 has "+itoa(batch1[0].StateBytes)+" state bytes, graph 0 has "+itoa(gs[0].StateBytes)+" (one batch size per executable)")
}

func TestCheckIDsAndRead(t *testing.T) {
	_, gs := checksFixture(t, "gpt2_hetero_stress", model.Shape{Batch: 2, Seq: 3})
	g := gs[0]
	v := int32(g.Arch.NToken)
	ids := []int32{0, 1, 2, v - 1, 4, 5}
	if tn, err := CheckIDs(g, 0, ids); err != nil || tn != g.Tensors[g.IDs] {
		t.Errorf("valid ids: %v, %v", tn, err)
	}
	_, err := CheckIDs(g, 0, ids[:5])
	wantErr(t, "5 ids", err, "graph 0 takes 6 token ids (2×3), got 5")
	ids[3] = v
	_, err = CheckIDs(g, 0, ids)
	wantErr(t, "id = vocabulary", err, "token id "+itoa(int64(v))+" at position 3 is outside the vocabulary [0, "+itoa(int64(v))+")")
	ids[3] = -1
	_, err = CheckIDs(g, 0, ids)
	wantErr(t, "negative id", err, "token id -1 at position 3 is outside the vocabulary [0, "+itoa(int64(v))+")")

	out := g.Outputs["final_hidden"]
	if tn, err := CheckRead(g, 0, out, make([]float32, g.Tensors[out].Elems())); err != nil || tn.ID != out {
		t.Errorf("reading the output: %v, %v", tn, err)
	}
	_, err = CheckRead(g, 0, out, make([]float32, 1))
	wantErr(t, "short dst", err, "tensor "+g.Tensors[out].String()+" has "+itoa(g.Tensors[out].Elems())+" elements, dst holds 1")
	_, err = CheckRead(g, 0, g.IDs, make([]float32, 6))
	wantErr(t, "int32 tensor", err, "tensor "+g.Tensors[g.IDs].String()+" is not float32")
	_, err = CheckRead(g, 1, len(g.Tensors), nil)
	wantErr(t, "no such tensor", err, "graph 1 has no tensor "+itoa(int64(len(g.Tensors))))
}

func TestCheckGraph(t *testing.T) {
	if err := CheckGraph(false, 1, 2); err != nil {
		t.Error(err)
	}
	wantErr(t, "closed", CheckGraph(true, 0, 2), "the executable is closed")
	wantErr(t, "index 2 of 2", CheckGraph(false, 2, 2), "no graph 2 (have 2)")
	wantErr(t, "index -1", CheckGraph(false, -1, 2), "no graph -1 (have 2)")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
