package model

import (
	"fmt"

	"github.com/ltsbench/ltsbench/space"
)

// DType is the element type of a tensor.
type DType uint8

// Element types. Every activation and weight is float32; token ids are int32.
const (
	F32 DType = iota
	I32
)

// Size is the size of one element in bytes.
func (d DType) Size() int64 { return 4 }

// Kind says where a tensor lives.
type Kind uint8

const (
	// Weight tensors live in the weight slab (Graph.WeightBytes), laid out by the
	// architecture alone, so every graph of one architecture shares one slab.
	Weight Kind = iota
	// Input tensors (token ids) live in the arena and are written before a run.
	Input
	// Activation tensors live in the arena at offsets the planner chose by liveness.
	Activation
	// State tensors persist across runs (Transformer-XL memory) in the state buffer
	// (Graph.StateBytes), at offsets fixed by the builder.
	State
)

func (k Kind) String() string {
	return [...]string{"weight", "input", "activation", "state"}[k]
}

// Tensor is one buffer of the graph. A view (Base ≥ 0) is a contiguous range of
// elements of its base tensor, starting at element ViewOffset; it owns no storage.
type Tensor struct {
	ID    int
	Name  string // weights: the golden/safetensors name; others: a descriptive name
	Kind  Kind
	DType DType
	Shape []int

	Base       int   // -1: owns its storage; else the ID of the base tensor
	ViewOffset int64 // in elements, within the base tensor (views only)

	// Off is the byte offset of the first element within the tensor's region (weight
	// slab, arena or state buffer), views resolved. Set by the builder (weights, state)
	// and by Plan (inputs, activations).
	Off int64

	// Init says how a fast seeded initialisation fills a weight (see InitWeights).
	Init Init
}

// Elems is the number of elements.
func (t *Tensor) Elems() int64 {
	n := int64(1)
	for _, s := range t.Shape {
		n *= int64(s)
	}
	return n
}

// Bytes is the size in bytes.
func (t *Tensor) Bytes() int64 { return t.Elems() * t.DType.Size() }

func (t *Tensor) String() string { return fmt.Sprintf("%s%v(%s)", t.Name, t.Shape, t.Kind) }

// Init describes how InitWeights fills a weight tensor.
type Init struct {
	Std  float32 // spread of the random part
	Mean float32 // constant part (LayerNorm gains: 1)
}

// Shape is the run shape of a graph.
type Shape struct {
	Batch int // B
	Seq   int // T: tokens per sequence (one Transformer-XL segment)
	// Mem is the number of memory rows a Transformer-XL graph reads (0 for GPT-2 and
	// for the first segment); MemOut the number it writes: min(mem_len, Mem+Seq).
	Mem, MemOut int
}

// Output selects what a timed forward includes.
type Output string

// The output modes of a forward pass.
const (
	// OutputFull computes logits or log-probabilities over the whole vocabulary at
	// every position (the work perplexity needs).
	OutputFull Output = "full"
	// OutputLast computes them only at the last position of each sequence (generation).
	OutputLast Output = "last"
	// OutputNone runs the decoder body only (up to the final hidden state).
	OutputNone Output = "none"
)

// ParseOutput checks an --output value.
func ParseOutput(s string) (Output, error) {
	switch Output(s) {
	case OutputFull, OutputLast, OutputNone:
		return Output(s), nil
	}
	return "", fmt.Errorf("output %q is not full, last or none", s)
}

// Graph is a static graph of one decoder forward pass for one Arch and one Shape.
// Ops run in order; every tensor has a fixed place, so peak memory is known before
// anything runs.
type Graph struct {
	Arch    *space.Arch
	Shape   Shape
	Output  Output
	Tensors []*Tensor
	Ops     []Op

	// IDs is the input tensor of token ids [B, T] (int32).
	IDs int
	// Outputs names the tensors a caller may read after a run: "logits" (plain GPT-2)
	// or "log_probs" (adaptive models), "final_hidden", and with KeepHidden
	// "hidden_states"; Transformer-XL also "mems.{i}" (layer i's memory written by this
	// run, [B, MemOut, d]) and, when MemOut = mem_len, "mems" (all of them, [n_layer,
	// B, MemOut, d]; with fewer rows the layers' regions are not contiguous).
	Outputs map[string]int

	// Sizes of the three regions in bytes (after Plan).
	WeightBytes, ArenaBytes, StateBytes int64
}

// AllocPeakBytes is every byte a backend allocates to run the graph: weights, the
// planned arena (inputs and activations) and the Transformer-XL memory. It is exact:
// backends allocate exactly these three regions.
func (g *Graph) AllocPeakBytes() int64 { return g.WeightBytes + g.ArenaBytes + g.StateBytes }

// Root returns the tensor that owns the storage of id (id itself unless a view).
func (g *Graph) Root(id int) *Tensor {
	t := g.Tensors[id]
	for t.Base >= 0 {
		t = g.Tensors[t.Base]
	}
	return t
}
