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
// Protocol. A length left 0 is the default that fits the model (Resolve).
type GenerationProtocol struct {
	Mode      string `json:"mode"`
	PromptLen int    `json:"prompt_len,omitempty"` // P: prefill, generate
	Context   int    `json:"context,omitempty"`    // C: decode
	NewTokens int    `json:"new_tokens,omitempty"` // N ≥ 2: generate
}

// Resolve sets the lengths mode uses and clears the others. A length left 0 takes its
// default (DefaultPromptLen, DefaultContext, DefaultNewTokens), cut to what a model
// with learned positions can reach — a sequence's passes cover positions 0..P-1
// (prefill), 0..C (decode) or 0..P+N-2 (generate: the last new token is computed,
// never fed back), all below n_positions — and each cut is said in a note. A length
// given that does not fit, or is below its minimum, is a *FieldError on it
// ("prompt_len", "context", "new_tokens").
func (gp GenerationProtocol) Resolve(a *space.Arch) (GenerationProtocol, []string, error) {
	t := a.ModelType()
	limit := 0 // positions a sequence may reach; 0: no bound (a memory, not a table)
	if m := t.MaxSeqLen(a); !t.Memory && m > 0 {
		limit = m
	}
	var notes []string
	cut := func(field string, from, to int, why string) {
		notes = append(notes, fmt.Sprintf("%s: the default %d is cut to %d: %s", field, from, to, why))
	}
	atLeast := func(field string, v, min int) error {
		return fieldErrorf(field, nil, "must be at least %d, got %d", min, v)
	}
	switch gp.Mode {
	case ModePrefill:
		gp.Context, gp.NewTokens = 0, 0
		switch {
		case gp.PromptLen < 0:
			return gp, nil, atLeast("prompt_len", gp.PromptLen, 1)
		case gp.PromptLen == 0:
			gp.PromptLen = DefaultPromptLen
			if limit > 0 && gp.PromptLen > limit {
				cut("prompt_len", gp.PromptLen, limit, fmt.Sprintf("n_positions is %d", limit))
				gp.PromptLen = limit
			}
		case limit > 0 && gp.PromptLen > limit:
			return gp, nil, fieldErrorf("prompt_len", nil, "%d tokens exceed n_positions %d of this %s", gp.PromptLen, limit, a.Backbone.Label())
		}
	case ModeDecode:
		gp.PromptLen, gp.NewTokens = 0, 0
		switch {
		case gp.Context < 0:
			return gp, nil, atLeast("context", gp.Context, 1)
		case limit > 0 && limit < 2:
			return gp, nil, fieldErrorf("context", nil, "n_positions %d leaves no position for a step after a context", limit)
		case gp.Context == 0:
			gp.Context = DefaultContext
			if limit > 0 && gp.Context+1 > limit {
				cut("context", gp.Context, limit-1, fmt.Sprintf("the step at position C needs C + 1 ≤ n_positions %d", limit))
				gp.Context = limit - 1
			}
		case limit > 0 && gp.Context+1 > limit:
			return gp, nil, fieldErrorf("context", nil, "%d: the step at position %d needs %d positions, n_positions is %d (at most %d)", gp.Context, gp.Context, gp.Context+1, limit, limit-1)
		}
	case ModeGenerate:
		gp.Context = 0
		promptSet, newSet := gp.PromptLen != 0, gp.NewTokens != 0
		switch {
		case gp.PromptLen < 0:
			return gp, nil, atLeast("prompt_len", gp.PromptLen, 1)
		case gp.NewTokens < 0 || newSet && gp.NewTokens < 2:
			return gp, nil, fieldErrorf("new_tokens", nil, "must be at least 2 (the first comes from the prefill, the rest from the decode steps that are timed), got %d", gp.NewTokens)
		case limit > 0 && limit < 2:
			return gp, nil, fieldErrorf("prompt_len", nil, "n_positions %d leaves no position for a decode step after a prompt", limit)
		}
		if !promptSet {
			gp.PromptLen = DefaultPromptLen
		}
		if !newSet {
			gp.NewTokens = DefaultNewTokens
		}
		reach := func() int { return gp.PromptLen + gp.NewTokens - 1 }
		if limit == 0 || reach() <= limit {
			break
		}
		why := func() string {
			return fmt.Sprintf("prompt %d + %d new tokens reach %d positions, n_positions is %d", gp.PromptLen, gp.NewTokens, reach(), limit)
		}
		switch {
		case !promptSet && !newSet && limit-(gp.NewTokens-1) < 1:
			// Too few positions for the default new tokens: half of them each.
			n := max(limit/2, 2)
			cut("new_tokens", gp.NewTokens, n, why())
			gp.NewTokens = n
			fallthrough
		case !promptSet && limit-(gp.NewTokens-1) >= 1:
			p := limit - (gp.NewTokens - 1)
			cut("prompt_len", gp.PromptLen, p, why())
			gp.PromptLen = p
		case promptSet && !newSet && limit-gp.PromptLen+1 >= 2:
			n := limit - gp.PromptLen + 1
			cut("new_tokens", gp.NewTokens, n, why())
			gp.NewTokens = n
		default:
			field := "prompt_len"
			if newSet {
				field = "new_tokens"
			}
			return gp, nil, fieldErrorf(field, []string{"prompt_len", "new_tokens"}, "prompt_len %d + new_tokens %d reach position %d, n_positions is %d: at most prompt_len + new_tokens - 1 = %d",
				gp.PromptLen, gp.NewTokens, reach()-1, limit, limit)
		}
	default:
		return gp, nil, fmt.Errorf("mode %q is not prefill, decode or generate", gp.Mode)
	}
	return gp, notes, nil
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
	// after the process's first decode measurement with that many threads
	// (HostCopyBandwidth): a step that ran at memory speed reads at about half of it.
	StepBytes  int64   `json:"step_bytes,omitempty"`
	StepGBPerS float64 `json:"step_gb_per_s,omitempty"`
	CopyGBPerS float64 `json:"copy_gb_per_s,omitempty"`
}

// GenerationShapes is the passes of one sequence in gp's mode (lengths resolved by
// GenerationProtocol.Resolve), in order, at batch B over one cache that holds them all
// (model.CacheCap): prefill one pass of P tokens; decode the fill of C positions and
// the step at position C; generate the prefill of P and N-1 one-token steps.
func GenerationShapes(a *space.Arch, B int, gp GenerationProtocol) []model.DecodeShape {
	var passes []int
	switch gp.Mode {
	case ModePrefill:
		passes = []int{gp.PromptLen}
	case ModeDecode:
		passes = []int{gp.Context, 1} // the untimed fill, then the timed step
	case ModeGenerate:
		passes = []int{gp.PromptLen}
		for range gp.NewTokens - 1 {
			passes = append(passes, 1)
		}
	}
	cap, start := model.CacheCap(a, passes), 0
	shapes := make([]model.DecodeShape, len(passes))
	for i, n := range passes {
		shapes[i] = model.DecodeShape{Batch: B, Seq: n, Start: start, Cap: cap}
		start += n
	}
	return shapes
}

// GenerationGraphs builds the cached passes of shapes (GenerationShapes), each computing
// the next token's distribution only (model.OutputLast).
func GenerationGraphs(a *space.Arch, shapes []model.DecodeShape) ([]*model.Graph, error) {
	graphs := make([]*model.Graph, len(shapes))
	for i, s := range shapes {
		g, err := model.BuildDecode(a, s, model.BuildOptions{Output: model.OutputLast})
		if err != nil {
			return nil, err
		}
		graphs[i] = g
	}
	return graphs, nil
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
// The lengths are gp's after Resolve (0: the default that fits a). The cache holds
// what the passes need (model.CacheCap), counted in alloc_peak_bytes; rss_peak_bytes
// is the resident peak over the timed passes (the timed steps in decode, the timed
// generations in generate), as Measure's over its timed forwards.
//
// Transformer-XL decodes with its memory as the cache: a step sees the last
// min(mem_len, position) positions.
func MeasureGeneration(ctx context.Context, be backend.Backend, a *space.Arch, p Protocol, gp GenerationProtocol, seed uint64) (res *GenerationResult, err error) {
	key := a.Key()
	fail := func(step string, e error) error {
		return fmt.Errorf("measure %s %s: %s: %w", gp.Mode, key, step, e)
	}
	gp, _, err = gp.Resolve(a)
	if err != nil {
		return nil, fail("protocol", err)
	}
	shapes := GenerationShapes(a, p.Batch, gp)
	// The timed pass's tokens per sequence: the prompt, or decode's one-token step.
	p.SeqLen = shapes[0].Seq
	if gp.Mode == ModeDecode {
		p.SeqLen = 1
	}
	B := p.Batch
	p.Output = model.OutputLast
	// Resolve checks the prompt against the learned positions; BuildDecode checks the
	// positions the steps reach.
	if p, err = p.Resolve(a); err != nil {
		return nil, fail("protocol", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail("start", err)
	}
	graphs, err := GenerationGraphs(a, shapes)
	if err != nil {
		return nil, fail("build graph", err)
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
		Result: newResult(be, a, key, p, seed, allocPeak),
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
			if k, ok := backend.KindOf(be.Device().Kind); ok && !k.Accelerator {
				// The step reads host memory: the host's bandwidth is its bound.
				res.Generation.CopyGBPerS = HostCopyBandwidth(p.Threads)
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
	rss := trackPeakRSS()
	s, dist, err := sampleLeastDisturbed(ctx, exe, g, p, pr)
	if err != nil {
		return err
	}
	rss(r)
	r.SamplesMS, r.DisturbedMS = s.split(p)
	if dist.Measured {
		r.Disturbance = &dist
	}
	r.Latency = Summarize(r.SamplesMS)
	return nil
}

// trackPeakRSS resets the process's resident peak (see rss.go) and returns what records
// it, or why it could not be read, in r once the timed passes are done.
func trackPeakRSS() func(r *Result) {
	err := resetPeakRSS()
	return func(r *Result) {
		if err == nil {
			var peak int64
			if peak, err = readPeakRSS(); err == nil {
				r.RSSPeakBytes = &peak
				return
			}
		}
		r.RSSNote = rssNote(err)
	}
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
	rss := trackPeakRSS()
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
	rss(res.Result)
	res.SamplesMS = steps
	res.Latency = Summarize(steps)
	t, s, r := Summarize(ttft), Summarize(steps), Summarize(tps)
	res.Generation.TTFT, res.Generation.PerToken, res.Generation.TokensPerS = &t, &s, &r
	res.Generation.Generations = len(ttft)
	return nil
}
