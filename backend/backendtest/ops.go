package backendtest

import (
	"fmt"
	"math"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/model"
)

// testOps runs every op kind alone on random data against its float64 reference.
func testOps(t *testing.T, open func() (backend.Backend, error)) {
	t.Run("embed", func(t *testing.T) {
		for i, c := range []struct {
			n, t, d, v int
			pos        bool
		}{{15, 5, 7, 11, true}, {3, 3, 5, 4, false}, {1, 1, 1, 1, true}} {
			o := newOpGraph(uint64(i), c.v)
			ids := o.tokenIDs(c.n/c.t, c.t)
			table := o.input("table", 1, c.v, c.d)
			pos, posVals := -1, []float64(nil)
			if c.pos {
				pos = o.input("pos", 1, c.t+2, c.d) // longer than T, as wpe
				posVals = o.vals[pos]
			}
			want := refEmbed(o.ids, o.vals[table], posVals, c.n, c.t, c.d)
			out := o.output("out", want, c.n, c.d)
			o.op(&model.Embed{IDs: ids, Table: table, Pos: pos, Out: out, N: c.n, T: c.t, D: c.d})
			t.Run(fmt.Sprint(c), func(t *testing.T) { o.run(t, open) })
		}
	})

	t.Run("adaptive_embed", func(t *testing.T) {
		for i, c := range []struct {
			ends, demb []int
			proj       []bool
			d, n, t    int
			pos        bool
		}{
			{[]int{0, 4, 9, 13}, []int{8, 4, 2}, []bool{true, true, true}, 6, 14, 7, false}, // div_val 2
			{[]int{0, 13}, []int{6}, []bool{false}, 6, 10, 5, false},                        // one table, d_embed = d_model
			{[]int{0, 13}, []int{9}, []bool{true}, 6, 10, 10, true},                         // one table, projected, positions
			{[]int{0, 3, 13}, []int{5, 2}, []bool{false, true}, 5, 9, 3, true},              // a cluster without projection
		} {
			o := newOpGraph(uint64(10+i), c.ends[len(c.ends)-1])
			ids := o.tokenIDs(c.n/c.t, c.t)
			op := &model.AdaptiveEmbed{IDs: ids, Ends: c.ends, DEmb: c.demb, Scale: 2.5, Pos: -1, N: c.n, T: c.t, D: c.d}
			var tables, projs [][]float64
			for k := range c.demb {
				tb := o.input(fmt.Sprintf("table%d", k), 1, c.ends[k+1]-c.ends[k], c.demb[k])
				op.Tables = append(op.Tables, tb)
				tables = append(tables, o.vals[tb])
				p := -1
				if c.proj[k] {
					p = o.input(fmt.Sprintf("proj%d", k), 0.5, c.d, c.demb[k])
				}
				op.Projs = append(op.Projs, p)
				projs = append(projs, o.vals[p])
			}
			var posVals []float64
			if c.pos {
				op.Pos = o.input("pos", 1, c.t, c.d)
				posVals = o.vals[op.Pos]
			}
			want := refAdaptiveEmbed(o.ids, tables, projs, c.ends, c.demb, 2.5, posVals, c.n, c.t, c.d)
			op.Out = o.output("out", want, c.n, c.d)
			o.op(op)
			t.Run(fmt.Sprint(c.ends, c.demb, c.proj), func(t *testing.T) { o.run(t, open) })
		}
	})

	t.Run("layer_norm", func(t *testing.T) {
		for i, c := range []struct{ rows, d int }{{7, 33}, {1, 5}, {3, 1}} {
			o := newOpGraph(uint64(20+i), 1)
			x := o.weight("x", shift(o.rand32(c.rows*c.d, 3), 40), c.rows, c.d) // a large mean
			g := o.input("g", 2, c.d)
			b := o.input("b", 1, c.d)
			want := refLayerNorm(o.vals[x], o.vals[g], o.vals[b], c.rows, c.d, 1e-5)
			out := o.output("out", want, c.rows, c.d)
			o.op(&model.LayerNorm{X: x, G: g, B: b, Out: out, Rows: c.rows, D: c.d, Eps: 1e-5})
			t.Run(fmt.Sprint(c), func(t *testing.T) { o.run(t, open) })
		}
	})

	t.Run("matmul", func(t *testing.T) {
		for i, c := range []struct {
			m, n, k   int
			transW    bool
			bias, res bool
			act       model.Act
			ldc, col0 int // ldc 0: contiguous
		}{
			{13, 17, 19, false, true, false, model.ActNone, 0, 0},
			{13, 17, 19, true, true, true, model.ActNone, 0, 0},
			{1, 33, 70, true, false, false, model.ActNone, 0, 0}, // M = 1
			{9, 40, 11, false, true, false, model.ActGELU, 0, 0},
			{9, 40, 11, true, true, false, model.ActReLU, 0, 0},
			{5, 7, 1, false, true, true, model.ActGELU, 0, 0},    // K = 1
			{6, 5, 8, true, true, false, model.ActNone, 19, 3},   // a column band
			{6, 5, 8, false, false, true, model.ActNone, 12, 7},  // band at the right edge
			{70, 65, 300, true, true, true, model.ActReLU, 0, 0}, // several blocks
		} {
			o := newOpGraph(uint64(30+i), 1)
			a := o.input("a", 1, c.m, c.k)
			w := o.input("w", 1/math.Sqrt(float64(c.k)), c.k*c.n)
			bias, res := -1, -1
			var biasVals, resVals []float64
			if c.bias {
				bias = o.input("bias", 1, c.n)
				biasVals = o.vals[bias]
			}
			if c.res {
				res = o.input("res", 1, c.m, c.n)
				resVals = o.vals[res]
			}
			want := refMatMul(o.vals[a], o.vals[w], biasVals, resVals, c.m, c.n, c.k, c.transW, int(c.act))
			var out int
			if c.ldc > 0 {
				out = o.band("out", want, c.m, c.n, c.ldc, c.col0)
			} else {
				out = o.output("out", want, c.m, c.n)
			}
			o.op(&model.MatMul{A: a, W: w, Bias: bias, Residual: res, Out: out, M: c.m, N: c.n, K: c.k, TransW: c.transW, Act: c.act, LDC: c.ldc})
			t.Run(fmt.Sprint(c), func(t *testing.T) { o.run(t, open) })
		}
	})

	t.Run("causal_attention", func(t *testing.T) {
		for i, c := range []struct{ b, t, d, h int }{
			{2, 9, 12, 3}, {1, 9, 12, 1}, {2, 5, 6, 6}, {1, 1, 4, 2}, {2, 70, 8, 2}, // 70 keys: more than one chunk
		} {
			o := newOpGraph(uint64(40+i), 1)
			qkv := o.input("qkv", 2, c.b, c.t, 3*c.d) // peaked softmax
			want := refCausalAttention(o.vals[qkv], c.b, c.t, c.d, c.h)
			out := o.output("out", want, c.b, c.t, c.d)
			o.op(&model.CausalAttention{QKV: qkv, Out: out, B: c.b, T: c.t, D: c.d, H: c.h})
			t.Run(fmt.Sprint(c), func(t *testing.T) { o.run(t, open) })
		}
	})

	t.Run("rel_attention", func(t *testing.T) {
		for i, c := range []struct{ b, t, m, h, dh int }{
			{2, 5, 0, 2, 3},   // no memory
			{2, 5, 7, 2, 3},   // memory longer than the segment
			{3, 6, 2, 4, 2},   // memory shorter than the segment
			{1, 3, 4, 1, 300}, // one wide head (more than one stack chunk of q + bias)
			{1, 20, 50, 3, 4}, // 70 keys: more than one chunk of scores
			{1, 1, 0, 1, 1},   // one position
		} {
			o := newOpGraph(uint64(50+i), 1)
			k, hd := c.m+c.t, c.h*c.dh
			sc := 2 / math.Sqrt(math.Sqrt(float64(c.dh)))
			q := o.input("q", sc, c.b, c.t, hd)
			kv := o.input("kv", sc, c.b, k, 2*hd)
			r := o.input("r", sc, k, hd)
			rw := o.input("rw", 0.5, c.h, c.dh)
			rr := o.input("rr", 0.5, c.h, c.dh)
			want := refRelAttention(o.vals[q], o.vals[kv], o.vals[r], o.vals[rw], o.vals[rr], c.b, c.t, k, c.h, c.dh)
			out := o.output("out", want, c.b, c.t, hd)
			o.op(&model.RelAttention{Q: q, KV: kv, R: r, RWBias: rw, RRBias: rr, Out: out, B: c.b, T: c.t, K: k, H: c.h, Dh: c.dh})
			t.Run(fmt.Sprint(c), func(t *testing.T) { o.run(t, open) })
		}
	})

	t.Run("sinusoid", func(t *testing.T) {
		for i, c := range []struct{ p, d int }{{9, 10}, {1, 2}, {300, 64}} {
			o := newOpGraph(uint64(60+i), 1)
			want := refSinusoid(c.p, c.d)
			out := o.output("out", want, c.p, c.d)
			o.op(&model.Sinusoid{Out: out, P: c.p, D: c.d})
			o.tol = 1e-6
			t.Run(fmt.Sprint(c), func(t *testing.T) { o.run(t, open) })
		}
	})

	t.Run("concat_mem", func(t *testing.T) {
		for i, c := range []struct{ b, m, t, d int }{{2, 3, 4, 5}, {2, 0, 4, 5}, {1, 6, 1, 3}} {
			o := newOpGraph(uint64(70+i), 1)
			mem, memVals := -1, []float64(nil)
			if c.m > 0 {
				mem = o.input("mem", 1, c.b, c.m, c.d)
				memVals = o.vals[mem]
			}
			x := o.input("x", 1, c.b, c.t, c.d)
			want := refConcatMem(memVals, o.vals[x], c.b, c.m, c.t, c.d)
			out := o.output("out", want, c.b, c.m+c.t, c.d)
			o.op(&model.ConcatMem{Mem: mem, X: x, Out: out, B: c.b, M: c.m, T: c.t, D: c.d})
			o.tol = 0
			t.Run(fmt.Sprint(c), func(t *testing.T) { o.run(t, open) })
		}
	})

	t.Run("mem_update", func(t *testing.T) {
		for i, c := range []struct{ b, k, mOut, d int }{{2, 7, 3, 4}, {3, 5, 5, 2}, {1, 4, 1, 6}} {
			o := newOpGraph(uint64(80+i), 1)
			x := o.input("c", 1, c.b, c.k, c.d)
			want := refMemUpdate(o.vals[x], c.b, c.k, c.mOut, c.d)
			out := o.output("out", want, c.b, c.mOut, c.d)
			o.op(&model.MemUpdate{C: x, Out: out, B: c.b, K: c.k, MOut: c.mOut, D: c.d})
			o.tol = 0
			t.Run(fmt.Sprint(c), func(t *testing.T) { o.run(t, open) })
		}
	})

	t.Run("take_last", func(t *testing.T) {
		for i, c := range []struct{ b, t, d int }{{3, 4, 5}, {2, 1, 3}} {
			o := newOpGraph(uint64(90+i), 1)
			x := o.input("x", 1, c.b, c.t, c.d)
			want := refTakeLast(o.vals[x], c.b, c.t, c.d)
			out := o.output("out", want, c.b, c.d)
			o.op(&model.TakeLast{X: x, Out: out, B: c.b, T: c.t, D: c.d})
			o.tol = 0
			t.Run(fmt.Sprint(c), func(t *testing.T) { o.run(t, open) })
		}
	})

	t.Run("log_softmax", func(t *testing.T) {
		for i, c := range []struct {
			rows, v int
			inPlace bool
		}{{5, 37, false}, {5, 37, true}, {1, 1, false}, {3, 1000, true}} {
			o := newOpGraph(uint64(100+i), 1)
			// Values up to 100: exp overflows float32 unless the maximum is subtracted.
			x := o.weight("x", shift(o.rand32(c.rows*c.v, 10), 90), c.rows, c.v)
			want := refLogSoftmax(o.vals[x], c.rows, c.v)
			var op *model.LogSoftmax
			if c.inPlace {
				y := o.copyOf("out", x, want, c.rows, c.v)
				op = &model.LogSoftmax{X: y, Out: y, Rows: c.rows, V: c.v}
			} else {
				op = &model.LogSoftmax{X: x, Out: o.output("out", want, c.rows, c.v), Rows: c.rows, V: c.v}
			}
			o.op(op)
			t.Run(fmt.Sprint(c), func(t *testing.T) { o.run(t, open) })
		}
	})

	t.Run("adaptive_log_softmax", func(t *testing.T) {
		for i, c := range []struct {
			n    int
			ends []int
		}{{4, []int{0, 5, 9, 20}}, {1, []int{0, 3, 7}}, {3, []int{0, 1, 2, 3, 40}}} {
			o := newOpGraph(uint64(110+i), 1)
			v, nc := c.ends[len(c.ends)-1], len(c.ends)-2
			x := o.weight("logits", shift(o.rand32(c.n*v, 8), 30), c.n, v)
			cl := o.weight("cluster", shift(o.rand32(c.n*nc, 8), 30), c.n, nc)
			want := refAdaptiveLogSoftmax(o.vals[x], o.vals[cl], c.n, c.ends)
			y := o.copyOf("out", x, want, c.n, v)
			o.op(&model.AdaptiveLogSoftmax{Logits: y, Cluster: cl, N: c.n, Ends: c.ends})
			t.Run(fmt.Sprint(c), func(t *testing.T) { o.run(t, open) })
		}
	})
}

// shift adds c to every value (rounded to float32 again).
func shift(v []float64, c float64) []float64 {
	for i := range v {
		v[i] = float64(float32(v[i] + c))
	}
	return v
}
