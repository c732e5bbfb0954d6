package cuda

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/backendtest"
	"github.com/ltsbench/ltsbench/internal/golden"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// TestDecodeEmulated runs the conformance suite of the cached forward pass through the
// CUDA backend's lowering and kernels on the CPU emulator: generating token by token
// (and after a prefill) equals the float64 reference and the backend's own full
// forward pass, for GPT-2 (heterogeneous heads), GPT-2 flex and Transformer-XL (a
// memory shorter than the sequence, so the cache ring wraps), and the golden bundles.
func TestDecodeEmulated(t *testing.T) {
	t.Parallel()
	h := harness(t)
	backendtest.RunDecode(t, func() (backend.Backend, error) {
		return &emuBackend{h: h, order: "shuffle", seed: 3}, nil
	})
}

// Transformer-XL's segments as cached passes of tgt_len tokens, with a memory shorter
// than the sequence and a cache of mem_len + tgt_len = 7 slots: the third pass writes
// positions 6, 7, 8 to slots 6, 0, 1 (the ring wraps inside a pass; the test checks
// that some pass does) and the fourth reads positions 5..11 from slots 5, 6, 0, ..., 4. Its outputs equal, segment by segment,
// the backend's own forward pass with the memory (ConcatMem, rel_attention_f32), a
// different kernel path that the conformance suite checks against the float64 reference.
func TestDecodeRingWrapsInsideAPassEmulated(t *testing.T) {
	t.Parallel()
	h := harness(t)
	be := &emuBackend{h: h, order: "shuffle", seed: 4}
	a, err := space.ParseArch([]byte(`{"model_type": "transformer_xl", "n_layer": 2, "d_model": 16, "n_head": [1, 4], "d_inner": [24, 20], "vocab_size": 19, "tgt_len": 3, "mem_len": 4}`))
	if err != nil {
		t.Fatal(err)
	}
	w := backendtest.StressWeights(a, 9)
	const B, T, S = 2, 3, 4
	rng := rand.New(rand.NewPCG(5, 6))
	segs := make([][]int32, S)
	ids := make([]int32, B*T*S) // [B, S·T]
	for s := range segs {
		for b := range B {
			for t := range T {
				v := int32(rng.IntN(a.NToken))
				segs[s] = append(segs[s], v)
				ids[b*S*T+s*T+t] = v
			}
		}
	}
	full, err := backendtest.RunSegments(be, w, B, T, segs, model.BuildOptions{Output: model.OutputFull})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingBackend{emuBackend: be}
	got, err := backendtest.Generate(rec, w, B, S*T, []int{T, T, T, T}, ids)
	if err != nil {
		t.Fatal(err)
	}
	wraps := 0
	for _, g := range rec.graphs {
		for _, op := range g.Ops {
			if o, ok := op.(*model.KVAppend); ok && o.Start%o.Cap+o.T > o.Cap {
				wraps++
			}
		}
	}
	if wraps == 0 {
		t.Fatal("no pass wraps around the cache: the test does not test what it says")
	}
	V := a.NToken
	worst := 0.0
	for s := range S {
		want := full[s]["log_probs"].Data // [B, T, V]
		for i := range T {
			var e []float32
			for b := range B {
				e = append(e, want[(b*T+i)*V:(b*T+i+1)*V]...)
			}
			d := golden.MaxDiff(got[s*T+i], e)
			worst = max(worst, d)
			if d > 1e-4 {
				t.Errorf("segment %d position %d: the cached pass differs from the forward pass with memory by %.3g", s+1, i, d)
			}
		}
	}
	t.Logf("max |cached passes - forward pass with memory| %.3g (%d appends wrap around the cache)", worst, wraps)
}

// recordingBackend is the emulated backend that keeps the graphs it compiles.
type recordingBackend struct {
	*emuBackend
	graphs []*model.Graph
}

func (r *recordingBackend) Compile(w *model.Weights, graphs ...*model.Graph) (backend.Executable, error) {
	r.graphs = append(r.graphs, graphs...)
	return r.emuBackend.Compile(w, graphs...)
}

// The decode ops lower to one launch each, with the geometry the kernels assume: a
// thread per appended element with the sequences along y; a warp per query, the
// heads along y and the sequences along z, and the relative term's extra shared
// memory only for Transformer-XL.
func TestDecodeLowering(t *testing.T) {
	for _, c := range []struct {
		name, js string
		s        model.DecodeShape
		smem     int // per warp, floats
	}{
		{"gpt2", `{"model_type": "gpt2", "n_layer": 1, "d_model": 8, "n_head": 2, "d_inner": 16, "vocab_size": 11, "n_positions": 6}`,
			model.DecodeShape{Batch: 3, Seq: 1, Start: 2, Cap: 6}, 2*4 + 32},
		{"txl", `{"model_type": "transformer_xl", "n_layer": 1, "d_model": 12, "n_head": 3, "d_inner": 16, "vocab_size": 11, "tgt_len": 4, "mem_len": 3}`,
			model.DecodeShape{Batch: 2, Seq: 5, Start: 7, Cap: 8}, 3*4 + 32},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := space.ParseArch([]byte(c.js))
			if err != nil {
				t.Fatal(err)
			}
			g, err := model.BuildDecode(a, c.s, model.BuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			steps, err := lower(g)
			if err != nil {
				t.Fatal(err)
			}
			var app, att *launchStep
			for _, s := range steps {
				switch l := s.launch; {
				case l == nil:
				case l.k == kKVAppend:
					app = l
				case l.k == kCachedAttention:
					att = l
				}
			}
			if app == nil || att == nil {
				t.Fatalf("no kv_append_f32 (%v) or cached_attention_f32 (%v) launch", app != nil, att != nil)
			}
			d := a.DModel
			if want := [3]uint32{uint32((c.s.Seq*2*d + elementBlock - 1) / elementBlock), uint32(c.s.Batch), 1}; app.grid != want {
				t.Errorf("kv_append_f32 grid %v, want %v", app.grid, want)
			}
			if want := [3]uint32{uint32((c.s.Seq + attWarps - 1) / attWarps), uint32(a.NHead[0]), uint32(c.s.Batch)}; att.grid != want {
				t.Errorf("cached_attention_f32 grid %v, want %v", att.grid, want)
			}
			if want := uint32(attWarps * c.smem * 4); att.smem != want {
				t.Errorf("cached_attention_f32 shared memory %d bytes, want %d", att.smem, want)
			}
			if want := int32(c.s.Past(a)); att.args[11].int32() != want {
				t.Errorf("cached_attention_f32 past %d, want %d", att.args[11].int32(), want)
			}
			for i, want := range []int{c.s.Start, c.s.Cap} {
				if got := att.args[12+i].int32(); got != int32(want) {
					t.Errorf("cached_attention_f32 argument %d = %d, want %d", 12+i, got, want)
				}
				if got := app.args[9+i].int32(); got != int32(want) {
					t.Errorf("kv_append_f32 argument %d = %d, want %d", 9+i, got, want)
				}
			}
			if got := app.args[8].int32(); got != int32(a.NHead[0]) {
				t.Errorf("kv_append_f32 heads %d, want %d", got, a.NHead[0])
			}
			if att.args[3].ref.reg == regNone != (c.name == "gpt2") {
				t.Errorf("relative position table %v for %s", att.args[3].ref, c.name)
			}
			if app.args[0].ref.reg != regState || att.args[2].ref.reg != regState {
				t.Errorf("the cache is not in the state region: %v, %v", app.args[0].ref, att.args[2].ref)
			}
		})
	}
}

// A shape the kernels cannot serve (a cache too small for the window) is a clear
// lowering error, not a launch that reads past the cache.
func TestDecodeLoweringRejectsBadShapes(t *testing.T) {
	g := &model.Graph{}
	for _, op := range []model.Op{
		&model.CachedAttention{Q: -1, Cache: -1, R: -1, RWBias: -1, RRBias: -1, Out: -1, B: 1, T: 2, H: 1, Dh: 4, LDQ: 12, Past: 5, Start: 5, Cap: 6},
		&model.CachedAttention{Q: -1, Cache: -1, R: -1, RWBias: -1, RRBias: -1, Out: -1, B: 1, T: 1, H: 1, Dh: 4, LDQ: 12, Past: 3, Start: 2, Cap: 6},
		&model.KVAppend{Src: -1, Cache: -1, B: 1, T: 1, LD: 12, KOff: 4, VOff: 10, HD: 4, H: 1, Start: 0, Cap: 4},
	} {
		l := &lowering{g: g, label: "op 0 " + op.Name()}
		l.op(op)
		if l.err == nil || !strings.Contains(l.err.Error(), "bad shape") {
			t.Errorf("%+v: %v, want a bad shape error", op, l.err)
		}
	}
}
