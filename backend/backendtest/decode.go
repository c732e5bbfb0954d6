package backendtest

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/golden"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// RunDecode is the conformance suite of the cached forward pass (model.BuildDecode):
// generating a sequence token by token over a KV cache, with or without a prefill of
// its first half, gives at every position the output of the full forward pass over the
// sequence. For every model case (heterogeneous heads, adaptive inputs and outputs,
// batch > 1) the outputs are checked against the float64 reference of the same
// protocol — GPT-2: one pass over the whole sequence; Transformer-XL: the prefill as a
// segment, then one-token segments with the memory — within the golden tolerance,
// and against the backend's own full forward pass over the whole sequence at the
// positions where the protocols agree (all of them for GPT-2; for Transformer-XL those
// whose context still fits in mem_len).
func RunDecode(t *testing.T, open func() (backend.Backend, error)) {
	be, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	for i, c := range modelCases {
		t.Run(c.name, func(t *testing.T) {
			a := c.arch(t)
			L := decodeLen(a, c)
			checkGenerate(t, be, a, StressWeights(a, uint64(200+i)), c.name, c.batch, L, []int{0, L / 2}, uint64(i))
		})
	}
	// Contexts longer than a CPU key chunk (128): the attention over the cache folds
	// several chunks into its softmax, for plain and relative positions; and a head
	// wider than the CPU's stack copy of Transformer-XL's biased queries (512).
	for i, c := range longCases {
		t.Run(c.name, func(t *testing.T) {
			a := c.arch(t)
			checkGenerate(t, be, a, StressWeights(a, uint64(300+i)), c.name, c.batch, c.seq, []int{c.seq - 6}, uint64(100+i))
		})
	}
	t.Run("golden", func(t *testing.T) { testDecodeGolden(t, be) })
}

// longCases are the long-context and wide-head cases of RunDecode: seq is the
// sequence length L, generated after a prompt of L-6 tokens.
var longCases = []modelCase{
	{"gpt2_long", `{"model_type": "gpt2", "n_layer": 1, "d_model": 16, "n_head": [2], "d_inner": [24], "vocab_size": 19, "n_positions": 300}`, 1, 300, 1},
	{"txl_long", `{"model_type": "transformer_xl", "n_layer": 2, "d_model": 16, "n_head": [1, 4], "d_inner": [16, 16], "vocab_size": 17, "tgt_len": 150, "mem_len": 140}`, 1, 150, 1},
	{"txl_wide_head", `{"model_type": "transformer_xl", "n_layer": 1, "d_model": 520, "n_head": [1], "d_inner": [16], "vocab_size": 17, "tgt_len": 12, "mem_len": 8}`, 2, 12, 1},
}

// checkGenerate generates sequences of L random tokens after each prompt length and
// checks every position against the float64 reference and the full forward pass.
func checkGenerate(t *testing.T, be backend.Backend, a *space.Arch, w *model.Weights, name string, batch, L int, prompts []int, seed uint64) {
	t.Helper()
	ids := randomIDs(rand.New(rand.NewPCG(seed, 2)), a.NToken, batch, L, 1)[0]
	full := fullForward(t, be, w, batch, L, ids)
	for _, prompt := range prompts {
		got, err := Generate(be, w, batch, L, Passes(L, prompt), ids)
		if err != nil {
			t.Fatalf("prompt %d: %v", prompt, err)
		}
		want := referenceGenerate(w, batch, L, prompt, ids)
		where := fmt.Sprintf("%s prompt %d of %d", name, prompt, L)
		worst := 0.0
		for p := range L {
			e := make([]float32, len(want[p]))
			for j, v := range want[p] {
				e[j] = float32(v)
			}
			d, tol := golden.MaxDiff(got[p], e), golden.Tolerance(e)
			worst = max(worst, d)
			if d > tol {
				t.Errorf("%s: position %d differs from the float64 reference by %.3g > %.3g", where, p, d, tol)
			}
		}
		same, differ := compareFull(t, a, where, got, full, batch)
		t.Logf("%s: max |decode - float64 reference| %.3g; equal to the full forward at %d positions, beyond mem_len at %d", where, worst, same, differ)
	}
}

// testDecodeGolden runs the golden bundles with cached passes and compares with their
// expected outputs: GPT-2 token by token (and after a prefill of half the sequence);
// Transformer-XL token by token through its first segment (which fits in its memory)
// and segment by segment as passes of tgt_len tokens over the cache (the bundles'
// segment protocol).
func testDecodeGolden(t *testing.T, be backend.Backend) {
	root, err := golden.Dir()
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := filepath.Glob(filepath.Join(root, "*", "expected.safetensors"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden bundles under %s", root)
	}
	for _, f := range dirs {
		dir := filepath.Dir(f)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			a, err := space.LoadArch(filepath.Join(dir, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			w, err := model.LoadWeights(a, filepath.Join(dir, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			segs, B, T, err := golden.ReadInputs(a, filepath.Join(dir, "inputs.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := golden.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out := "logits"
			if a.IsAdaptive() {
				out = "log_probs"
			}
			check := func(what string, got [][]float32, e golden.Tensor) {
				t.Helper()
				// got is [T][B·V]; e is [B, T, V].
				V := a.NToken
				g := make([]float32, len(e.Data))
				for p := range got {
					for b := range B {
						copy(g[(b*len(got)+p)*V:(b*len(got)+p+1)*V], got[p][b*V:(b+1)*V])
					}
				}
				d, tol := golden.MaxDiff(g, e.Data), golden.Tolerance(e.Data)
				t.Logf("%s %s: max diff %.3g (tolerance %.3g)", name, what, d, tol)
				if d > tol {
					t.Errorf("%s %s: %s differs from the golden bundle by %.3g > %.3g", name, what, out, d, tol)
				}
			}
			if !a.ModelType().Memory {
				for _, prompt := range []int{0, T / 2} {
					got, err := Generate(be, w, B, T, Passes(T, prompt), segs[0])
					if err != nil {
						t.Fatal(err)
					}
					check(fmt.Sprintf("token by token after a prompt of %d", prompt), got, want[out])
				}
				return
			}
			if a.MemLen+1 < T {
				t.Fatalf("%s: mem_len %d is shorter than a segment", name, a.MemLen)
			}
			got, err := Generate(be, w, B, T, Passes(T, 0), segs[0])
			if err != nil {
				t.Fatal(err)
			}
			check("segment 1 token by token", got, want[out+"_seg1"])
			all := make([]int32, 0, B*T*len(segs))
			for b := range B {
				for _, s := range segs {
					all = append(all, s[b*T:(b+1)*T]...)
				}
			}
			passes := make([]int, len(segs))
			for i := range passes {
				passes[i] = T
			}
			L := T * len(segs)
			got, err = Generate(be, w, B, L, passes, all)
			if err != nil {
				t.Fatal(err)
			}
			for s := range segs {
				check(fmt.Sprintf("segment %d as one cached pass", s+1), got[s*T:(s+1)*T], want[fmt.Sprintf("%s_seg%d", out, s+1)])
			}
		})
	}
}

// decodeLen is the length of the generated sequences of a case: the case's sequence for
// GPT-2 (up to n_positions); for Transformer-XL twice its segment, which is longer than
// the memory of the cases that have one.
func decodeLen(a *space.Arch, c modelCase) int {
	if a.ModelType().Memory {
		return 2 * c.seq
	}
	return c.seq
}

// Passes is the generation protocol as cached passes: a prefill of the first prompt
// tokens (none when prompt is 0), then one decode step per remaining token up to L.
func Passes(L, prompt int) []int {
	var p []int
	if prompt > 0 {
		p = append(p, prompt)
	}
	for range L - prompt {
		p = append(p, 1)
	}
	return p
}

// Generate runs cached forward passes of the given lengths one after another over the
// sequences ids [B, L] (the lengths add up to L), all graphs compiled together so that
// they share the cache, from an empty cache. It returns the output (logits for plain
// GPT-2, else log-probabilities) at every position, [L][B·V]: a pass of one token
// computes its last position, a longer one every position.
func Generate(be backend.Backend, w *model.Weights, batch, L int, passes []int, ids []int32) ([][]float32, error) {
	a := w.Arch
	var shapes []model.DecodeShape
	start := 0
	cap := model.CacheCap(a, passes)
	for _, n := range passes {
		shapes = append(shapes, model.DecodeShape{Batch: batch, Seq: n, Start: start, Cap: cap})
		start += n
	}
	if start != L {
		return nil, fmt.Errorf("passes of %v tokens for sequences of %d", passes, L)
	}
	var graphs []*model.Graph
	for _, s := range shapes {
		o := model.BuildOptions{Output: model.OutputLast}
		if s.Seq > 1 {
			o.Output = model.OutputFull
		}
		g, err := model.BuildDecode(a, s, o)
		if err != nil {
			return nil, err
		}
		graphs = append(graphs, g)
	}
	exe, err := compileChecked(be, w, graphs)
	if err != nil {
		return nil, err
	}
	defer exe.Close()
	V := a.NToken
	out := make([][]float32, L)
	for gi, g := range graphs {
		s := shapes[gi]
		step := make([]int32, 0, batch*s.Seq)
		for b := range batch {
			step = append(step, ids[b*L+s.Start:b*L+s.Start+s.Seq]...)
		}
		if err := exe.SetIDs(gi, step); err != nil {
			return nil, err
		}
		if err := exe.Run(gi); err != nil {
			return nil, err
		}
		name := "logits"
		if a.IsAdaptive() {
			name = "log_probs"
		}
		id, ok := g.Outputs[name]
		if !ok {
			return nil, fmt.Errorf("decode graph at %d has no %s", s.Start, name)
		}
		o, err := read(exe, gi, g, id)
		if err != nil {
			return nil, err
		}
		// o is [B, V] (last) or [B, T, V] (full): position Start+t of row b.
		for t := range s.Seq {
			row := make([]float32, 0, batch*V)
			for b := range batch {
				row = append(row, o.Data[(b*s.Seq+t)*V:(b*s.Seq+t+1)*V]...)
			}
			out[s.Start+t] = row
		}
	}
	return out, nil
}

// referenceGenerate is Generate's protocol in the float64 reference, [L][B·V].
func referenceGenerate(w *model.Weights, batch, L, prompt int, ids []int32) [][]float64 {
	a := w.Arch
	ref := newRefModel(w)
	out := make([][]float64, L)
	pick := func(o refOut, t int) []float64 {
		if a.IsAdaptive() {
			return o.lp[t]
		}
		return o.logits[t]
	}
	for b := range batch {
		seq := make([]int, L)
		for t := range L {
			seq[t] = int(ids[b*L+t])
		}
		if !a.ModelType().Memory {
			o := ref.forward(seq, nil)
			for t := range L {
				out[t] = append(out[t], pick(o, t)...)
			}
			continue
		}
		var mems [][][]float64
		if prompt > 0 {
			o := ref.forward(seq[:prompt], nil)
			for t := range prompt {
				out[t] = append(out[t], pick(o, t)...)
			}
			mems = o.mems
		}
		for t := prompt; t < L; t++ {
			o := ref.forward(seq[t:t+1], mems)
			out[t] = append(out[t], pick(o, 0)...)
			mems = o.mems
		}
	}
	return out
}

// fullForward runs the backend's forward pass over the whole sequences and returns
// its output [B, L, V].
func fullForward(t *testing.T, be backend.Backend, w *model.Weights, batch, L int, ids []int32) Named {
	t.Helper()
	o, err := RunSegments(be, w, batch, L, [][]int32{ids}, model.BuildOptions{Output: model.OutputFull})
	if err != nil {
		t.Fatal(err)
	}
	return output(w.Arch, o[0])
}

// compareFull checks the generated outputs against the full forward pass where the
// two protocols agree: every position for GPT-2, positions ≤ mem_len for a model with
// a memory (their context is all in the memory). It returns how many positions it
// found equal, and for a memory shorter than the sequence how many later positions
// differ (they must: the memory cut their context).
func compareFull(t *testing.T, a *space.Arch, where string, got [][]float32, full Named, batch int) (same, differ int) {
	t.Helper()
	L, V := len(got), a.NToken
	for p := range L {
		var f []float32
		for b := range batch {
			f = append(f, full.Data[(b*L+p)*V:(b*L+p+1)*V]...)
		}
		inMemory := !a.ModelType().Memory || p <= a.MemLen
		eq := closeRel(got[p], f, 1e-4)
		switch {
		case inMemory && !eq:
			t.Errorf("%s: position %d differs from the full forward pass by %.3g", where, p, golden.MaxDiff(got[p], f))
		case inMemory:
			same++
		case !closeRel(got[p], f, 1e-3):
			differ++
		}
	}
	if a.ModelType().Memory && a.MemLen+1 < L && differ == 0 {
		t.Errorf("%s: mem_len %d < %d positions, yet every later position equals the full forward pass", where, a.MemLen, L)
	}
	return same, differ
}
