package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// idsStream separates the token-id stream from the weight stream of one seed.
const idsStream = 0x6c74735f696473 // "lts_ids"

// Measure measures the inference latency and peak memory of a on be with protocol p.
//
// It resolves p for a (Protocol.Resolve), builds the graph of one forward pass of
// p.Batch × p.SeqLen tokens (Transformer-XL: reading and writing mem_len memory rows),
// fills the weights with the seeded initialisation of model.InitWeights (the values do
// not change the speed), compiles the graph, writes seeded random token ids, and for
// Transformer-XL runs one untimed forward so that the memory holds a previous segment.
// Then p.Warmup untimed forwards and, unless the protocol fixes the warm-up, timed
// warm-up forwards until the latency settles (see warmUp); then timed forwards as p
// says (see sample). A timed forward during which other work kept our threads
// waiting for a CPU is set aside and taken again; a measurement most of whose forwards
// were disturbed is repeated (see sampleLeastDisturbed), and Result.Disturbance
// records what competed. The Executable is closed before Measure returns; be stays
// open (the caller owns it).
//
// p.Threads (≤ 0: all cores) is how many goroutines fill the weights, and is recorded
// in the result; the forwards run on the workers be was opened with
// (backend.Options.Threads), which should be the same number. Errors name the architecture's key and the step that failed and wrap their
// cause (errors.Is(err, backend.ErrOutOfMemory), context.Canceled).
func Measure(ctx context.Context, be backend.Backend, a *space.Arch, p Protocol, seed uint64) (res *Result, err error) {
	key := a.Key()
	fail := func(step string, e error) error {
		return fmt.Errorf("measure %s: %s: %w", key, step, e)
	}
	if p, err = p.Resolve(a); err != nil {
		return nil, fail("protocol", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail("start", err)
	}
	g, err := model.Build(a, p.Shape(), model.BuildOptions{Output: p.Output})
	if err != nil {
		return nil, fail("build graph", err)
	}
	if p.Threads <= 0 {
		p.Threads = runtime.NumCPU() // what backend.Options{Threads: 0} means
	}
	w, err := model.InitWeights(a, seed, p.Threads)
	if err != nil {
		return nil, fail("init weights", err)
	}
	exe, err := be.Compile(w, g)
	if err != nil {
		return nil, fail("compile on "+be.Device().String(), err)
	}
	defer func() {
		if cerr := exe.Close(); cerr != nil && err == nil {
			res, err = nil, fail("release", cerr)
		}
	}()
	allocPeak := g.AllocPeakBytes()
	if got := exe.AllocBytes(); got != allocPeak {
		return nil, fail("compile", fmt.Errorf("the backend holds %d bytes, the planner says %d (weights %d + arena %d + state %d)",
			got, allocPeak, g.WeightBytes, g.ArenaBytes, g.StateBytes))
	}
	if err := exe.SetIDs(0, randomIDs(p.Batch*p.SeqLen, a.NToken, seed)); err != nil {
		return nil, fail("set token ids", err)
	}
	if p.MemLen > 0 {
		if err := exe.ResetState(); err != nil {
			return nil, fail("reset memory", err)
		}
		if err := exe.Run(0); err != nil {
			return nil, fail("fill memory (untimed segment)", err)
		}
	}
	pr := measureProbe()
	defer pr.close()
	wu, err := warmUp(ctx, exe, 0, p, time.Now, pr)
	if err != nil {
		return nil, fmt.Errorf("measure %s: %w", key, err) // err names its step
	}
	// Collect what the set-up (and any earlier measurement) left behind and return it
	// to the operating system: the collector is then unlikely to run during the timed
	// forwards (which allocate nothing), and the resident peak does not count freed
	// heap that the runtime kept.
	debug.FreeOSMemory()

	res = newResult(be, a, key, p, seed, allocPeak)
	res.WarmupRuns, res.WarmupSettled = wu.runs, wu.settled
	rssErr := resetPeakRSS()
	ms, hasSampler := exe.(backend.MemorySampler)
	if hasSampler {
		ms.StartMemorySampling()
	}
	s, dist, err := sampleLeastDisturbed(ctx, exe, 0, p, pr)
	if hasSampler {
		res.NVMLProcessPeakBytes, res.DeviceUsedDeltaBytes, res.MemoryNote = ms.StopMemorySampling()
	}
	if err != nil {
		return nil, fmt.Errorf("measure %s: %w", key, err) // err names its step
	}
	if rssErr == nil {
		var peak int64
		if peak, rssErr = readPeakRSS(); rssErr == nil {
			res.RSSPeakBytes = &peak
		}
	}
	if rssErr != nil {
		res.RSSNote = rssNote(rssErr)
	}
	if wr, ok := exe.(backend.WorkspaceReporter); ok {
		res.WorkspaceBytes = wr.WorkspaceBytes()
	}
	res.SamplesMS, res.DisturbedMS = s.split(p)
	if dist.Measured {
		res.Disturbance = &dist
	}
	res.Latency = Summarize(res.SamplesMS)
	return res, nil
}

// measureProbe is the disturbance probe of Measure (tests replace it).
var measureProbe = newProbe

// A measurement most of whose forwards were disturbed (more than retryDisturbed) is
// taken again, after retryPause, at most measureRetries times; the least disturbed one
// is kept.
const (
	retryDisturbed = 0.5
	measureRetries = 2
	retryPause     = 200 * time.Millisecond
)

// sampleLeastDisturbed runs the sampling loop, again when most of its forwards were
// disturbed, and returns the least disturbed run with its disturbance.
func sampleLeastDisturbed(ctx context.Context, r runner, g int, p Protocol, pr probe) (*sampled, Disturbance, error) {
	var best *sampled
	var bestD Disturbance
	for attempt := 0; ; attempt++ {
		a := pr.snap()
		s, err := sample(ctx, r, g, p, time.Now, pr)
		if err != nil {
			return nil, bestD, err
		}
		var d Disturbance
		d.account(a, pr.snap())
		d.Samples = len(s.disturbed)
		d.Fraction = float64(len(s.disturbed)) / float64(max(s.total(), 1))
		if best == nil || d.Fraction < bestD.Fraction {
			best, bestD = s, d
		}
		bestD.Retries = attempt
		if d.Fraction <= retryDisturbed || attempt == measureRetries {
			return best, bestD, nil
		}
		select {
		case <-ctx.Done():
			return best, bestD, nil
		case <-time.After(retryPause):
		}
	}
}

// randomIDs draws n token ids uniformly from [0, nToken), seeded. Every cluster of the
// adaptive embedding and softmax is reached, as in real text.
func randomIDs(n, nToken int, seed uint64) []int32 {
	rng := rand.New(rand.NewPCG(seed, idsStream))
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(rng.IntN(nToken))
	}
	return ids
}

// flopsPerToken is space's FLOPs-per-token proxy of a (matrix products only, the
// sequence of tgt_len tokens; see space.Arch.FLOPsPerToken), rounded.
func flopsPerToken(a *space.Arch) int64 { return int64(math.Round(a.FLOPsPerToken())) }

// newResult is the part of a Result every measurement mode fills the same way: what
// was measured, where, under which protocol, and the planner's peak.
func newResult(be backend.Backend, a *space.Arch, key string, p Protocol, seed uint64, allocPeak int64) *Result {
	return &Result{
		Device:         be.Device().String(),
		Arch:           a,
		Key:            key,
		DecoderParams:  a.DecoderParams(),
		TotalParams:    a.TotalParams(),
		FLOPsPerToken:  flopsPerToken(a),
		Protocol:       p,
		Seed:           seed,
		AllocPeakBytes: allocPeak,
	}
}
