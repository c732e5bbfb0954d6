package backendtest

import (
	"fmt"
	"math"
)

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
