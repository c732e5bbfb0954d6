package cpu_test

import (
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/cpu"
	"github.com/ltsbench/ltsbench/backend/cpu/kern"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

var allocArchs = []string{
	`{"model_type": "gpt2", "n_layer": 2, "d_model": 32, "n_head": [2, 4], "d_inner": [64, 48], "vocab_size": 100, "n_positions": 16}`,
	`{"model_type": "gpt2_flex", "n_layer": 1, "d_model": 32, "n_head": 4, "d_inner": 64, "vocab_size": 100, "d_embed": 48, "cutoffs": [20, 50], "div_val": 2, "n_positions": 16}`,
	`{"model_type": "transformer_xl", "n_layer": 2, "d_model": 32, "n_head": [2, 4], "d_inner": [64, 48], "vocab_size": 100, "cutoffs": [20, 50], "div_val": 2, "tgt_len": 8, "mem_len": 8}`,
}

// allocsPerRun compiles g and counts the allocations of one Run.
func allocsPerRun(t *testing.T, w *model.Weights, g *model.Graph, threads int) float64 {
	t.Helper()
	exe, err := cpu.New(backend.Options{Threads: threads}).Compile(w, g)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	if err := exe.SetIDs(0, make([]int32, g.Shape.Batch*g.Shape.Seq)); err != nil {
		t.Fatal(err)
	}
	return testing.AllocsPerRun(5, func() {
		if err := exe.Run(0); err != nil {
			t.Fatal(err)
		}
	})
}

func build(t *testing.T, js string) (*model.Weights, *model.Graph) {
	t.Helper()
	a, err := space.ParseArch([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	w, err := model.InitWeights(a, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	g, err := model.Build(a, model.Shape{Batch: 2, Seq: a.TgtLen, Mem: a.MemLen, MemOut: a.MemLen}, model.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return w, g
}

// TestOpsDoNotAllocate: the executor's own steps (every op but the matrix products,
// which are kern's) run without allocating.
func TestOpsDoNotAllocate(t *testing.T) {
	for _, js := range allocArchs {
		w, g := build(t, js)
		var ops []model.Op
		for _, op := range g.Ops {
			if _, ok := op.(*model.MatMul); !ok {
				ops = append(ops, op)
			}
		}
		g.Ops = ops // the plan stays valid: every tensor keeps its place
		if n := allocsPerRun(t, w, g, 1); n != 0 {
			t.Errorf("%s: %.0f allocations per run of %d ops", g.Arch.ModelType(), n, len(ops))
		}
	}
}

// kernAllocs counts the allocations of one kern.Gemm and one two-thread Pool.Run.
func kernAllocs() float64 {
	p1, p2 := kern.NewPool(1), kern.NewPool(2)
	defer p1.Close()
	defer p2.Close()
	a, b, c := make([]float32, 64), make([]float32, 64), make([]float32, 64)
	noop := func(int) {}
	return testing.AllocsPerRun(10, func() {
		kern.Gemm(p1, 8, 8, 8, a, 8, b, 8, false, c, 8, nil)
		p2.Run(4, noop)
	})
}

// TestRunDoesNotAllocate: a whole compiled graph runs without allocating, so a timed
// run measures the forward pass and nothing else.
func TestRunDoesNotAllocate(t *testing.T) {
	if n := kernAllocs(); n > 0 {
		t.Skipf("kern.Gemm and Pool.Run allocate (%.0f per call pair); this check needs them allocation-free", n)
	}
	for _, js := range allocArchs {
		w, g := build(t, js)
		for _, threads := range []int{1, 2} {
			if n := allocsPerRun(t, w, g, threads); n != 0 {
				t.Errorf("%s, %d threads: %.0f allocations per run (%d ops)", g.Arch.ModelType(), threads, n, len(g.Ops))
			}
		}
	}
}
