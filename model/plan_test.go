package model

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ltsbench/ltsbench/space"
)

func mustArch(t *testing.T, js string) *space.Arch {
	t.Helper()
	a, err := space.ParseArch([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAllocPeakBytesHandCount derives the three regions of a tiny GPT-2 by hand.
//
// GPT-2, 1 layer, d 4, 1 head, d_inner 8, V 5, n_positions 2, batch 1 × 2, full output.
// Every tensor is at most 192 bytes, so each takes one 256-byte slot.
//
// Weights: wte, wpe, ln_1 ×2, c_attn ×2, c_proj ×2, ln_2 ×2, c_fc ×2, mlp.c_proj ×2,
// ln_f ×2 = 16 tensors = 4096 bytes.
//
// Arena: the ops and the lifetimes (op indices) of the 11 arena tensors:
//
//	0 embed      ids [0,9] (inputs live throughout), h0 [0,4]
//	1 ln_1       a [1,2]
//	2 c_attn     qkv [2,3]
//	3 attention  att [3,4]
//	4 c_proj+h0  h2 [4,7]
//	5 ln_2       m [5,6]
//	6 c_fc+gelu  f [6,7]
//	7 proj+h2    h1 [7,8]
//	8 ln_f       fin [8,9] (output)
//	9 head       logits [9,9] (output)
//
// At ops 2, 3, 4, 6 and 7 four tensors are alive (e.g. op 4: ids, h0, att, h2), never
// five, so no placement can use less than 4 slots, and the planner finds 4: 1024 bytes.
func TestAllocPeakBytesHandCount(t *testing.T) {
	a := mustArch(t, `{"model_type": "gpt2", "n_layer": 1, "d_model": 4, "n_head": 1, "d_inner": 8, "vocab_size": 5, "n_positions": 2}`)
	g, err := Build(a, Shape{Batch: 1, Seq: 2}, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Ops) != 10 {
		t.Fatalf("%d ops, the hand count has 10", len(g.Ops))
	}
	if g.WeightBytes != 4096 || g.ArenaBytes != 1024 || g.StateBytes != 0 {
		t.Errorf("weights %d, arena %d, state %d bytes; by hand 4096, 1024, 0", g.WeightBytes, g.ArenaBytes, g.StateBytes)
	}
	if g.AllocPeakBytes() != 5120 {
		t.Errorf("AllocPeakBytes %d, by hand 5120", g.AllocPeakBytes())
	}
}

// TestStateBytesHandCount: Transformer-XL's memory is n_layer × B × mem_len × d floats,
// whatever the memory a graph reads or writes.
func TestStateBytesHandCount(t *testing.T) {
	a := mustArch(t, `{"model_type": "transformer_xl", "n_layer": 2, "d_model": 16, "n_head": 2, "d_inner": 32, "vocab_size": 50, "tgt_len": 3, "mem_len": 4}`)
	for _, s := range SegmentShapesSeq(a, 2, a.TgtLen, 3) {
		g, err := Build(a, s, BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(2 * 2 * 4 * 16 * 4); g.StateBytes != want {
			t.Errorf("shape %+v: state %d bytes, by hand %d", s, g.StateBytes, want)
		}
		// Layer 1's memory starts after layer 0's region of B·mem_len·d floats.
		written, read := g.Outputs["mems.1"], -1
		for _, tt := range g.Tensors {
			if tt.Name == "mems.1.in" {
				read = tt.ID
			}
		}
		if g.Tensors[written].Off != 2*4*16*4 || (read >= 0 && g.Tensors[read].Off != 2*4*16*4) {
			t.Errorf("shape %+v: layer 1's memory is not at byte %d", s, 2*4*16*4)
		}
	}
}

// fakeOp is an op with arbitrary reads and writes, for planner tests.
type fakeOp struct{ r, w []int }

func (o *fakeOp) Reads() []int  { return o.r }
func (o *fakeOp) Writes() []int { return o.w }
func (o *fakeOp) Name() string  { return "fake" }

// randomGraph makes a graph of random activations, views, inputs and outputs.
func randomGraph(rng *rand.Rand) *Graph {
	g := &Graph{Outputs: map[string]int{}, IDs: -1}
	add := func(t *Tensor) int {
		t.ID = len(g.Tensors)
		g.Tensors = append(g.Tensors, t)
		return t.ID
	}
	nOps := 1 + rng.IntN(30)
	var roots []int
	for range 1 + rng.IntN(40) {
		k := Activation
		if rng.IntN(8) == 0 {
			k = Input
		}
		roots = append(roots, add(&Tensor{Name: "t", Kind: k, DType: F32, Shape: []int{1 + rng.IntN(700)}, Base: -1}))
	}
	var all []int
	for _, r := range roots {
		all = append(all, r)
		if rng.IntN(3) == 0 { // a view of part of it
			n := g.Tensors[r].Shape[0]
			off := rng.IntN(n)
			all = append(all, add(&Tensor{Name: "v", Kind: g.Tensors[r].Kind, DType: F32, Shape: []int{1 + rng.IntN(n-off)}, Base: r, ViewOffset: int64(off)}))
		}
	}
	for range nOps {
		o := &fakeOp{}
		for range rng.IntN(3) {
			o.r = append(o.r, all[rng.IntN(len(all))])
		}
		o.w = append(o.w, all[rng.IntN(len(all))])
		g.Ops = append(g.Ops, o)
	}
	// Every tensor is used at least once; some are outputs.
	for _, id := range all {
		if rng.IntN(4) == 0 {
			g.Outputs[fmt.Sprint("out", id)] = id
		} else {
			op := g.Ops[rng.IntN(nOps)].(*fakeOp)
			op.r = append(op.r, id)
		}
	}
	return g
}

// TestPlanNoOverlap: on random graphs, tensors whose lifetimes overlap never share a
// byte, every tensor is aligned and inside the arena, views sit inside their base, and
// the arena is no larger than the sum of the tensors and no smaller than what is alive
// at the busiest op.
func TestPlanNoOverlap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		g := randomGraph(rng)
		if err := Plan(g); err != nil {
			t.Fatal(err)
		}
		live, err := Lifetimes(g)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for id, iv := range live {
			x := g.Tensors[id]
			sum += alignUp(x.Bytes())
			if x.Off%Align != 0 || x.Off+x.Bytes() > g.ArenaBytes {
				t.Fatalf("trial %d: %s at %d (+%d) is unaligned or outside the arena of %d", trial, x, x.Off, x.Bytes(), g.ArenaBytes)
			}
			for id2, iv2 := range live {
				y := g.Tensors[id2]
				if id < id2 && iv.Overlaps(iv2) && x.Off < y.Off+y.Bytes() && y.Off < x.Off+x.Bytes() {
					t.Fatalf("trial %d: %s %v and %s %v are alive together and share bytes (%d, %d)", trial, x, iv, y, iv2, x.Off, y.Off)
				}
			}
		}
		if g.ArenaBytes > sum {
			t.Fatalf("trial %d: arena %d exceeds the sum of the tensors %d", trial, g.ArenaBytes, sum)
		}
		for i := range g.Ops {
			var busy int64
			for id, iv := range live {
				if iv.First <= i && i <= iv.Last {
					busy += alignUp(g.Tensors[id].Bytes())
				}
			}
			if busy > g.ArenaBytes {
				t.Fatalf("trial %d: %d bytes alive at op %d, arena %d", trial, busy, i, g.ArenaBytes)
			}
		}
		for _, x := range g.Tensors {
			if x.Base >= 0 {
				r := g.Root(x.ID)
				if x.Off != r.Off+x.ViewOffset*4 {
					t.Fatalf("trial %d: view %s at %d, base at %d + %d elements", trial, x, x.Off, r.Off, x.ViewOffset)
				}
			}
		}
	}
}

// TestPlanRejects: malformed graphs are errors, not panics.
func TestPlanRejects(t *testing.T) {
	mk := func() *Graph {
		return &Graph{Outputs: map[string]int{}, IDs: -1, Tensors: []*Tensor{
			{ID: 0, Name: "a", Kind: Activation, Shape: []int{4}, Base: -1},
			{ID: 1, Name: "b", Kind: Activation, Shape: []int{4}, Base: -1},
		}, Ops: []Op{&fakeOp{r: []int{0}, w: []int{1}}}}
	}
	g := mk()
	g.Tensors = append(g.Tensors, &Tensor{ID: 2, Name: "unused", Kind: Activation, Shape: []int{1}, Base: -1})
	if err := Plan(g); err == nil {
		t.Error("a tensor no op uses was planned")
	}
	g = mk()
	g.Tensors = append(g.Tensors, &Tensor{ID: 2, Name: "v", Kind: Activation, Shape: []int{3}, Base: 0, ViewOffset: 2})
	if err := Plan(g); err == nil {
		t.Error("a view past the end of its base was planned")
	}
	g = mk()
	g.Tensors[0].Base, g.Tensors[1].Base = 1, 0
	if err := Plan(g); err == nil {
		t.Error("a cycle of views was planned")
	}
}
