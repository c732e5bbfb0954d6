package backendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// guardElems is the number of NaN elements before and after every output.
const guardElems = 13

// opGraph is a hand-built graph around one op: its inputs are weights with random
// values (the only tensors a caller can fill through the backend interface), its
// outputs views into NaN-filled guard tensors.
type opGraph struct {
	g      *model.Graph
	wts    []*model.Tensor
	data   []float32 // the weight slab
	vals   map[int][]float64
	rng    *rand.Rand
	ids    []int32
	checks []check
	tol    float64 // relative to max(1, max |expected|)
}

// check compares a guard tensor with what it must hold: NaN outside the output,
// expected values inside.
type check struct {
	root int
	want []float64 // NaN where the guard must stay untouched
}

// newOpGraph starts a graph; vocab is the id range SetIDs accepts.
func newOpGraph(seed uint64, vocab int) *opGraph {
	a := &space.Arch{Backbone: space.GPT2, NLayer: 1, DModel: 2, NHead: []int{1}, DInner: []int{1},
		DEmbed: 2, DivVal: 1, NToken: vocab, TgtLen: 1}
	return &opGraph{
		g:    &model.Graph{Arch: a, Outputs: map[string]int{}, IDs: -1},
		vals: map[int][]float64{},
		rng:  rand.New(rand.NewPCG(seed, 0x5eed)),
		tol:  2e-5,
	}
}

func (o *opGraph) add(t *model.Tensor) int {
	t.ID = len(o.g.Tensors)
	o.g.Tensors = append(o.g.Tensors, t)
	return t.ID
}

// weight adds a weight holding vals.
func (o *opGraph) weight(name string, vals []float64, shape ...int) int {
	off := int64(len(o.data)) * 4
	t := &model.Tensor{Name: name, Kind: model.Weight, DType: model.F32, Shape: shape, Base: -1, Off: off}
	id := o.add(t)
	if int64(len(vals)) != t.Elems() {
		panic(fmt.Sprintf("weight %s: %d values for shape %v", name, len(vals), shape))
	}
	for _, v := range vals {
		o.data = append(o.data, float32(v))
	}
	for len(o.data)%(model.Align/4) != 0 {
		o.data = append(o.data, 0)
	}
	o.wts = append(o.wts, t)
	o.vals[id] = vals
	return id
}

// rand32 returns n uniform values in [-scale, scale), rounded to float32.
func (o *opGraph) rand32(n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(float32((2*o.rng.Float64() - 1) * scale))
	}
	return v
}

// input adds a weight with random values in [-scale, scale).
func (o *opGraph) input(name string, scale float64, shape ...int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return o.weight(name, o.rand32(n, scale), shape...)
}

// tokenIDs adds the int32 input [b, t] with random ids below vocab.
func (o *opGraph) tokenIDs(b, t int) int {
	id := o.add(&model.Tensor{Name: "ids", Kind: model.Input, DType: model.I32, Shape: []int{b, t}, Base: -1})
	o.g.IDs = id
	o.ids = make([]int32, b*t)
	for i := range o.ids {
		o.ids[i] = int32(o.rng.IntN(o.g.Arch.NToken))
	}
	return id
}

// guarded adds a guard tensor of guardElems + rows·ld + guardElems elements, filled with
// NaN by a copy from a NaN weight, and returns it.
func (o *opGraph) guarded(name string, rows, ld int) int {
	n := 2*guardElems + rows*ld
	nan := make([]float64, n)
	for i := range nan {
		nan[i] = math.NaN()
	}
	src := o.weight(name+".nan", nan, n)
	root := o.add(&model.Tensor{Name: name + ".guard", Kind: model.Activation, DType: model.F32, Shape: []int{n}, Base: -1})
	o.op(&model.ConcatMem{Mem: -1, X: src, Out: root, B: 1, M: 0, T: 1, D: n})
	o.g.Outputs[name] = root
	return root
}

// output adds an output of shape (contiguous, inside guard bands) that must equal
// want; it returns the tensor the op writes.
func (o *opGraph) output(name string, want []float64, shape ...int) int {
	n := len(want)
	root := o.guarded(name, 1, n)
	id := o.add(&model.Tensor{Name: name, Kind: model.Activation, DType: model.F32, Shape: shape, Base: root, ViewOffset: guardElems})
	w := nanSlice(2*guardElems + n)
	copy(w[guardElems:], want)
	o.checks = append(o.checks, check{root: root, want: w})
	return id
}

// band adds an output [rows, cols] whose rows are ld apart, at column col0 of a wider
// guarded tensor: every element outside the band must stay NaN.
func (o *opGraph) band(name string, want []float64, rows, cols, ld, col0 int) int {
	root := o.guarded(name, rows, ld)
	id := o.add(&model.Tensor{Name: name, Kind: model.Activation, DType: model.F32, Shape: []int{rows, cols}, Base: root, ViewOffset: int64(guardElems + col0)})
	w := nanSlice(2*guardElems + rows*ld)
	for r := range rows {
		copy(w[guardElems+r*ld+col0:], want[r*cols:(r+1)*cols])
	}
	o.checks = append(o.checks, check{root: root, want: w})
	return id
}

// copyOf adds a guarded output initialised with the values of weight src (for ops that
// work in place), returning the tensor.
func (o *opGraph) copyOf(name string, src int, want []float64, shape ...int) int {
	id := o.output(name, want, shape...)
	n := len(want)
	o.op(&model.ConcatMem{Mem: -1, X: src, Out: id, B: 1, M: 0, T: 1, D: n})
	return id
}

func (o *opGraph) op(op model.Op) { o.g.Ops = append(o.g.Ops, op) }

func nanSlice(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = math.NaN()
	}
	return w
}

// run plans the graph, runs it on a backend from open and checks every output.
func (o *opGraph) run(t *testing.T, open func() (backend.Backend, error)) {
	t.Helper()
	if err := model.Plan(o.g); err != nil {
		t.Fatal(err)
	}
	w := &model.Weights{Arch: o.g.Arch, Tensors: o.wts, Data: o.data}
	be, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	exe, err := be.Compile(w, o.g)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	if o.ids != nil {
		if err := exe.SetIDs(0, o.ids); err != nil {
			t.Fatal(err)
		}
	}
	// Twice: a second run must give the same result (no state left behind).
	for range 2 {
		if err := exe.Run(0); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range o.checks {
		got := make([]float32, len(c.want))
		if err := exe.Read(0, c.root, got); err != nil {
			t.Fatal(err)
		}
		o.compare(t, o.g.Tensors[c.root].Name, got, c.want)
	}
}

// compare reports guard writes and values off by more than tol·max(1, max |want|).
func (o *opGraph) compare(t *testing.T, name string, got []float32, want []float64) {
	t.Helper()
	scale := 1.0
	for _, v := range want {
		if !math.IsNaN(v) {
			scale = max(scale, math.Abs(v))
		}
	}
	bad := 0
	for i, w := range want {
		g := float64(got[i])
		switch {
		case math.IsNaN(w) && !math.IsNaN(g):
			t.Errorf("%s: element %d lies outside the output but was written (%g)", name, i, g)
		case !math.IsNaN(w) && !(math.Abs(g-w) <= o.tol*scale):
			t.Errorf("%s: element %d = %g, want %g (|diff| %.3g > %.3g)", name, i, g, w, math.Abs(g-w), o.tol*scale)
		default:
			continue
		}
		if bad++; bad == 5 {
			t.Errorf("%s: …", name)
			return
		}
	}
}
