package cuda

import (
	"math"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// The biggest shapes the harness is asked to run — 64·1024 rows, GPT-2's and
// Transformer-XL's vocabularies (50257, 267735; logits of up to 1.75e10 elements),
// 2048 keys (1024 memory rows), d_model 1024 and 1600 with 1 to 25 heads — lower to
// launches inside CUDA's limits (grid x ≤ 2^31-1, y and z ≤ 65535, block ≤ the
// kernel's bound, dynamic shared memory ≤ the largest opt-in) and to GEMMs whose
// dimensions fit cuBLAS's 32-bit arguments with valid leading dimensions, every
// operand inside its region. Heads of 1024 and 1600 columns need the shared-memory
// opt-in.
func TestBiggestShapesFitTheLaunchLimits(t *testing.T) {
	cases := []struct {
		name, js string
		batch    int
		optIn    []*kernelSig
	}{
		{"gpt2 d1024 h1,16", `{"backbone": "gpt2", "n_layer": 2, "d_model": 1024, "n_head": [1, 16], "d_inner": [4096, 2048], "n_token": 50257, "n_positions": 1024}`, 64, nil},
		{"gpt2 d1600 h1,25", `{"backbone": "gpt2", "n_layer": 2, "d_model": 1600, "n_head": [1, 25], "d_inner": [6400, 3200], "n_token": 50257, "n_positions": 1024}`, 64, []*kernelSig{kCausalAttention}},
		{"gpt2 flex d1024", `{"backbone": "gpt2", "adaptive": true, "n_layer": 2, "d_model": 1024, "n_head": [2, 16], "d_inner": [4096, 2048], "n_token": 50257, "n_positions": 1024, "div_val": 4, "cutoffs": [19997, 39997]}`, 64, nil},
		{"txl adaptive d1024 h1,16", `{"backbone": "transformer_xl", "n_layer": 2, "d_model": 1024, "n_head": [1, 16], "d_inner": [4096, 2048], "n_token": 267735, "d_embed": 1024, "div_val": 4, "cutoffs": [19997, 39997, 199997], "tgt_len": 1024, "mem_len": 1024}`, 64, []*kernelSig{kRelAttention}},
		{"txl plain softmax d1024", `{"backbone": "transformer_xl", "n_layer": 2, "d_model": 1024, "n_head": [4, 16], "d_inner": [4096, 2048], "n_token": 267735, "div_val": 1, "cutoffs": [], "tgt_len": 1024, "mem_len": 1024}`, 64, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := space.ParseArch([]byte(c.js))
			if err != nil {
				t.Fatal(err)
			}
			g, err := model.Build(a, model.Shape{Batch: c.batch, Seq: a.TgtLen, Mem: a.MemLen, MemOut: a.MemLen}, model.BuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var most int64
			for _, tn := range g.Tensors {
				most = max(most, tn.Elems())
			}
			if most <= math.MaxInt32 {
				t.Fatalf("largest tensor has %d elements: this case does not pass 2^31", most)
			}
			steps, err := lower(g)
			if err != nil {
				t.Fatal(err)
			}
			size := [numRegions]int64{g.WeightBytes, g.ArenaBytes, g.StateBytes}
			for _, s := range steps {
				if l := s.launch; l != nil {
					checkLaunchLimits(t, l)
					continue
				}
				checkGemmLimits(t, s.gemm, size)
			}
			opt := smemOptIns([][]step{steps})
			for _, k := range c.optIn {
				if _, ok := opt[k]; !ok {
					t.Errorf("%s is not opted in to more than 48 KiB of shared memory", k.Name)
				}
			}
			if len(opt) != len(c.optIn) {
				t.Errorf("opt-ins %v, want %d", opt, len(c.optIn))
			}
		})
	}
}

func checkLaunchLimits(t *testing.T, l *launchStep) {
	t.Helper()
	g, b := l.grid, l.block
	if g[0] < 1 || g[0] > math.MaxInt32 || g[1] < 1 || g[1] > 65535 || g[2] < 1 || g[2] > 65535 {
		t.Errorf("%s %s: grid %v", l.label, l.k.Name, g)
	}
	if b[0] < 32 || b[0]%32 != 0 || int(b[0]) > l.k.MaxThreads || b[1] != 1 || b[2] != 1 {
		t.Errorf("%s %s: block %v (bound %d)", l.label, l.k.Name, b, l.k.MaxThreads)
	}
	if l.smem > maxDynamicSmem {
		t.Errorf("%s %s: %d bytes of dynamic shared memory", l.label, l.k.Name, l.smem)
	}
	if len(l.args) != len(l.k.Params) {
		t.Errorf("%s %s: %d arguments", l.label, l.k.Name, len(l.args))
	}
}

// checkGemmLimits checks cuBLAS's argument rules (m, n, k ≥ 0, lda ≥ rows of op(A)'s
// storage, ldb likewise, ldc ≥ m) and that every operand lies in its region.
func checkGemmLimits(t *testing.T, s *gemmStep, size [numRegions]int64) {
	t.Helper()
	c := s.call
	for _, v := range []int{c.M, c.N, c.K, c.LDA, c.LDB, c.LDC} {
		if v <= 0 || v > math.MaxInt32 {
			t.Errorf("%s: GEMM argument %d outside 1..2^31-1: %+v", s.label, v, c)
		}
	}
	rowsA, colsA := c.M, c.K
	if c.TransA {
		rowsA, colsA = c.K, c.M
	}
	rowsB, colsB := c.K, c.N
	if c.TransB {
		rowsB, colsB = c.N, c.K
	}
	if c.LDA < rowsA || c.LDB < rowsB || c.LDC < c.M {
		t.Errorf("%s: leading dimensions %d, %d, %d below %d, %d, %d", s.label, c.LDA, c.LDB, c.LDC, rowsA, rowsB, c.M)
	}
	for _, op := range []struct {
		name       string
		ref        devRef
		rows, cols int
		ld         int
	}{{"A", s.a, rowsA, colsA, c.LDA}, {"B", s.b, rowsB, colsB, c.LDB}, {"C", s.c, c.M, c.N, c.LDC}} {
		end := op.ref.off + (int64(op.cols-1)*int64(op.ld)+int64(op.rows))*4
		if op.ref.reg >= numRegions || op.ref.off < 0 || end > size[op.ref.reg] {
			t.Errorf("%s: operand %s [%d, %d) outside the %s region of %d bytes", s.label, op.name, op.ref.off, end, op.ref.reg, size[op.ref.reg])
		}
	}
}

// A head of 1600 columns needs 51712 bytes of shared memory per block (opted in); a
// head too wide for any GPU is a lowering error naming the kernel; the device's own
// limit is checked at Compile.
func TestWideHeadsNeedTheSharedMemoryOptIn(t *testing.T) {
	l := &lowering{label: "op 3 causal_attention"}
	l.causalAttention(devRef{regArena, 0}, devRef{regArena, 1 << 20}, 2, 5, 1, 1600)
	l.relAttention(devRef{regArena, 0}, devRef{regArena, 0}, devRef{regArena, 0}, devRef{regWeights, 0}, nullRef, nullRef, 2, 5, 9, 2, 1014)
	l.relAttention(devRef{regArena, 0}, devRef{regArena, 0}, devRef{regArena, 0}, devRef{regWeights, 0}, nullRef, nullRef, 2, 5, 9, 2, 1013)
	if l.err != nil {
		t.Fatal(l.err)
	}
	got := smemOptIns([][]step{l.steps})
	if n := got[kCausalAttention]; n.bytes != 4*(2*1600+32)*4 || n.label != "op 3 causal_attention" {
		t.Errorf("causal opt-in %+v, want %d bytes", n, 4*(2*1600+32)*4)
	}
	if n := got[kRelAttention]; n.bytes != 4*(3*1014+32)*4 { // Dh 1013 fits in 48 KiB
		t.Errorf("relative opt-in %+v, want %d bytes", n, 4*(3*1014+32)*4)
	}
	if err := checkSmemOptIn(kCausalAttention, got[kCausalAttention], 99<<10); err != nil {
		t.Errorf("99 KiB device: %v", err)
	}
	if err := checkSmemOptIn(kCausalAttention, got[kCausalAttention], 48<<10); err == nil || !strings.Contains(err.Error(), "op 3 causal_attention") {
		t.Errorf("48 KiB device: %v, want an error naming the op", err)
	}
	l = &lowering{label: "op 4"}
	l.causalAttention(devRef{regArena, 0}, devRef{regArena, 0}, 1, 1, 1, 14600)
	if l.err == nil || !strings.Contains(l.err.Error(), "causal_attention_f32") {
		t.Errorf("a 14600-column head: %v, want a lowering error", l.err)
	}
}

// lower returns the steps of graph g with cuBLAS GEMMs.
func lower(g *model.Graph) ([]step, error) { return lowerWith(g, false) }
