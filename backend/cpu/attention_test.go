package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ltsbench/ltsbench/backend/cpu/kern"
	"github.com/ltsbench/ltsbench/model"
)

// opBench is a bare executable around one op at the shapes the presets run (heads of
// 64 and more, several key chunks), which the conformance suite's small cases do not
// reach: inputs in the weight slab, the output in the arena.
type opBench struct {
	e *Executable
	g *model.Graph
}

func newOpBench(threads int) *opBench {
	return &opBench{
		e: &Executable{w: &model.Weights{}, pool: kern.NewPool(threads)},
		g: &model.Graph{Outputs: map[string]int{}, IDs: -1},
	}
}

func (b *opBench) tensor(k model.Kind, vals []float32, shape ...int) int {
	t := &model.Tensor{ID: len(b.g.Tensors), Kind: k, DType: model.F32, Shape: shape, Base: -1}
	region := &b.e.w.Data
	if k != model.Weight {
		region = &b.e.arena
	}
	t.Off = int64(len(*region)) * 4
	if vals == nil {
		vals = make([]float32, t.Elems())
		for i := range vals {
			vals[i] = float32(math.NaN())
		}
	}
	*region = append(*region, vals...)
	b.g.Tensors = append(b.g.Tensors, t)
	return t.ID
}

// softmaxAV is Σ_j softmax(s)_j·v(j) in float64.
func softmaxAV(s []float64, v func(j int) []float32, dh int) []float64 {
	m := math.Inf(-1)
	for _, x := range s {
		m = max(m, x)
	}
	var z float64
	out := make([]float64, dh)
	for j, x := range s {
		p := math.Exp(x - m)
		z += p
		for c, vc := range v(j)[:dh] {
			out[c] += p * float64(vc)
		}
	}
	for c := range out {
		out[c] /= z
	}
	return out
}

func expectRows(t *testing.T, name string, got []float32, want [][]float64, ld int) {
	t.Helper()
	for i, w := range want {
		for c, x := range w {
			if g := float64(got[i*ld+c]); !(math.Abs(g-x) <= 2e-5*(1+math.Abs(x))) {
				t.Fatalf("%s: row %d col %d = %g, want %g", name, i, c, g, x)
			}
		}
	}
}

func TestCausalAttentionPresetShapes(t *testing.T) {
	for _, c := range []struct{ b, t, d, h int }{
		{1, 192, 768, 12}, // GPT-2 small: 16-row blocks, one key chunk
		{2, 300, 128, 2},  // three key chunks; a last block of 12 rows
		{1, 37, 240, 3},   // Dh = 80: 24+24+24+8 columns; rows not a multiple of 4
		{1, 20, 60, 2},    // Dh = 30: the tails of every tile
		{1, 40, 600, 2},   // Dh = 300: wider than the transposed path takes
	} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			paths(t, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(c.t), 1))
				ob := newOpBench(2)
				defer ob.e.pool.Close()
				D, T := c.d, c.t
				qkvVals := randVec(rng, c.b*T*3*D, 1.5)
				qkv := ob.tensor(model.Weight, qkvVals, c.b, T, 3*D)
				out := ob.tensor(model.Activation, nil, c.b, T, D)
				step, err := ob.e.causalAttention(ob.g, &model.CausalAttention{QKV: qkv, Out: out, B: c.b, T: T, D: D, H: c.h})
				if err != nil {
					t.Fatal(err)
				}
				step()
				got := ob.e.f32(ob.g, out)
				dh := D / c.h
				for b := range c.b {
					for h := range c.h {
						var want [][]float64
						for q := range T {
							s := make([]float64, q+1)
							for j := range s {
								for l := range dh {
									s[j] += float64(qkvVals[(b*T+q)*3*D+h*dh+l]) * float64(qkvVals[(b*T+j)*3*D+D+h*dh+l])
								}
								s[j] /= math.Sqrt(float64(dh))
							}
							want = append(want, softmaxAV(s, func(j int) []float32 { return qkvVals[(b*T+j)*3*D+2*D+h*dh:] }, dh))
						}
						expectRows(t, fmt.Sprintf("batch %d head %d", b, h), got[b*T*D+h*dh:], want, D)
					}
				}
			})
		})
	}
}

func TestRelAttentionPresetShapes(t *testing.T) {
	for _, c := range []struct{ b, t, m, h, dh int }{
		{1, 192, 192, 8, 64}, // Transformer-XL base: two key chunks
		{2, 40, 300, 2, 64},  // memory much longer than the segment
		{1, 50, 10, 3, 80},   // memory shorter than a block
		{1, 21, 0, 2, 30},    // no memory; tails of every tile
	} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			paths(t, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(c.t+c.m), 2))
				ob := newOpBench(2)
				defer ob.e.pool.Close()
				T, K, dh := c.t, c.t+c.m, c.dh
				hd := c.h * dh
				qv := randVec(rng, c.b*T*hd, 0.7)
				kvv := randVec(rng, c.b*K*2*hd, 0.7)
				rv := randVec(rng, K*hd, 0.7)
				uv, wv := randVec(rng, hd, 0.5), randVec(rng, hd, 0.5)
				q := ob.tensor(model.Weight, qv, c.b, T, hd)
				kv := ob.tensor(model.Weight, kvv, c.b, K, 2*hd)
				r := ob.tensor(model.Weight, rv, K, hd)
				u := ob.tensor(model.Weight, uv, c.h, dh)
				w := ob.tensor(model.Weight, wv, c.h, dh)
				out := ob.tensor(model.Activation, nil, c.b, T, hd)
				step, err := ob.e.relAttention(ob.g, &model.RelAttention{Q: q, KV: kv, R: r, RWBias: u, RRBias: w, Out: out, B: c.b, T: T, K: K, H: c.h, Dh: dh})
				if err != nil {
					t.Fatal(err)
				}
				step()
				got := ob.e.f32(ob.g, out)
				for b := range c.b {
					for h := range c.h {
						var want [][]float64
						for tq := range T {
							s := make([]float64, c.m+tq+1)
							for j := range s {
								delta := c.m + tq - j
								for l := range dh {
									qq := float64(qv[(b*T+tq)*hd+h*dh+l])
									s[j] += (qq+float64(uv[h*dh+l]))*float64(kvv[(b*K+j)*2*hd+h*dh+l]) +
										(qq+float64(wv[h*dh+l]))*float64(rv[delta*hd+h*dh+l])
								}
								s[j] /= math.Sqrt(float64(dh))
							}
							want = append(want, softmaxAV(s, func(j int) []float32 { return kvv[(b*K+j)*2*hd+hd+h*dh:] }, dh))
						}
						expectRows(t, fmt.Sprintf("batch %d head %d", b, h), got[b*T*hd+h*dh:], want, hd)
					}
				}
			})
		})
	}
}
