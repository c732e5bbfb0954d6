package model

import (
	"fmt"

	"github.com/ltsbench/ltsbench/space"
)

// BuildOptions select what a graph computes beyond the decoder body.
type BuildOptions struct {
	Output Output // full (default), last or none
	// KeepHidden keeps every layer's output in the "hidden_states" output
	// [n_layer+1, B, T, d] (the golden bundles' tensor) instead of reusing the memory.
	KeepHidden bool
	// KeepLogits keeps the raw logits of an adaptive model without cutoffs as the
	// "logits" output, next to "log_probs" (otherwise the log-softmax runs in place).
	// Models with cutoffs never have a single logits tensor.
	KeepLogits bool
}

// Build returns the planned graph of one forward pass of a for the shape s.
//
// Tensor IDs 0..len(LayoutWeights(a))-1 are the weights, in layout order, so every graph
// of one architecture shares one Weights slab. Transformer-XL's memory is the State
// tensor "mems" [n_layer, B, mem_len, d]; layer i reads its first Mem rows per batch row
// and writes its first MemOut rows (views "mems.i.in" and "mems.i.out").
//
// Outputs: "logits" (plain GPT-2; KeepLogits) or "log_probs" (adaptive models), unless
// Output is none; "final_hidden" (the input of the output layer: [B, T, d], or [B, d] with
// Output last); "hidden_states" with KeepHidden; Transformer-XL with a memory also
// "mems.{i}" (layer i's memory written by this run, [B, MemOut, d]) and, when MemOut =
// mem_len, "mems" (all of them).
func Build(a *space.Arch, s Shape, o BuildOptions) (*Graph, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if o.Output == "" {
		o.Output = OutputFull
	}
	if _, err := ParseOutput(string(o.Output)); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := checkShape(a, &s); err != nil {
		return nil, fmt.Errorf("build %s: %w", a.ModelType(), err)
	}
	def, err := definitionOf(a)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	b := newBuilder(a, def, s, o)
	def.build(b)
	if err := Plan(b.g); err != nil {
		return nil, fmt.Errorf("build %s: %w", a.ModelType(), err)
	}
	return b.g, nil
}

// builder accumulates the tensors and ops of one graph.
type builder struct {
	a   *space.Arch
	def *definition
	s   Shape
	o   BuildOptions
	g   *Graph
	w   map[string]int // weight name → tensor ID
}

func newBuilder(a *space.Arch, def *definition, s Shape, o BuildOptions) *builder {
	g := &Graph{Arch: a, Shape: s, Output: o.Output, Outputs: map[string]int{}, IDs: -1}
	b := &builder{a: a, def: def, s: s, o: o, g: g, w: map[string]int{}}
	ws, _ := LayoutWeights(a)
	for _, t := range ws {
		c := *t
		c.Shape = append([]int(nil), t.Shape...)
		g.Tensors = append(g.Tensors, &c)
		b.w[c.Name] = c.ID
	}
	g.IDs = b.tensor("input_ids", Input, s.Batch, s.Seq)
	g.Tensors[g.IDs].DType = I32
	return b
}

// tensor adds a tensor that owns its storage.
func (b *builder) tensor(name string, k Kind, shape ...int) int {
	t := &Tensor{ID: len(b.g.Tensors), Name: name, Kind: k, DType: F32, Shape: shape, Base: -1}
	b.g.Tensors = append(b.g.Tensors, t)
	return t.ID
}

// view adds a view of elements off.. of base; weights' and states' views get their
// byte offset here, the others from Plan.
func (b *builder) view(base int, name string, off int64, shape ...int) int {
	bt := b.g.Tensors[base]
	t := &Tensor{ID: len(b.g.Tensors), Name: name, Kind: bt.Kind, DType: bt.DType, Shape: shape, Base: base, ViewOffset: off}
	if bt.Kind == Weight || bt.Kind == State {
		t.Off = bt.Off + off*bt.DType.Size()
	}
	b.g.Tensors = append(b.g.Tensors, t)
	return t.ID
}

// weight returns the ID of a weight by name; names come from LayoutWeights, so a miss
// is a bug in this package.
func (b *builder) weight(name string) int {
	id, ok := b.w[name]
	if !ok {
		panic("model: no weight " + name)
	}
	return id
}

// rows returns a view of rows r0..r1-1 of a 1-D or 2-D weight.
func (b *builder) rows(id, r0, r1 int) int {
	t := b.g.Tensors[id]
	width := 1
	if len(t.Shape) == 2 {
		width = t.Shape[1]
	}
	if r0 == 0 && r1 == t.Shape[0] {
		return id
	}
	shape := []int{r1 - r0}
	if len(t.Shape) == 2 {
		shape = append(shape, width)
	}
	return b.view(id, fmt.Sprintf("%s[%d:%d]", t.Name, r0, r1), int64(r0*width), shape...)
}

func (b *builder) op(o Op) { b.g.Ops = append(b.g.Ops, o) }

// hidden returns the tensor that receives layer output l (l = 0: the embeddings): a
// view into "hidden_states" with KeepHidden, else a tensor of its own.
func (b *builder) hidden(hs, l int) int {
	B, T, d := b.s.Batch, b.s.Seq, b.a.DModel
	if hs < 0 {
		return b.tensor(fmt.Sprintf("hidden.%d", l), Activation, B, T, d)
	}
	return b.view(hs, fmt.Sprintf("hidden_states[%d]", l), int64(l*B*T*d), B, T, d)
}

// hiddenStates adds the "hidden_states" output when asked for.
func (b *builder) hiddenStates() int {
	if !b.o.KeepHidden {
		return -1
	}
	hs := b.tensor("hidden_states", Activation, b.a.NLayer+1, b.s.Batch, b.s.Seq, b.a.DModel)
	b.g.Outputs["hidden_states"] = hs
	return hs
}

// layerNorm adds Out = LN(x) with the weights prefix+"weight"/"bias".
func (b *builder) layerNorm(x int, prefix, name string, rows int) int {
	d := b.a.DModel
	out := b.tensor(name, Activation, append([]int(nil), b.g.Tensors[x].Shape...)...)
	b.op(&LayerNorm{X: x, G: b.weight(prefix + "weight"), B: b.weight(prefix + "bias"), Out: out, Rows: rows, D: d, Eps: 1e-5})
	return out
}

// matmul adds Out = act(x·W + bias) + residual as a new tensor of shape out: M is the
// product of out's leading dimensions, N its last one and K the weight's other
// dimension. mul takes W stored [K, N] (Hugging Face Conv1D, the adaptive projections),
// mulT W stored [N, K] (torch nn.Linear, the tied output tables). The epilogue is
// given by name: withBias, withResidual, withAct.
func (b *builder) mul(name string, x, w int, out []int, opts ...epilogue) int {
	return b.matmul(name, x, w, false, out, opts)
}

// mulT is mul with W stored [N, K]: Out = act(x·Wᵀ + bias) + residual.
func (b *builder) mulT(name string, x, w int, out []int, opts ...epilogue) int {
	return b.matmul(name, x, w, true, out, opts)
}

// epilogue sets what a MatMul adds after the product.
type epilogue func(*MatMul)

// withBias adds the bias [N] before the activation.
func withBias(id int) epilogue { return func(o *MatMul) { o.Bias = id } }

// withResidual adds the residual [M, N] after the activation.
func withResidual(id int) epilogue { return func(o *MatMul) { o.Residual = id } }

// withAct applies the activation.
func withAct(a Act) epilogue { return func(o *MatMul) { o.Act = a } }

func (b *builder) matmul(name string, x, w int, transW bool, out []int, opts []epilogue) int {
	ws := b.g.Tensors[w].Shape
	k, n := ws[0], ws[1]
	if transW {
		n, k = k, n
	}
	m := 1
	for _, v := range out[:len(out)-1] {
		m *= v
	}
	if out[len(out)-1] != n {
		panic(fmt.Sprintf("model: %s: output width %d, weight %s is %v", name, out[len(out)-1], b.g.Tensors[w].Name, ws))
	}
	id := b.tensor(name, Activation, out...)
	o := &MatMul{A: x, W: w, Bias: -1, Residual: -1, Out: id, M: m, N: n, K: k, TransW: transW}
	for _, f := range opts {
		f(o)
	}
	b.op(o)
	return id
}
