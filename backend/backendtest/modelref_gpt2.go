package backendtest

import (
	"fmt"
	"math"
)

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
