package bench

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// The measurement modes. ModeForward is Measure's one forward pass of batch × seq-len
// tokens (the paper's latency); the others time generation with a KV cache
// (model.BuildDecode), as MeasureGeneration says.
const (
	ModeForward  = "forward"
	ModePrefill  = "prefill"
	ModeDecode   = "decode"
	ModeGenerate = "generate"
)

// Generation defaults: the paper's scale (a 192-token prompt, a 192-token context) and
// 64 new tokens.
const (
	DefaultPromptLen = 192
	DefaultContext   = 192
	DefaultNewTokens = 64
)

// ParseMode checks a --mode value.
func ParseMode(s string) (string, error) {
	switch s {
	case ModeForward, ModePrefill, ModeDecode, ModeGenerate:
		return s, nil
	}
	return "", fmt.Errorf("mode %q is not forward, prefill, decode or generate", s)
}

// GenerationProtocol is what a generation measurement runs, beside the sampling of its
// Protocol.
type GenerationProtocol struct {
	Mode      string `json:"mode"`
	PromptLen int    `json:"prompt_len,omitempty"` // P: prefill, generate
	Context   int    `json:"context,omitempty"`    // C: decode
	NewTokens int    `json:"new_tokens,omitempty"` // N: generate
}

// DefaultGeneration is mode with the default lengths.
func DefaultGeneration(mode string) GenerationProtocol {
	return GenerationProtocol{Mode: mode, PromptLen: DefaultPromptLen, Context: DefaultContext, NewTokens: DefaultNewTokens}
}

// Generation is what a generation measurement found beside Result's fields.
type Generation struct {
	GenerationProtocol
	// CacheBytesPerToken is the KV cache per position and sequence
	// (model.CacheBytesPerToken); CacheBytes what the measurement's cache holds
	// (batch × capacity positions, and Transformer-XL's position tables: see
	// model.CacheBytes; part of alloc_peak_bytes).
	CacheBytesPerToken int64   `json:"cache_bytes_per_token"`
	CacheBytes         int64   `json:"cache_bytes"`
	CacheMiB           float64 `json:"cache_mib"`
	// TTFT is the time to the first token (the prefill of P tokens, which computes
	// the first new token's distribution), one sample per generation (generate).
	TTFT *Stats `json:"ttft_ms,omitempty"`
	// PerToken is the time of one decode step: at context C in steady state (decode),
	// or every step of every generation (generate).
	PerToken *Stats `json:"per_token_ms,omitempty"`
	// TokensPerS is new tokens per second: per generation, N / (TTFT + its N-1 steps)
	// (generate); batch × 1000 / each step's time (decode).
	TokensPerS *Stats `json:"tokens_per_s,omitempty"`
	// Generations is how many whole generations were timed (generate).
	Generations int `json:"generations,omitempty"`
	// Decode: StepBytes is what a step must read (StepBytes: the weights and the
	// cache), StepGBPerS that over the median step time, and CopyGBPerS the machine's
	// copy bandwidth with as many threads (CopyBandwidth, read + written), measured
	// after the steps: a step that ran at memory speed reads at about half of it.
	StepBytes  int64   `json:"step_bytes,omitempty"`
	StepGBPerS float64 `json:"step_gb_per_s,omitempty"`
	CopyGBPerS float64 `json:"copy_gb_per_s,omitempty"`
}

// copyBytes is the size of the buffers CopyBandwidth copies: far above a CPU's last
// level cache.
const copyBytes = 128 << 20

// GenerationResult is one generation measurement: Result (whose Latency is the mode's
// own latency: the prefill, the decode step, or generate's per-token time) and what
// only generation has.
type GenerationResult struct {
	*Result
	Generation Generation `json:"generation"`
}

// MeasureGeneration measures a on be in one of the generation modes, with p's batch,
// warm-ups, sampling bounds and threads (p's seq_len and output are set by the mode:
// every pass computes the next token's distribution only, Output last):
//
//   - prefill: a cached forward pass over P tokens from an empty cache (it writes the
//     cache), timed as Measure times a forward;
//   - decode: the cache filled to C positions by one untimed prefill, then the step at
//     position C (one new token per sequence, which reads the C cached positions and
//     writes the next), timed over and over: every step does the same work, so this is
//     the steady-state per-token latency at context C;
//   - generate: whole generations, each a prefill of P tokens (the time to the first
//     token) and then N-1 decode steps at positions P..P+N-2, each step timed; the
//     generations are repeated until p's sampling bounds hold (p.MinSamples and
//     p.MinTimeS, at most p.MaxSamples or p.MaxTimeS), after p.Warmup untimed ones.
//
// Transformer-XL decodes with its memory as the cache: a step sees the last
// min(mem_len, position) positions.
func MeasureGeneration(ctx context.Context, be backend.Backend, a *space.Arch, p Protocol, gp GenerationProtocol, seed uint64) (res *GenerationResult, err error) {
	key := a.Key()
	fail := func(step string, e error) error {
		return fmt.Errorf("measure %s %s: %s: %w", gp.Mode, key, step, e)
	}
	var shapes []model.DecodeShape
	B := p.Batch
	switch gp.Mode {
	case ModePrefill:
		if gp.PromptLen < 1 {
			return nil, fail("protocol", fmt.Errorf("prompt length %d: must be at least 1", gp.PromptLen))
		}
		p.SeqLen = gp.PromptLen
		cap := model.CacheCap(a, gp.PromptLen, gp.PromptLen)
		shapes = []model.DecodeShape{{Batch: B, Seq: gp.PromptLen, Cap: cap}}
		gp.Context, gp.NewTokens = 0, 0
	case ModeDecode:
		if gp.Context < 1 {
			return nil, fail("protocol", fmt.Errorf("context %d: must be at least 1", gp.Context))
		}
		p.SeqLen = 1
		cap := model.CacheCap(a, gp.Context+1, gp.Context)
		shapes = []model.DecodeShape{
			{Batch: B, Seq: gp.Context, Cap: cap},           // fills the cache (untimed)
			{Batch: B, Seq: 1, Start: gp.Context, Cap: cap}, // the timed step
		}
		gp.PromptLen, gp.NewTokens = 0, 0
	case ModeGenerate:
		if gp.PromptLen < 1 || gp.NewTokens < 1 {
			return nil, fail("protocol", fmt.Errorf("prompt length %d and new tokens %d: both must be at least 1", gp.PromptLen, gp.NewTokens))
		}
		p.SeqLen = gp.PromptLen
		cap := model.CacheCap(a, gp.PromptLen+gp.NewTokens-1, gp.PromptLen)
		shapes = []model.DecodeShape{{Batch: B, Seq: gp.PromptLen, Cap: cap}}
		for pos := gp.PromptLen; pos < gp.PromptLen+gp.NewTokens-1; pos++ {
			shapes = append(shapes, model.DecodeShape{Batch: B, Seq: 1, Start: pos, Cap: cap})
		}
		gp.Context = 0
	default:
		return nil, fail("protocol", fmt.Errorf("mode %q is not prefill, decode or generate", gp.Mode))
	}
	p.Output = model.OutputLast
	// Resolve checks the prompt against the learned positions; BuildDecode checks the
	// positions the steps reach.
	if p, err = p.Resolve(a); err != nil {
		return nil, fail("protocol", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail("start", err)
	}
	graphs := make([]*model.Graph, len(shapes))
	for i, s := range shapes {
		if graphs[i], err = model.BuildDecode(a, s, model.BuildOptions{Output: model.OutputLast}); err != nil {
			return nil, fail("build graph", err)
		}
	}
	if p.Threads <= 0 {
		p.Threads = runtime.NumCPU()
	}
	w, err := model.InitWeights(a, seed, p.Threads)
	if err != nil {
		return nil, fail("init weights", err)
	}
	exe, err := be.Compile(w, graphs...)
	if err != nil {
		return nil, fail("compile on "+be.Device().String(), err)
	}
	defer func() {
		if cerr := exe.Close(); cerr != nil && err == nil {
			res, err = nil, fail("release", cerr)
		}
	}()
	var allocPeak int64
	for _, g := range graphs {
		allocPeak = max(allocPeak, g.AllocPeakBytes())
	}
	if got := exe.AllocBytes(); got != allocPeak {
		return nil, fail("compile", fmt.Errorf("the backend holds %d bytes, the planner says %d", got, allocPeak))
	}
	// The graphs share one arena, their token ids included: each pass's ids are
	// written just before it runs.
	ids := make([][]int32, len(shapes))
	for i, s := range shapes {
		ids[i] = randomIDs(B*s.Seq, a.NToken, seed+uint64(i))
	}
	if err := exe.ResetState(); err != nil {
		return nil, fail("reset cache", err)
	}

	perTok := model.CacheBytesPerToken(a)
	cacheBytes := model.CacheBytes(a, B, shapes[0].Cap)
	res = &GenerationResult{
		Result: &Result{
			Device:         be.Device().String(),
			Arch:           a,
			Key:            key,
			DecoderParams:  a.DecoderParams(),
			TotalParams:    a.TotalParams(),
			FLOPsPerToken:  flopsPerToken(a),
			Protocol:       p,
			Seed:           seed,
			AllocPeakBytes: allocPeak,
		},
		Generation: Generation{
			GenerationProtocol: gp,
			CacheBytesPerToken: perTok,
			CacheBytes:         cacheBytes,
			CacheMiB:           float64(cacheBytes) / (1 << 20),
		},
	}
	pr := measureProbe()
	defer pr.close()
	if gp.Mode == ModeGenerate {
		err = measureGenerations(ctx, exe, ids, p, pr, res)
	} else {
		timed := 0
		if gp.Mode == ModeDecode {
			if err := exe.SetIDs(0, ids[0]); err != nil {
				return nil, fail("set token ids", err)
			}
			if err := exe.Run(0); err != nil {
				return nil, fail("fill the cache (untimed prefill)", err)
			}
			timed = 1
		}
		if err := exe.SetIDs(timed, ids[timed]); err != nil {
			return nil, fail("set token ids", err)
		}
		err = measureOne(ctx, exe, timed, p, pr, res.Result)
		if gp.Mode == ModeDecode && err == nil {
			tps := make([]float64, len(res.SamplesMS))
			for i, ms := range res.SamplesMS {
				tps[i] = float64(B) * 1000 / ms
			}
			lat, rate := res.Latency, Summarize(tps)
			res.Generation.PerToken, res.Generation.TokensPerS = &lat, &rate
			sb := StepBytes(graphs[1])
			res.Generation.StepBytes = sb
			res.Generation.StepGBPerS = float64(sb) / (lat.Median / 1000) / 1e9
			if be.Device().Kind == "cpu" {
				res.Generation.CopyGBPerS = CopyBandwidth(p.Threads, copyBytes, 5)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("measure %s %s: %w", gp.Mode, key, err)
	}
	if wr, ok := exe.(backend.WorkspaceReporter); ok {
		res.WorkspaceBytes = wr.WorkspaceBytes()
	}
	return res, nil
}

// measureOne warms graph g up and samples it as Measure does, filling r's warm-up,
// samples, disturbance and latency.
func measureOne(ctx context.Context, exe backend.Executable, g int, p Protocol, pr probe, r *Result) error {
	wu, err := warmUp(ctx, exe, g, p, time.Now, pr)
	if err != nil {
		return err
	}
	debug.FreeOSMemory()
	r.WarmupRuns, r.WarmupSettled = wu.runs, wu.settled
	s, dist, err := sampleLeastDisturbed(ctx, exe, g, p, pr)
	if err != nil {
		return err
	}
	r.SamplesMS, r.DisturbedMS = s.split(p)
	if dist.Measured {
		r.Disturbance = &dist
	}
	r.Latency = Summarize(r.SamplesMS)
	return nil
}

// passRetakes bounds how often a disturbed pass of a generation is run again.
const passRetakes = 3

// measureGenerations runs whole generations — graph 0 the prefill, the next ones the
// decode steps in order, each after its token ids ids[g] are written (untimed) — p.Warmup times untimed, then timed until p's sampling bounds
// hold, counting generations as samples. Result.SamplesMS and Latency are the decode
// steps' times; DisturbedMS the passes set aside and run again.
func measureGenerations(ctx context.Context, exe backend.Executable, ids [][]int32, p Protocol, pr probe, res *GenerationResult) error {
	// A pass during which other work kept our threads waiting for a CPU is set aside
	// and run again (each pass is idempotent: it rewrites the same cache slots from the
	// same cache), at most passRetakes times.
	timed := func(g int) (time.Duration, error) {
		for try := 0; ; try++ {
			w0, ok0 := pr.waitOnly()
			d, err := exe.RunTimed(g)
			if err != nil {
				return 0, err
			}
			w1, ok1 := pr.waitOnly()
			if try == passRetakes || !(ok0 && ok1 && disturbed(w1-w0, d)) {
				return d, nil
			}
			res.DisturbedMS = append(res.DisturbedMS, float64(d)/float64(time.Millisecond))
		}
	}
	run := func(timedRun bool, ttft, steps *[]float64) (time.Duration, error) {
		var total time.Duration
		for g := range ids {
			if err := ctx.Err(); err != nil {
				return 0, &stepError{"generation", err}
			}
			if err := exe.SetIDs(g, ids[g]); err != nil {
				return 0, &stepError{"token ids of pass " + strconv.Itoa(g), err}
			}
			if !timedRun {
				if err := exe.Run(g); err != nil {
					return 0, &stepError{"warm-up pass " + strconv.Itoa(g), err}
				}
				continue
			}
			d, err := timed(g)
			if err != nil {
				return 0, &stepError{"timed pass " + strconv.Itoa(g), err}
			}
			total += d
			ms := float64(d) / float64(time.Millisecond)
			if g == 0 {
				*ttft = append(*ttft, ms)
			} else {
				*steps = append(*steps, ms)
			}
		}
		return total, nil
	}
	for range p.Warmup {
		if _, err := run(false, nil, nil); err != nil {
			return err
		}
	}
	res.WarmupRuns = p.Warmup
	debug.FreeOSMemory()
	var ttft, steps, tps []float64
	minTime, maxTime := seconds(p.MinTimeS), seconds(p.MaxTimeS)
	start := time.Now()
	for {
		total, err := run(true, &ttft, &steps)
		if err != nil {
			return err
		}
		tps = append(tps, float64(res.Generation.NewTokens*p.Batch)/total.Seconds())
		k, elapsed := len(ttft), time.Since(start)
		if k >= p.MaxSamples || (maxTime > 0 && elapsed >= maxTime) || (k >= p.MinSamples && elapsed >= minTime) {
			break
		}
	}
	res.SamplesMS = steps
	res.Latency = Summarize(steps)
	t, s, r := Summarize(ttft), Summarize(steps), Summarize(tps)
	res.Generation.TTFT, res.Generation.PerToken, res.Generation.TokensPerS = &t, &s, &r
	res.Generation.Generations = len(ttft)
	return nil
}
