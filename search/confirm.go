package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/results"
)

// ConfirmOptions sizes a confirmation (Confirm).
type ConfirmOptions struct {
	// Rounds is how many times each architecture is measured again (≥ 1).
	Rounds int
	// Margin is the neighbourhood of the front that is confirmed with it: every
	// architecture that would be on the front were it Margin faster (relative) than
	// measured, so that one measured slow by chance gets a second chance.
	Margin float64
	// MaxArchs caps how many architectures are confirmed (0: no cap): the front
	// first, then the neighbours nearest to it.
	MaxArchs int
}

// DefaultConfirmMargin is the neighbourhood confirmed with the front: architectures
// within 10 % of joining it, the size of the run-to-run spread of a busy CPU.
const DefaultConfirmMargin = 0.10

// ConfirmOutcome is what a confirmation did.
type ConfirmOutcome struct {
	Confirmations []results.Confirmation // in the order of the candidates
	Front         []results.Record       // the front with the confirmed latencies
	// Unconfirmed counts the front's members that were not measured again: they
	// reached the front only because a confirmed latency rose, or the cap left them
	// out.
	Unconfirmed int
	// MedianSpread is the median over the confirmed architectures of their rounds'
	// spread (max/min − 1); 0 with one round.
	MedianSpread float64
	// Failed counts the measurements of the rounds that failed (an architecture that
	// fails in every round is not confirmed).
	Failed int
}

// Candidates is the architectures a confirmation measures: the front of recs (under
// strict or standard dominance, within bounds), then every other admitted record that
// would join it were its latency margin lower, nearest first, at most maxArchs of them
// (0: all; a front larger than maxArchs is thinned to maxArchs members evenly spaced
// over the decoder parameters). The result is in the order of decoder parameters and
// key.
func Candidates(recs []results.Record, strict bool, bounds results.Bounds, margin float64, maxArchs int) []results.Record {
	onFront := map[string]bool{}
	for _, r := range results.ParetoFront(recs, strict, bounds) {
		onFront[r.Key] = true
	}
	type cand struct {
		rec   *results.Record
		front bool
		slack float64 // how much faster (relative) it would need to be to join the front
	}
	var admitted []*results.Record
	for i := range recs {
		if bounds.Admits(&recs[i]) {
			admitted = append(admitted, &recs[i])
		}
	}
	var cands []cand
	for _, b := range admitted {
		if onFront[b.Key] {
			cands = append(cands, cand{b, true, 0})
			continue
		}
		// The fastest record at least as good in parameters and memory is what b
		// must beat.
		fastest := math.Inf(1)
		for _, a := range admitted {
			if a != b && noWorseButLatency(a, b, strict) {
				fastest = math.Min(fastest, a.LatencyMS)
			}
		}
		if slack := b.LatencyMS/fastest - 1; slack <= margin {
			cands = append(cands, cand{b, false, slack})
		}
	}
	byParams := func(a, b *results.Record) int {
		if a.DecoderParams != b.DecoderParams {
			return int(math.Copysign(1, float64(a.DecoderParams-b.DecoderParams)))
		}
		return compareStrings(a.Key, b.Key)
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.front != b.front {
			return a.front
		}
		if a.slack != b.slack {
			return a.slack < b.slack
		}
		return byParams(a.rec, b.rec) < 0
	})
	if maxArchs > 0 && len(cands) > maxArchs {
		nFront := 0
		for nFront < len(cands) && cands[nFront].front {
			nFront++
		}
		if nFront > maxArchs {
			// More front members than the cap: every part of the front, evenly
			// spaced over the parameters, rather than its smallest models.
			picked := make([]cand, maxArchs)
			for k := range picked {
				picked[k] = cands[k*(nFront-1)/max(maxArchs-1, 1)]
			}
			cands = picked
		} else {
			cands = cands[:maxArchs]
		}
	}
	out := make([]results.Record, len(cands))
	for i := range cands {
		out[i] = *cands[i].rec
	}
	slices.SortStableFunc(out, func(a, b results.Record) int { return byParams(&a, &b) })
	return out
}

// noWorseButLatency reports whether a would dominate b given a latency no higher:
// standard dominance needs at least b's parameters and at most its memory, strict
// dominance more and less.
func noWorseButLatency(a, b *results.Record, strict bool) bool {
	if strict {
		return a.DecoderParams > b.DecoderParams && a.MemoryBytes < b.MemoryBytes
	}
	return a.DecoderParams >= b.DecoderParams && a.MemoryBytes <= b.MemoryBytes
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Confirm measures the front of recs and its neighbourhood (Candidates) again with m,
// opt.Rounds times each, in interleaved rounds: round r measures every candidate once,
// starting at candidate r (mod n) so that no architecture always runs first or last,
// and the next round starts only when this one is done. Drift of the machine over time
// (another process, the clock, the temperature) then falls on all architectures
// alike, and the front rests on latencies that compare.
//
// It writes DIR/confirmed.jsonl (results.WriteConfirmations) and DIR/pareto.jsonl,
// the front with the confirmed latencies, each atomically, and returns the outcome. A
// confirmation cut short by ctx writes nothing and returns an error wrapping
// ctx.Err(). logf (nil: none) hears about each round.
func Confirm(ctx context.Context, dir string, recs []results.Record, strict bool, bounds results.Bounds, m Measurer, opt ConfirmOptions, logf func(format string, args ...any)) (*ConfirmOutcome, error) {
	if opt.Rounds < 1 {
		return nil, &bench.FieldError{Field: "rounds", Msg: fmt.Sprintf("must be at least 1 to confirm, got %d", opt.Rounds)}
	}
	if !(opt.Margin >= 0) {
		return nil, fmt.Errorf("confirmation margin must be ≥ 0, got %v", opt.Margin)
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	// An earlier confirmation is replaced, not mixed with this one: start from the
	// search's latencies.
	recs = slices.Clone(recs)
	for i := range recs {
		if c := recs[i].Confirmed; c != nil {
			recs[i].LatencyMS, recs[i].Confirmed = c.SearchLatencyMS, nil
		}
	}
	cands := Candidates(recs, strict, bounds, opt.Margin, opt.MaxArchs)
	out := &ConfirmOutcome{}
	if len(cands) == 0 {
		return out, nil
	}
	n := len(cands)
	rounds := make([][]float64, n)  // per candidate, each round's latency
	samples := make([][]float64, n) // per candidate, every sample of every round
	forwards, disturbed := make([]int, n), make([]int, n)
	statistic := bench.StatMedian
	start := time.Now()
	for r := range opt.Rounds {
		for k := range n {
			i := (r + k) % n
			meas, err := m.Measure(ctx, cands[i].Arch)
			if ctx.Err() != nil {
				return nil, fmt.Errorf("confirmation stopped in round %d of %d; nothing written: %w", r+1, opt.Rounds, ctx.Err())
			}
			if err != nil || meas == nil || !(meas.LatencyMS > 0) {
				out.Failed++
				logf("confirm %s, round %d: %v", cands[i].Key, r+1, errOrNoLatency(err))
				continue
			}
			rounds[i] = append(rounds[i], meas.LatencyMS)
			if res := meas.Result; res != nil {
				samples[i] = append(samples[i], res.SamplesMS...)
				statistic = res.Protocol.Statistic
				forwards[i] += len(res.SamplesMS) + len(res.DisturbedMS)
				disturbed[i] += len(res.DisturbedMS)
			} else {
				samples[i] = append(samples[i], meas.LatencyMS)
			}
		}
		logf("confirmation round %d/%d done: %d architectures (%s)", r+1, opt.Rounds, n, time.Since(start).Round(time.Second))
	}
	at := time.Now().UTC().Format(time.RFC3339)
	var spreads []float64
	for i := range cands {
		if len(rounds[i]) == 0 {
			continue
		}
		st := bench.Summarize(samples[i])
		c := results.Confirmation{
			Key: cands[i].Key, RoundsMS: rounds[i], Latency: st, LatencyMS: st.Median,
			Spread: spread(rounds[i]), SearchLatencyMS: cands[i].LatencyMS, ConfirmedAt: at,
		}
		if statistic == bench.StatMean {
			c.LatencyMS = st.Mean
		}
		if forwards[i] > 0 {
			c.DisturbedFraction = float64(disturbed[i]) / float64(forwards[i])
		}
		out.Confirmations = append(out.Confirmations, c)
		spreads = append(spreads, c.Spread)
	}
	out.MedianSpread = bench.Summarize(spreads).Median
	results.ApplyConfirmations(recs, out.Confirmations)
	out.Front = results.ParetoFront(recs, strict, bounds)
	for i := range out.Front {
		if out.Front[i].Confirmed == nil {
			out.Unconfirmed++
		}
	}
	if err := results.WriteConfirmations(dir, out.Confirmations); err != nil {
		return nil, err
	}
	if err := results.WriteJSONL(filepath.Join(dir, results.ParetoFile), out.Front); err != nil {
		return nil, err
	}
	return out, nil
}

// spread is max/min − 1 of xs (all > 0), 0 for fewer than two.
func spread(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	return slices.Max(xs)/slices.Min(xs) - 1
}

func errOrNoLatency(err error) error {
	if err != nil {
		return err
	}
	return errors.New("no latency measured")
}
