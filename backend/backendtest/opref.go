package backendtest

import "math"

// Float64 references of the ops, each written from its doc comment in model/ops.go.
// Slices are row-major as the ops say; results are fresh slices.

func refEmbed(ids []int32, table, pos []float64, n, t, d int) []float64 {
	out := make([]float64, n*d)
	for r := range n {
		for j := range d {
			v := table[int(ids[r])*d+j]
			if pos != nil {
				v += pos[(r%t)*d+j]
			}
			out[r*d+j] = v
		}
	}
	return out
}

// refAdaptiveEmbed: projs[c] nil when cluster c has none (then demb[c] = d).
func refAdaptiveEmbed(ids []int32, tables, projs [][]float64, ends, demb []int, scale float64, pos []float64, n, t, d int) []float64 {
	out := make([]float64, n*d)
	for r := range n {
		v := int(ids[r])
		c := 0
		for v >= ends[c+1] {
			c++
		}
		de := demb[c]
		e := tables[c][(v-ends[c])*de : (v-ends[c]+1)*de]
		for i := range d {
			var x float64
			if projs[c] != nil {
				for k := range de {
					x += projs[c][i*de+k] * e[k]
				}
			} else {
				x = e[i]
			}
			x *= scale
			if pos != nil {
				x += pos[(r%t)*d+i]
			}
			out[r*d+i] = x
		}
	}
	return out
}

func refLayerNorm(x, g, b []float64, rows, d int, eps float64) []float64 {
	out := make([]float64, rows*d)
	for r := range rows {
		xr := x[r*d : (r+1)*d]
		var mean, vr float64
		for _, v := range xr {
			mean += v
		}
		mean /= float64(d)
		for _, v := range xr {
			vr += (v - mean) * (v - mean)
		}
		vr /= float64(d)
		for i, v := range xr {
			out[r*d+i] = (v-mean)/math.Sqrt(vr+eps)*g[i] + b[i]
		}
	}
	return out
}

func gelu(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}

// act: 0 none, 1 gelu_new, 2 relu (model.Act values).
func refMatMul(a, w, bias, res []float64, m, n, k int, transW bool, act int) []float64 {
	out := make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s float64
			for l := range k {
				wv := w[l*n+j]
				if transW {
					wv = w[j*k+l]
				}
				s += a[i*k+l] * wv
			}
			if bias != nil {
				s += bias[j]
			}
			switch act {
			case 1:
				s = gelu(s)
			case 2:
				s = math.Max(s, 0)
			}
			if res != nil {
				s += res[i*n+j]
			}
			out[i*n+j] = s
		}
	}
	return out
}

func softmaxInPlace(s []float64) {
	m := math.Inf(-1)
	for _, v := range s {
		m = math.Max(m, v)
	}
	var z float64
	for i, v := range s {
		s[i] = math.Exp(v - m)
		z += s[i]
	}
	for i := range s {
		s[i] /= z
	}
}

func refCausalAttention(qkv []float64, B, T, D, H int) []float64 {
	dh := D / H
	out := make([]float64, B*T*D)
	for b := range B {
		row := func(t int) []float64 { return qkv[(b*T+t)*3*D:] }
		for h := range H {
			for t := range T {
				s := make([]float64, t+1)
				for j := range s {
					for i := range dh {
						s[j] += row(t)[h*dh+i] * row(j)[D+h*dh+i]
					}
					s[j] /= math.Sqrt(float64(dh))
				}
				softmaxInPlace(s)
				for j, p := range s {
					for i := range dh {
						out[(b*T+t)*D+h*dh+i] += p * row(j)[2*D+h*dh+i]
					}
				}
			}
		}
	}
	return out
}

func refRelAttention(q, kv, r, rw, rr []float64, B, T, K, H, dh int) []float64 {
	hd := H * dh
	m := K - T
	out := make([]float64, B*T*hd)
	for b := range B {
		for h := range H {
			for t := range T {
				s := make([]float64, m+t+1)
				for j := range s {
					delta := m + t - j
					var ac, bd float64
					for i := range dh {
						qv := q[(b*T+t)*hd+h*dh+i]
						ac += (qv + rw[h*dh+i]) * kv[(b*K+j)*2*hd+h*dh+i]
						bd += (qv + rr[h*dh+i]) * r[delta*hd+h*dh+i]
					}
					s[j] = (ac + bd) / math.Sqrt(float64(dh))
				}
				softmaxInPlace(s)
				for j, p := range s {
					for i := range dh {
						out[(b*T+t)*hd+h*dh+i] += p * kv[(b*K+j)*2*hd+hd+h*dh+i]
					}
				}
			}
		}
	}
	return out
}

func refSinusoid(p, d int) []float64 {
	out := make([]float64, p*d)
	for delta := range p {
		for j := range d / 2 {
			f := 1 / math.Pow(10000, float64(2*j)/float64(d))
			out[delta*d+j] = math.Sin(float64(delta) * f)
			out[delta*d+d/2+j] = math.Cos(float64(delta) * f)
		}
	}
	return out
}

func refConcatMem(mem, x []float64, B, M, T, D int) []float64 {
	out := make([]float64, 0, B*(M+T)*D)
	for b := range B {
		out = append(out, mem[b*M*D:(b+1)*M*D]...)
		out = append(out, x[b*T*D:(b+1)*T*D]...)
	}
	return out
}

func refMemUpdate(c []float64, B, K, mOut, D int) []float64 {
	out := make([]float64, 0, B*mOut*D)
	for b := range B {
		out = append(out, c[(b*K+K-mOut)*D:(b*K+K)*D]...)
	}
	return out
}

func refTakeLast(x []float64, B, T, D int) []float64 {
	out := make([]float64, 0, B*D)
	for b := range B {
		out = append(out, x[(b*T+T-1)*D:(b*T+T)*D]...)
	}
	return out
}

func logSoftmax64(x []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	var z float64
	for _, v := range x {
		z += math.Exp(v - m)
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v - m - math.Log(z)
	}
	return out
}

func refLogSoftmax(x []float64, rows, v int) []float64 {
	out := make([]float64, 0, rows*v)
	for r := range rows {
		out = append(out, logSoftmax64(x[r*v:(r+1)*v])...)
	}
	return out
}

func refAdaptiveLogSoftmax(logits, cluster []float64, n int, ends []int) []float64 {
	v := ends[len(ends)-1]
	nc := len(ends) - 2
	out := make([]float64, n*v)
	for r := range n {
		row := logits[r*v : (r+1)*v]
		head := logSoftmax64(append(append([]float64(nil), row[:ends[1]]...), cluster[r*nc:(r+1)*nc]...))
		copy(out[r*v:], head[:ends[1]])
		for c := 1; c <= nc; c++ {
			tail := logSoftmax64(row[ends[c]:ends[c+1]])
			for i, lp := range tail {
				out[r*v+ends[c]+i] = head[ends[1]+c-1] + lp
			}
		}
	}
	return out
}
