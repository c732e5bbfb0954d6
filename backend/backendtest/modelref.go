package backendtest

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// refModel is a float64 implementation of the golden README's equations, written as
// plain loops over one sequence at a time and reading the weights by name: it shares
// no code with the op graph, so the two check each other.
type refModel struct {
	a *space.Arch
	w map[string][]float64
}

func newRefModel(w *model.Weights) *refModel {
	m := &refModel{a: w.Arch, w: map[string][]float64{}}
	for _, t := range w.Tensors {
		v := w.Slice(t)
		f := make([]float64, len(v))
		for i, x := range v {
			f[i] = float64(x)
		}
		m.w[t.Name] = f
	}
	return m
}

func (m *refModel) get(name string) []float64 {
	v, ok := m.w[name]
	if !ok {
		panic("reference: no weight " + name)
	}
	return v
}

// refForwards is the reference forward pass of each model type over one sequence with
// the memory mems that the sequence's previous segment left (models with a memory).
// Each model type's reference registers itself (registerRef).
var refForwards = map[string]refForward{}

// refForward runs one sequence through the reference of a model type.
type refForward func(m *refModel, ids []int, mems [][][]float64) refOut

// registerRef adds f for the model type names; it returns nothing useful, for a var
// declaration.
func registerRef(f refForward, names ...string) bool {
	for _, n := range names {
		refForwards[n] = f
	}
	return true
}

// forward runs the reference of the model's type; a model type without a reference is
// a missing test, so it panics.
func (m *refModel) forward(ids []int, mems [][][]float64) refOut {
	f, ok := refForwards[m.a.ModelType().Name]
	if !ok {
		panic("reference: no forward pass for model type " + m.a.ModelType().Name)
	}
	return f(m, ids, mems)
}

// refOut is what one sequence produces.
type refOut struct {
	hidden [][][]float64 // [n_layer+1][T][d]
	final  [][]float64   // [T][d]: the input of the output layer
	logits [][]float64   // [T][V]: plain GPT-2, and adaptive models without cutoffs
	lp     [][]float64   // [T][V]: adaptive models
	mems   [][][]float64 // Transformer-XL: [n_layer][min(mem_len, m+T)][d]
}

// ln is LayerNorm of one vector (eps 1e-5).
func ln(x, g, b []float64) []float64 { return refLayerNorm(x, g, b, 1, len(x), 1e-5) }

// conv1d is x @ W + b with W stored [in, out] (Hugging Face Conv1D); b may be nil.
func conv1d(x, w, b []float64, out int) []float64 {
	return refMatMul(x, w, b, nil, 1, out, len(x), false, 0)
}

// linear is x @ W^T + b with W stored [out, in] (torch nn.Linear); b may be nil.
func linear(x, w, b []float64, out int) []float64 {
	return refMatMul(x, w, b, nil, 1, out, len(x), true, 0)
}

func dot64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func add64(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] + b[i]
	}
	return out
}

// embedding is Transformer-XL's AdaptiveEmbedding of token v under prefix, times
// √d_model.
func (m *refModel) embedding(prefix string, v int) []float64 {
	a := m.a
	d := a.DModel
	ends := append(append([]int{0}, a.Cutoffs...), a.NToken)
	var e []float64
	if a.DivVal == 1 {
		e = m.get(prefix + "emb_layers.0.weight")[v*a.DEmbed : (v+1)*a.DEmbed]
		if a.DEmbed != d {
			e = linear(e, m.get(prefix+"emb_projs.0"), nil, d) // emb_projs.0 @ e
		}
	} else {
		c := 0
		for v >= ends[c+1] {
			c++
		}
		de := len(m.get(fmt.Sprintf("%semb_projs.%d", prefix, c))) / d
		e = m.get(fmt.Sprintf("%semb_layers.%d.weight", prefix, c))[(v-ends[c])*de : (v-ends[c]+1)*de]
		e = linear(e, m.get(fmt.Sprintf("%semb_projs.%d", prefix, c)), nil, d)
	}
	out := make([]float64, d)
	for i := range out {
		out[i] = e[i] * math.Sqrt(float64(d))
	}
	return out
}

// outputLayer is the ProjectedAdaptiveLogSoftmax of one final hidden vector h; logits
// is nil when there are cutoffs.
func (m *refModel) outputLayer(embPrefix, outPrefix string, h []float64) (logits, lp []float64) {
	a := m.a
	ends := append(append([]int{0}, a.Cutoffs...), a.NToken)
	nc := len(a.Cutoffs)
	nEmbProjs := 0
	for ; ; nEmbProjs++ {
		if _, ok := m.w[fmt.Sprintf("%semb_projs.%d", embPrefix, nEmbProjs)]; !ok {
			break
		}
	}
	// proj is P_c^T @ h = h·P_c (P_c [d, d_e]), or h when cluster c has no projection.
	proj := func(c int) []float64 {
		var p []float64
		if a.TieProjs[c] {
			switch {
			case nEmbProjs >= 2:
				p = m.get(fmt.Sprintf("%semb_projs.%d", embPrefix, c))
			case nEmbProjs == 1:
				p = m.get(embPrefix + "emb_projs.0")
			}
		} else {
			p = m.w[fmt.Sprintf("%sout_projs.%d", outPrefix, c)] // nil if not stored
		}
		if p == nil {
			return h
		}
		return conv1d(h, p, nil, len(p)/a.DModel)
	}
	// logit(h; Wt, b, P) = Wt @ (P^T @ h) + b.
	logit := func(c int) []float64 {
		x := proj(c)
		var wt, b []float64
		if a.DivVal > 1 {
			wt = m.get(fmt.Sprintf("%semb_layers.%d.weight", embPrefix, c))
			b = m.get(fmt.Sprintf("%sout_layers_biases.%d", outPrefix, c))
		} else {
			de := len(x)
			wt = m.get(embPrefix + "emb_layers.0.weight")[ends[c]*de : ends[c+1]*de]
			b = m.get(outPrefix + "out_layers_biases.0")[ends[c]:ends[c+1]]
		}
		return linear(x, wt, b, ends[c+1]-ends[c])
	}
	if nc == 0 {
		logits = logit(0)
		return logits, logSoftmax64(logits)
	}
	// Head: the head tokens, then one logit per tail cluster, over the head's projection.
	head := append(logit(0), linear(proj(0), m.get(outPrefix+"cluster_weight"), m.get(outPrefix+"cluster_bias"), nc)...)
	headLP := logSoftmax64(head)
	lp = append([]float64(nil), headLP[:ends[1]]...)
	for c := 1; c <= nc; c++ {
		for _, x := range logSoftmax64(logit(c)) {
			lp = append(lp, headLP[ends[1]+c-1]+x)
		}
	}
	return nil, lp
}
