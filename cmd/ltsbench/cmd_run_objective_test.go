package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// TestRunObjectiveReachesMeasurer runs a decode search with a fake generation
// measurement: every architecture is measured in the mode and at the context asked,
// the front minimises the fake's decode latency, the archive keeps the generation
// measurement, and the full forward is never timed.
func TestRunObjectiveReachesMeasurer(t *testing.T) {
	var mu sync.Mutex
	var seen []bench.GenerationProtocol
	var protos []bench.Protocol
	savedGen, saved := benchMeasureGeneration, benchMeasure
	defer func() { benchMeasureGeneration, benchMeasure = savedGen, saved }()
	benchMeasure = func(context.Context, backend.Backend, *space.Arch, bench.Protocol, uint64) (*bench.Result, error) {
		return nil, errors.New("the full forward was measured under --objective decode")
	}
	// The fake's latency: 0.1 ms per layer and per 32 of d_model, so that its front
	// is known; its cache 4 bytes × 2 × d_model per layer and position.
	fakeLatency := func(a *space.Arch) float64 { return 0.1 * float64(a.NLayer) * float64(a.DModel/32) }
	benchMeasureGeneration = func(ctx context.Context, be backend.Backend, a *space.Arch, p bench.Protocol, gp bench.GenerationProtocol, seed uint64) (*bench.GenerationResult, error) {
		mu.Lock()
		seen, protos = append(seen, gp), append(protos, p)
		mu.Unlock()
		lat := fakeLatency(a)
		st := bench.Summarize([]float64{lat, lat})
		perTok := int64(8 * a.DModel * a.NLayer)
		return &bench.GenerationResult{
			Result: &bench.Result{Device: "cpu", Arch: a, Key: a.Key(), DecoderParams: a.DecoderParams(), Protocol: p, Seed: seed,
				Latency: st, SamplesMS: []float64{lat, lat}, AllocPeakBytes: 1<<20 + perTok*int64(gp.Context+1)},
			Generation: bench.Generation{GenerationProtocol: gp, CacheBytesPerToken: perTok, CacheBytes: perTok * int64(gp.Context+1),
				PerToken: &st},
		}, nil
	}
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errOut := runLtsbench(t, tinySearch("gpt2", dir, "--objective", "decode", "--context", "8")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if len(seen) == 0 {
		t.Fatal("nothing was measured")
	}
	for i, gp := range seen {
		if gp != (bench.GenerationProtocol{Mode: bench.ModeDecode, Context: 8}) {
			t.Errorf("measurement %d: generation protocol %+v, want decode at context 8", i, gp)
		}
		if protos[i].SeqLen != 0 || protos[i].Output != model.OutputLast || protos[i].Threads != 1 || protos[i].MinSamples != 2 {
			t.Errorf("measurement %d: protocol %+v, want seq_len 0, output last and the flags' sampling", i, protos[i])
		}
	}
	run, err := results.LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Info.Objective != "decode" || run.Info.Generation == nil || run.Info.Generation.Context != 8 {
		t.Errorf("run.json: objective %q, generation %+v; want decode at context 8", run.Info.Objective, run.Info.Generation)
	}
	for _, r := range run.Archive {
		if !r.Feasible || r.Generation == nil {
			t.Fatalf("%s: feasible %v, generation %v (%s)", r.Key, r.Feasible, r.Generation, r.Error)
		}
		if want := fakeLatency(r.Arch); r.LatencyMS != want {
			t.Errorf("%s: latency %g ms, want the decode step's %g", r.Key, r.LatencyMS, want)
		}
		if want := int64(8 * r.Arch.DModel * r.Arch.NLayer); r.Generation.CacheBytesPerToken != want {
			t.Errorf("%s: cache bytes per token %d, want %d", r.Key, r.Generation.CacheBytesPerToken, want)
		}
	}
	// The front is that of (params, decode latency, memory): no record of the archive
	// dominates a front member.
	for _, f := range run.Front {
		for _, r := range run.Archive {
			if r.DecoderParams >= f.DecoderParams && r.LatencyMS <= f.LatencyMS && r.MemoryBytes <= f.MemoryBytes &&
				(r.DecoderParams > f.DecoderParams || r.LatencyMS < f.LatencyMS || r.MemoryBytes < f.MemoryBytes) {
				t.Errorf("front member %s is dominated by %s", f.Key, r.Key)
			}
		}
	}
	for _, h := range []string{"Decode (ms/token)", "TTFT (ms)", "ms/token", "Cache (MiB)", "decode of one token at context 8"} {
		if !strings.Contains(out, h) {
			t.Errorf("the report lacks %q:\n%s", h, out)
		}
	}
}

// TestRunGenerateObjective measures a small generate search for real: the objective
// is each architecture's median decode step over every step of every generation,
// and the time to the first token and tokens/s are kept beside it.
func TestRunGenerateObjective(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errOut := runLtsbench(t, tinySearch("gpt2", dir, "--objective", "generate", "--prompt-len", "6", "--new-tokens", "4", "--confirm-rounds", "0")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	run, err := results.LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range run.Archive {
		g := r.Generation
		if !r.Feasible || g == nil || g.TTFT == nil || g.PerToken == nil || g.TokensPerS == nil {
			t.Fatalf("%s: feasible %v, generation %+v (%s)", r.Key, r.Feasible, g, r.Error)
		}
		if g.PromptLen != 6 || g.NewTokens != 4 || g.Mode != bench.ModeGenerate {
			t.Errorf("%s: generation protocol %+v", r.Key, g.GenerationProtocol)
		}
		// 3 decode steps per generation, at least 2 generations.
		if r.LatencyMS != g.PerToken.Median || g.PerToken.N < 6 || g.PerToken.N%3 != 0 || g.TTFT.N != g.PerToken.N/3 {
			t.Errorf("%s: latency %g ms, per token %+v, TTFT n %d: want the per-token median over 3 steps per generation", r.Key, r.LatencyMS, *g.PerToken, g.TTFT.N)
		}
		if want := model.CacheBytesPerToken(r.Arch); g.CacheBytesPerToken != want || want <= 0 {
			t.Errorf("%s: cache bytes per token %d, want %d", r.Key, g.CacheBytesPerToken, want)
		}
		if r.MemoryBytes != r.Result.AllocPeakBytes || r.MemoryBytes < g.CacheBytes {
			t.Errorf("%s: memory %d bytes, alloc peak %d, cache %d: the memory objective holds the cache", r.Key, r.MemoryBytes, r.Result.AllocPeakBytes, g.CacheBytes)
		}
	}
	if !strings.Contains(out, "Generate (ms/token)") || !strings.Contains(out, "generation of 4 tokens after a 6-token prompt") {
		t.Errorf("the report does not name the objective:\n%s", out)
	}
}

func TestRunObjectiveErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	wantFailure(t, tinySearch("gpt2", dir, "--objective", "throughput"), 2, "--objective")
	wantFailure(t, tinySearch("gpt2", dir, "--objective", "prefill", "--context", "8"), 2, "--context: --objective prefill does not use it")
	wantFailure(t, tinySearch("gpt2", dir, "--prompt-len", "8"), 2, "--prompt-len: --objective latency does not use it")
	wantFailure(t, tinySearch("gpt2", dir, "--objective", "decode", "--seq-len", "8"), 2, "--seq-len")
	wantFailure(t, tinySearch("gpt2", dir, "--objective", "decode", "--context", "0"), 2, "--context: must be at least 1")
	wantFailure(t, tinySearch("gpt2", dir, "--objective", "decode", "--context", "8", "--memory-metric", "rss_peak_bytes"), 2, "--memory-metric")
	// The tiny space's GPT-2s have 16 positions: a step at context 16 needs 17.
	wantFailure(t, tinySearch("gpt2", dir, "--objective", "decode", "--context", "16"), 2, "position 17, past the space's tgt_len")
	wantFailure(t, tinySearch("gpt2", dir, "--objective", "generate", "--prompt-len", "12", "--new-tokens", "6"), 2, "position 17")
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused run created its directory: %v", err)
	}
}

// TestRunResumeObjective: a run continues under its own objective, and a flag that
// contradicts it is refused naming the field and both values.
func TestRunResumeObjective(t *testing.T) {
	dec := filepath.Join(t.TempDir(), "decode")
	if code, _, errOut := runLtsbench(t, tinySearch("gpt2", dec, "--objective", "decode", "--context", "8", "--confirm-rounds", "0")...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantFailure(t, tinySearch("gpt2", dec, "--resume", "--objective", "prefill"), 2, "--objective: the run in "+dec+" was measured with objective decode, not prefill")
	wantFailure(t, tinySearch("gpt2", dec, "--resume", "--objective", "latency"), 2, "objective decode, not latency")
	wantFailure(t, tinySearch("gpt2", dec, "--resume", "--context", "9"), 2, "context 8, not 9")
	// Without --objective the run's own continues (nothing is left to measure).
	if code, _, errOut := runLtsbench(t, tinySearch("gpt2", dec, "--resume", "--confirm-rounds", "0")...); code != 0 {
		t.Fatalf("resume without --objective: exit %d: %s", code, errOut)
	}
	if ri, err := results.ReadRunInfo(dec); err != nil || ri.Objective != "decode" {
		t.Errorf("run.json after resuming: %v, objective %q", err, ri.Objective)
	}

	lat := filepath.Join(t.TempDir(), "latency")
	if code, _, errOut := runLtsbench(t, tinySearch("gpt2", lat, "--confirm-rounds", "0")...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantFailure(t, tinySearch("gpt2", lat, "--resume", "--objective", "decode"), 2, "objective latency, not decode")
}
