package bench

import (
	"context"
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
		cap    int64 // cache positions: GPT-2 the context, Transformer-XL mem_len 32 + the longest pass
		seqLen int
	}{
		{"gpt2-tiny", GenerationProtocol{Mode: ModePrefill, PromptLen: 16}, 16, 16},
		{"gpt2-tiny", GenerationProtocol{Mode: ModeDecode, Context: 40}, 41, 1},
		{"gpt2-tiny", GenerationProtocol{Mode: ModeGenerate, PromptLen: 16, NewTokens: 5}, 20, 16},
		{"txl-tiny", GenerationProtocol{Mode: ModePrefill, PromptLen: 16}, 32 + 16, 16},
		{"txl-tiny", GenerationProtocol{Mode: ModeDecode, Context: 40}, 32 + 40, 1},
		{"txl-tiny", GenerationProtocol{Mode: ModeGenerate, PromptLen: 16, NewTokens: 5}, 32 + 16, 16},
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
			// 3 generations, each a prefill and 4 steps.
			if g.Generations != 3 || g.TTFT.N != 3 || g.PerToken.N != 12 || r.Latency.N != 12 || g.TokensPerS.N != 3 {
				t.Errorf("%s: %d generations, TTFT n %d, per-token n %d, tokens/s n %d; want 3, 3, 12, 3", where, g.Generations, g.TTFT.N, g.PerToken.N, g.TokensPerS.N)
			}
			// 5 tokens in a TTFT and 4 steps: the rate lies between 5 over the slowest
			// possible generation and 5 over the fastest.
			slow := g.TTFT.Max + 4*g.PerToken.Max
			fast := g.TTFT.Min + 4*g.PerToken.Min
			if rate := g.TokensPerS.Median; rate < 5000/slow*0.999 || rate > 5000/fast*1.001 {
				t.Errorf("%s: %g tokens/s, outside 5 tokens in %g..%g ms", where, rate, fast, slow)
			}
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
		{GenerationProtocol{Mode: ModeDecode, Context: 64}, "n_positions 64"},
		{GenerationProtocol{Mode: ModeGenerate, PromptLen: 60, NewTokens: 10}, "n_positions 64"},
		{GenerationProtocol{Mode: ModePrefill, PromptLen: 65}, "65 tokens exceed"},
		{GenerationProtocol{Mode: ModePrefill, PromptLen: 0}, "at least 1"},
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
