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

var _ = registerRef(func(m *refModel, ids []int, _ [][][]float64) refOut { return m.gpt2(ids) }, "gpt2", "gpt2_flex")

// gpt2 runs plain GPT-2 or GPT-2 flex over one sequence.
func (m *refModel) gpt2(ids []int) refOut {
	a := m.a
	d, T := a.DModel, len(ids)
	wpe := m.get("transformer.wpe.weight")
	var r refOut
	h := make([][]float64, T)
	for t, v := range ids {
		var e []float64
		if a.Adaptive {
			e = m.embedding("transformer.wte.", v)
		} else {
			e = m.get("transformer.wte.weight")[v*d : (v+1)*d]
		}
		h[t] = add64(e, wpe[t*d:(t+1)*d])
	}
	r.hidden = append(r.hidden, h)
	for i := range a.NLayer {
		p := fmt.Sprintf("transformer.h.%d.", i)
		H := a.NHead[i]
		hd := d / H
		qkv := make([][]float64, T)
		for t := range T {
			x := ln(h[t], m.get(p+"ln_1.weight"), m.get(p+"ln_1.bias"))
			qkv[t] = conv1d(x, m.get(p+"attn.c_attn.weight"), m.get(p+"attn.c_attn.bias"), 3*d)
		}
		next := make([][]float64, T)
		for t := range T {
			o := make([]float64, d)
			for n := range H {
				s := make([]float64, t+1)
				for j := range s {
					s[j] = dot64(qkv[t][n*hd:(n+1)*hd], qkv[j][d+n*hd:d+(n+1)*hd]) / math.Sqrt(float64(hd))
				}
				softmaxInPlace(s)
				for j, pj := range s {
					for c := range hd {
						o[n*hd+c] += pj * qkv[j][2*d+n*hd+c]
					}
				}
			}
			h2 := add64(h[t], conv1d(o, m.get(p+"attn.c_proj.weight"), m.get(p+"attn.c_proj.bias"), d))
			x := ln(h2, m.get(p+"ln_2.weight"), m.get(p+"ln_2.bias"))
			f := conv1d(x, m.get(p+"mlp.c_fc.weight"), m.get(p+"mlp.c_fc.bias"), a.DInner[i])
			for c := range f {
				f[c] = gelu(f[c])
			}
			next[t] = add64(h2, conv1d(f, m.get(p+"mlp.c_proj.weight"), m.get(p+"mlp.c_proj.bias"), d))
		}
		h = next
		r.hidden = append(r.hidden, h)
	}
	for t := range T {
		f := ln(h[t], m.get("transformer.ln_f.weight"), m.get("transformer.ln_f.bias"))
		r.final = append(r.final, f)
		if a.Adaptive {
			lg, lp := m.outputLayer("transformer.wte.", "lm_head.", f)
			r.logits, r.lp = append(r.logits, lg), append(r.lp, lp)
		} else {
			wte := m.get("transformer.wte.weight")
			r.logits = append(r.logits, linear(f, wte, nil, a.NToken))
		}
	}
	return r
}

// sinusoid is pos(delta) of the README: sin half, then cos half.
func sinusoid(delta float64, d int) []float64 {
	p := make([]float64, d)
	for j := range d / 2 {
		f := 1 / math.Pow(10000, float64(2*j)/float64(d))
		p[j], p[d/2+j] = math.Sin(delta*f), math.Cos(delta*f)
	}
	return p
}

var _ = registerRef((*refModel).txl, "transformer_xl")

// txl runs one Transformer-XL segment of one sequence with memory mems [n_layer][m][d]
// (nil or empty rows for the first segment). BD is computed the way the reference
// program does it, with rel_shift, not with the direct formula the ops use.
func (m *refModel) txl(ids []int, mems [][][]float64) refOut {
	a := m.a
	d, T := a.DModel, len(ids)
	var r refOut
	x := make([][]float64, T)
	for t, v := range ids {
		x[t] = m.embedding("word_emb.", v)
	}
	r.hidden = append(r.hidden, x)
	for i := range a.NLayer {
		p := fmt.Sprintf("layers.%d.dec_attn.", i)
		H := a.NHead[i]
		dh := d / H
		hd := H * dh
		var mem [][]float64
		if mems != nil {
			mem = mems[i]
		}
		mlen := len(mem)
		c := append(append([][]float64(nil), mem...), x...)
		K := len(c)
		keep := min(a.MemLen, K)
		r.mems = append(r.mems, c[K-keep:])
		w := m.get(p + "qkv_net.weight")
		q := make([][]float64, T)
		for t := range T {
			q[t] = linear(x[t], w[:hd*d], nil, hd)
		}
		kc := make([][]float64, K)
		vc := make([][]float64, K)
		for j := range K {
			kc[j] = linear(c[j], w[hd*d:2*hd*d], nil, hd)
			vc[j] = linear(c[j], w[2*hd*d:], nil, hd)
		}
		// r rows for pos_seq = K-1, …, 0.
		rr := make([][]float64, K)
		for k := range K {
			rr[k] = linear(sinusoid(float64(K-1-k), d), m.get(p+"r_net.weight"), nil, hd)
		}
		u := m.get(fmt.Sprintf("r_w_bias_%d", i))
		wb := m.get(fmt.Sprintf("r_r_bias_%d", i))
		att := make([][]float64, T)
		for t := range T {
			att[t] = make([]float64, hd)
		}
		for n := range H {
			sl := func(v []float64) []float64 { return v[n*dh : (n+1)*dh] }
			// BD_raw [T, K], then rel_shift: pad a zero column, view as [K+1, T], drop
			// the first row, view as [T, K].
			padded := make([]float64, T*(K+1))
			for t := range T {
				qw := add64(sl(q[t]), sl(wb))
				for k := range K {
					padded[t*(K+1)+k+1] = dot64(qw, sl(rr[k]))
				}
			}
			bd := padded[T:]
			for t := range T {
				qu := add64(sl(q[t]), sl(u))
				s := make([]float64, mlen+t+1) // keys j > mlen + t are masked
				for j := range s {
					s[j] = (dot64(qu, sl(kc[j])) + bd[t*K+j]) / math.Sqrt(float64(dh))
				}
				softmaxInPlace(s)
				for j, pj := range s {
					for e := range dh {
						att[t][n*dh+e] += pj * vc[j][n*dh+e]
					}
				}
			}
		}
		out := make([][]float64, T)
		for t := range T {
			y := ln(add64(x[t], linear(att[t], m.get(p+"o_net.weight"), nil, d)), m.get(p+"layer_norm.weight"), m.get(p+"layer_norm.bias"))
			f := fmt.Sprintf("layers.%d.pos_ff.", i)
			z := linear(y, m.get(f+"CoreNet.0.weight"), m.get(f+"CoreNet.0.bias"), a.DInner[i])
			for e := range z {
				z[e] = math.Max(z[e], 0)
			}
			out[t] = ln(add64(y, linear(z, m.get(f+"CoreNet.3.weight"), m.get(f+"CoreNet.3.bias"), d)), m.get(f+"layer_norm.weight"), m.get(f+"layer_norm.bias"))
		}
		x = out
		r.hidden = append(r.hidden, x)
	}
	r.final = x
	for t := range T {
		lg, lp := m.outputLayer("word_emb.", "crit.", x[t])
		r.logits, r.lp = append(r.logits, lg), append(r.lp, lp)
	}
	return r
}
