package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/cpu"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// MeasureGeneration on the CPU backend: each mode times what it says, with the cache
// sized by hand. gpt2-tiny and txl-tiny are 2 layers of d_model 64: a key and a value
// of 64 floats per layer, 1024 bytes per position.
func TestMeasureGenerationCPU(t *testing.T) {
	be := cpu.New(backend.Options{Threads: 1})
	defer be.Close()
	p := fastProtocol(3)
	p.Threads = 1
	for _, c := range []struct {
		preset string
		gp     GenerationProtocol
		cap    int64 // cache positions: GPT-2 the context; Transformer-XL (mem_len 32) the most one pass sees
		seqLen int
	}{
		{"gpt2-tiny", GenerationProtocol{Mode: ModePrefill, PromptLen: 16}, 16, 16},
		{"gpt2-tiny", GenerationProtocol{Mode: ModeDecode, Context: 40}, 41, 1},
		{"gpt2-tiny", GenerationProtocol{Mode: ModeGenerate, PromptLen: 16, NewTokens: 5}, 20, 16},
		{"txl-tiny", GenerationProtocol{Mode: ModePrefill, PromptLen: 16}, 16, 16},                    // the prefill alone
		{"txl-tiny", GenerationProtocol{Mode: ModeDecode, Context: 40}, 40, 1},                        // the fill of 40 > 32 + 1
		{"txl-tiny", GenerationProtocol{Mode: ModeDecode, Context: 20}, 21, 1},                        // the step: 20 + 1
		{"txl-tiny", GenerationProtocol{Mode: ModeGenerate, PromptLen: 16, NewTokens: 5}, 20, 16},     // the last step: 19 + 1
		{"txl-tiny", GenerationProtocol{Mode: ModeGenerate, PromptLen: 40, NewTokens: 3}, 40, 40},     // the prompt; steps 32 + 1
		{"txl-tiny", GenerationProtocol{Mode: ModeGenerate, PromptLen: 30, NewTokens: 6}, 32 + 1, 30}, // steps at 30..34
	} {
		a, _ := Preset(c.preset)
		where := c.preset + " " + c.gp.Mode
		r, err := MeasureGeneration(context.Background(), be, a, p, c.gp, 1111)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		g := r.Generation
		want := 1024 * c.cap
		if c.preset == "txl-tiny" {
			want += 2 * 64 * 4 * c.cap // a table of R(δ) per layer, H·Dh = 64
		}
		if g.CacheBytesPerToken != 1024 || g.CacheBytes != want {
			t.Errorf("%s: cache %d bytes per token, %d in all; want 1024 and %d", where, g.CacheBytesPerToken, g.CacheBytes, want)
		}
		if r.AllocPeakBytes < g.CacheBytes+model.Align {
			t.Errorf("%s: alloc_peak_bytes %d does not hold the cache of %d bytes", where, r.AllocPeakBytes, g.CacheBytes)
		}
		if (r.RSSPeakBytes == nil || *r.RSSPeakBytes < r.AllocPeakBytes) && r.RSSNote == "" {
			t.Errorf("%s: resident peak %v below alloc_peak_bytes %d, and no note", where, r.RSSPeakBytes, r.AllocPeakBytes)
		}
		if r.Protocol.SeqLen != c.seqLen || r.Protocol.Output != model.OutputLast {
			t.Errorf("%s: recorded seq_len %d, output %s; want %d, last", where, r.Protocol.SeqLen, r.Protocol.Output, c.seqLen)
		}
		for _, s := range r.SamplesMS {
			if !(s > 0) {
				t.Errorf("%s: sample %g ms", where, s)
			}
		}
		switch c.gp.Mode {
		case ModePrefill:
			if r.Latency.N != 3 || g.PerToken != nil || g.TTFT != nil {
				t.Errorf("%s: n %d, per-token %v, TTFT %v; want 3 prefills only", where, r.Latency.N, g.PerToken, g.TTFT)
			}
		case ModeDecode:
			if r.Latency.N != 3 || g.PerToken == nil || g.PerToken.Median != r.Latency.Median || g.TokensPerS == nil {
				t.Fatalf("%s: n %d, per-token %v, tokens/s %v", where, r.Latency.N, g.PerToken, g.TokensPerS)
			}
			if g.StepBytes <= 0 || !near(g.StepGBPerS, float64(g.StepBytes)/g.PerToken.Median/1e6) || !(g.CopyGBPerS > 0) {
				t.Errorf("%s: step of %d bytes at %g GB/s, copy %g GB/s", where, g.StepBytes, g.StepGBPerS, g.CopyGBPerS)
			}
			if want := 1000 / g.PerToken.Median; !near(g.TokensPerS.Median, want) {
				t.Errorf("%s: %g tokens/s at %g ms a step", where, g.TokensPerS.Median, g.PerToken.Median)
			}
		case ModeGenerate:
			// 3 generations, each a prefill and N-1 steps.
			N := c.gp.NewTokens
			steps := float64(N - 1)
			if g.Generations != 3 || g.TTFT.N != 3 || g.PerToken.N != 3*(N-1) || r.Latency.N != 3*(N-1) || g.TokensPerS.N != 3 {
				t.Errorf("%s: %d generations, TTFT n %d, per-token n %d, tokens/s n %d; want 3, 3, %d, 3", where, g.Generations, g.TTFT.N, g.PerToken.N, g.TokensPerS.N, 3*(N-1))
			}
			// N tokens in a TTFT and N-1 steps: the rate lies between N over the slowest
			// possible generation and N over the fastest.
			slow := g.TTFT.Max + steps*g.PerToken.Max
			fast := g.TTFT.Min + steps*g.PerToken.Min
			if rate := g.TokensPerS.Median; rate < float64(N)*1000/slow*0.999 || rate > float64(N)*1000/fast*1.001 {
				t.Errorf("%s: %g tokens/s, outside %d tokens in %g..%g ms", where, rate, N, fast, slow)
			}
		}
	}
}

// Resolve's lengths, by hand, for gpt2-tiny (64 positions), a GPT-2 of 16, txl-tiny (a memory: no
// bound) and an architecture of the paper's GPT-2 space (n_positions = tgt_len = 192).
func TestGenerationResolve(t *testing.T) {
	tiny, _ := Preset("gpt2-tiny")
	txl, _ := Preset("txl-tiny")
	nano, err := space.ParseArch([]byte(`{"model_type": "gpt2", "n_layer": 1, "d_model": 8, "n_head": 2, "d_inner": 8, "vocab_size": 10, "n_positions": 16}`))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := space.DefaultSpace(space.GPT2)
	if err != nil {
		t.Fatal(err)
	}
	paper, err := sp.Sample(rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if n := paper.ModelType().MaxSeqLen(paper); n != 192 {
		t.Fatalf("the paper's GPT-2 has %d positions, want 192", n)
	}
	gp := func(mode string, p, c, n int) GenerationProtocol {
		return GenerationProtocol{Mode: mode, PromptLen: p, Context: c, NewTokens: n}
	}
	for _, c := range []struct {
		a      *space.Arch
		in     GenerationProtocol
		want   GenerationProtocol
		notes  int
		errSub string // a FieldError on this field
	}{
		// Defaults: the paper's model fits a 192-token prompt, context 191 (the step
		// is the 192nd position), and a prompt of 192 - 63 = 129 before 64 new tokens.
		{paper, gp(ModePrefill, 0, 7, 7), gp(ModePrefill, 192, 0, 0), 0, ""},
		{paper, gp(ModeDecode, 7, 0, 7), gp(ModeDecode, 0, 191, 0), 1, ""},
		{paper, gp(ModeGenerate, 0, 7, 0), gp(ModeGenerate, 129, 0, 64), 1, ""},
		{paper, gp(ModeGenerate, 100, 0, 0), gp(ModeGenerate, 100, 0, 64), 0, ""},
		{paper, gp(ModeGenerate, 150, 0, 0), gp(ModeGenerate, 150, 0, 43), 1, ""}, // 150 + 43 - 1 = 192
		{paper, gp(ModeGenerate, 0, 0, 100), gp(ModeGenerate, 93, 0, 100), 1, ""},
		{paper, gp(ModeGenerate, 129, 0, 64), gp(ModeGenerate, 129, 0, 64), 0, ""},
		{tiny, gp(ModePrefill, 0, 0, 0), gp(ModePrefill, 64, 0, 0), 1, ""},
		{tiny, gp(ModeDecode, 0, 0, 0), gp(ModeDecode, 0, 63, 0), 1, ""},
		{tiny, gp(ModeGenerate, 0, 0, 0), gp(ModeGenerate, 1, 0, 64), 1, ""},  // 1 + 64 - 1 = 64
		{nano, gp(ModeGenerate, 0, 0, 0), gp(ModeGenerate, 9, 0, 8), 2, ""},   // 64 new tokens leave no prompt: half each
		{nano, gp(ModeGenerate, 0, 0, 10), gp(ModeGenerate, 7, 0, 10), 1, ""}, // 7 + 10 - 1 = 16
		{txl, gp(ModeGenerate, 0, 0, 0), gp(ModeGenerate, 192, 0, 64), 0, ""},
		{txl, gp(ModeDecode, 0, 0, 0), gp(ModeDecode, 0, 192, 0), 0, ""},
		{txl, gp(ModeDecode, 0, 1000, 0), gp(ModeDecode, 0, 1000, 0), 0, ""},
		// Given values that do not fit are errors on the value given.
		{paper, gp(ModeDecode, 0, 192, 0), GenerationProtocol{}, 0, "context"},
		{paper, gp(ModePrefill, 193, 0, 0), GenerationProtocol{}, 0, "prompt_len"},
		{paper, gp(ModeGenerate, 130, 0, 64), GenerationProtocol{}, 0, "new_tokens"},
		{paper, gp(ModeGenerate, 192, 0, 0), GenerationProtocol{}, 0, "prompt_len"}, // no room for 2 new tokens
		{paper, gp(ModeGenerate, 0, 0, 192), gp(ModeGenerate, 1, 0, 192), 1, ""},
		{paper, gp(ModeGenerate, 0, 0, 193), GenerationProtocol{}, 0, "new_tokens"},
		{txl, gp(ModeGenerate, 5, 0, 1), GenerationProtocol{}, 0, "new_tokens"},
	} {
		got, notes, err := c.in.Resolve(c.a)
		where := fmt.Sprintf("%s %+v", c.a.ModelType(), c.in)
		if c.errSub != "" {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.errSub {
				t.Errorf("%s: error %v, want a FieldError on %s", where, err, c.errSub)
			}
			continue
		}
		if err != nil || got != c.want || len(notes) != c.notes {
			t.Errorf("%s: %+v, notes %q, %v; want %+v with %d notes", where, got, notes, err, c.want, c.notes)
		}
	}
}

// With the default lengths, every mode measures a model of the paper's 192 positions.
func TestMeasureGenerationDefaults192(t *testing.T) {
	if testing.Short() {
		t.Skip("63 decode graphs")
	}
	a, err := space.ParseArch([]byte(`{"model_type": "gpt2_flex", "n_layer": 1, "d_model": 16, "n_head": 2, "d_inner": 32, "vocab_size": 50, "n_positions": 192}`))
	if err != nil {
		t.Fatal(err)
	}
	be := cpu.New(backend.Options{Threads: 1})
	defer be.Close()
	p := fastProtocol(1)
	p.Threads = 1
	for _, mode := range []string{ModePrefill, ModeDecode, ModeGenerate} {
		r, err := MeasureGeneration(context.Background(), be, a, p, GenerationProtocol{Mode: mode}, 1)
		if err != nil {
			t.Fatalf("%s with the defaults: %v", mode, err)
		}
		if g := r.Generation; g.PromptLen+max(g.Context, g.NewTokens-1) > 192 {
			t.Errorf("%s: %+v reaches past 192 positions", mode, g.GenerationProtocol)
		}
	}
}

func near(x, y float64) bool { return x > 0 && y > 0 && x/y < 1.000001 && y/x < 1.000001 }

func TestMeasureGenerationErrors(t *testing.T) {
	be := cpu.New(backend.Options{Threads: 1})
	defer be.Close()
	a, _ := Preset("gpt2-tiny") // 64 positions
	for _, c := range []struct {
		gp   GenerationProtocol
		want string
	}{
		{GenerationProtocol{Mode: ModeDecode, Context: 64}, "n_positions is 64 (at most 63)"},
		{GenerationProtocol{Mode: ModeGenerate, PromptLen: 60, NewTokens: 10}, "n_positions is 64"},
		{GenerationProtocol{Mode: ModePrefill, PromptLen: 65}, "65 tokens exceed n_positions 64"},
		{GenerationProtocol{Mode: ModePrefill, PromptLen: -1}, "at least 1"},
		{GenerationProtocol{Mode: ModeGenerate, NewTokens: 1}, "new_tokens: must be at least 2"},
		{GenerationProtocol{Mode: "sample"}, `mode "sample"`},
	} {
		_, err := MeasureGeneration(context.Background(), be, a, fastProtocol(1), c.gp, 1)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one with %q", c.gp, err, c.want)
		}
	}
	if _, err := ParseMode("decode"); err != nil {
		t.Error(err)
	}
	if _, err := ParseMode("Decode"); err == nil {
		t.Error("mode Decode accepted")
	}
}

// StepBytes of a decode step counted by hand: GPT-2, 1 layer, d 4, 1 head, d_inner 8,
// V 5, the step at position 2 (2 cached positions + its own).
func TestStepBytesHandCount(t *testing.T) {
	a, err := space.ParseArch([]byte(`{"model_type": "gpt2", "n_layer": 1, "d_model": 4, "n_head": 1, "d_inner": 8, "vocab_size": 5, "n_positions": 4}`))
	if err != nil {
		t.Fatal(err)
	}
	g, err := model.BuildDecode(a, model.DecodeShape{Batch: 1, Seq: 1, Start: 2, Cap: 4}, model.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const want = 2*4*4 + // a wte and a wpe row
		2*4*4 + // ln_1
		4*12*4 + 12*4 + // c_attn and its bias
		3*2*4*4 + // 3 keys and values of 4 floats
		4*4*4 + 4*4 + // c_proj
		2*4*4 + // ln_2
		4*8*4 + 8*4 + // c_fc
		8*4*4 + 4*4 + // mlp.c_proj
		2*4*4 + // ln_f
		5*4*4 // the tied head
	if got := StepBytes(g); got != want {
		t.Errorf("StepBytes %d, want %d", got, want)
	}
}

func TestCopyBandwidth(t *testing.T) {
	if bw := CopyBandwidth(2, 1<<20, 2); !(bw > 0.01 && bw < 1e5) {
		t.Errorf("copy bandwidth %g GB/s", bw)
	}
}

// A search's decode measurements share one copy-bandwidth measurement per thread
// count: a second measurement would not give the same float to the last bit.
func TestHostCopyBandwidthOncePerThreads(t *testing.T) {
	a, b := HostCopyBandwidth(1), HostCopyBandwidth(1)
	if !(a > 0.01) || a != b {
		t.Errorf("HostCopyBandwidth(1) gave %g then %g; want one positive measurement, kept", a, b)
	}
	if len(hostCopy.gbps) < 1 {
		t.Errorf("no measurement kept")
	}
}
