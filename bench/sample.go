package bench

import (
	"context"
	"strconv"
	"time"
)

// runner is what the sampling loop needs of a backend.Executable.
type runner interface {
	Run(g int) error
	RunTimed(g int) (time.Duration, error)
}

// stepError says which step of a measurement failed.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// The warm-up settles when the last settleWindow timed warm-up forwards lie within
// settleTolerance of each other (max/min − 1), at most warmupMaxRuns forwards after
// the fixed ones and warmupMaxTime (or --max-time when shorter). The tolerance is what
// tells a cold start (the first forwards of a small model take twice as long and more,
// falling over 5 to 10 forwards) from a CPU's ordinary noise (±5–10 % from forward to
// forward on a shared virtual machine), which a tighter one would wait out in vain.
const (
	settleWindow    = 3
	settleTolerance = 0.10
	warmupMaxRuns   = 20
	warmupMaxTime   = time.Second
)

// warmedUp is what the warm-up did.
type warmedUp struct {
	runs    int  // forwards, untimed and timed
	settled bool // the timed ones settled (false when the warm-up is fixed)
}

// warmUp runs graph g p.Warmup times, untimed, stopping early when ctx is cancelled.
// Then, unless the protocol fixes the warm-up (LTS-compat, FixedWarmup), it times
// warm-up forwards until the last settleWindow undisturbed ones agree within
// settleTolerance: caches, page faults of first use, the CPU's clock and a GPU's
// clocks settle at their own pace, and a fixed count either wastes time or starts the
// samples too early.
func warmUp(ctx context.Context, r runner, g int, p Protocol, now func() time.Time, pr probe) (warmedUp, error) {
	var w warmedUp
	for i := range p.Warmup {
		if err := ctx.Err(); err != nil {
			return w, &stepError{"warm-up", err}
		}
		if err := r.Run(g); err != nil {
			return w, &stepError{"warm-up forward " + strconv.Itoa(i+1), err}
		}
		w.runs++
	}
	if p.LTSCompat || p.FixedWarmup {
		return w, nil
	}
	limit := warmupMaxTime
	if m := seconds(p.MaxTimeS); m > 0 && m < limit {
		limit = m
	}
	var last []float64
	start := now()
	for i := 0; i < warmupMaxRuns; i++ {
		if err := ctx.Err(); err != nil {
			return w, &stepError{"warm-up", err}
		}
		w0, ok0 := pr.waitOnly()
		d, err := r.RunTimed(g)
		if err != nil {
			return w, &stepError{"warm-up forward " + strconv.Itoa(w.runs+1), err}
		}
		w1, ok1 := pr.waitOnly()
		w.runs++
		if ok0 && ok1 && disturbed(w1-w0, d) {
			continue
		}
		last = append(last, float64(d))
		if len(last) > settleWindow {
			last = last[1:]
		}
		if len(last) == settleWindow && settled(last) {
			w.settled = true
			return w, nil
		}
		if now().Sub(start) >= limit {
			break
		}
	}
	return w, nil
}

// settled reports whether xs lie within settleTolerance of each other.
func settled(xs []float64) bool {
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo > 0 && hi/lo-1 <= settleTolerance
}

// disturbed reports whether a forward of duration d was disturbed: our threads waited
// for a CPU for more than disturbedWait of it.
func disturbed(wait, d time.Duration) bool {
	return float64(wait) > disturbedWait*float64(d)
}

// sampled is what the sampling loop took, in milliseconds.
type sampled struct {
	kept      []float64 // undisturbed forwards, in order
	disturbed []float64 // disturbed forwards, set aside, in order
}

func (s *sampled) total() int { return len(s.kept) + len(s.disturbed) }

// sample times single forwards of graph g until at least p.MinSamples undisturbed ones
// were taken and p.MinTimeS has passed, or p.MaxSamples undisturbed ones were taken, or
// p.MaxTimeS has passed (after at least one sample; 0 = no time bound), or the
// disturbed forwards re-measured reach p.MinSamples beyond p.MaxSamples. Time is
// wall-clock time since the first sample started, as now reports it, so the bounds
// hold for the whole loop, overheads included; each sample is the device's own
// measure of one forward (RunTimed). A forward is disturbed when our threads waited
// for a CPU during it (pr; see disturbedWait): it is set aside and another is taken in
// its place. ctx is checked between samples.
func sample(ctx context.Context, r runner, g int, p Protocol, now func() time.Time, pr probe) (*sampled, error) {
	s := &sampled{kept: make([]float64, 0, min(p.MaxSamples, 1024))}
	minTime := seconds(p.MinTimeS)
	maxTime := seconds(p.MaxTimeS)
	start := now()
	for {
		if err := ctx.Err(); err != nil {
			return s, &stepError{"timed forwards (after " + strconv.Itoa(s.total()) + " samples)", err}
		}
		w0, ok0 := pr.waitOnly()
		d, err := r.RunTimed(g)
		if err != nil {
			return s, &stepError{"timed forward " + strconv.Itoa(s.total()+1), err}
		}
		w1, ok1 := pr.waitOnly()
		v := float64(d) / float64(time.Millisecond)
		if ok0 && ok1 && disturbed(w1-w0, d) {
			s.disturbed = append(s.disturbed, v)
		} else {
			s.kept = append(s.kept, v)
		}
		n, elapsed := len(s.kept), now().Sub(start)
		switch {
		case n >= p.MaxSamples:
			return s, nil
		case s.total() >= p.MaxSamples+p.MinSamples:
			return s, nil
		case maxTime > 0 && elapsed >= maxTime:
			return s, nil
		case n >= p.MinSamples && elapsed >= minTime:
			return s, nil
		}
	}
}

// split is the samples the statistics are taken over and those set aside: the
// undisturbed ones, topped up to p.MinSamples with the earliest disturbed ones when
// too few were undisturbed (the disturbance record then says how little the numbers
// can be trusted); the other disturbed ones are set aside.
func (s *sampled) split(p Protocol) (stat, aside []float64) {
	n := min(max(p.MinSamples-len(s.kept), 0), len(s.disturbed))
	stat = append(append([]float64(nil), s.kept...), s.disturbed[:n]...)
	return stat, s.disturbed[n:]
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
