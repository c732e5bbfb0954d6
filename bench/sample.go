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

// warmUp runs graph g p.Warmup times, untimed, stopping early when ctx is cancelled.
func warmUp(ctx context.Context, r runner, g int, p Protocol) error {
	for i := range p.Warmup {
		if err := ctx.Err(); err != nil {
			return &stepError{"warm-up", err}
		}
		if err := r.Run(g); err != nil {
			return &stepError{"warm-up forward " + strconv.Itoa(i+1), err}
		}
	}
	return nil
}

// sample times single forwards of graph g until at least p.MinSamples were taken and
// p.MinTimeS has passed, or p.MaxSamples were taken, or p.MaxTimeS has passed (after at
// least one sample; 0 = no time bound). Time is wall-clock time since the first sample
// started, as now reports it, so the bounds hold for the whole loop, overheads
// included; each sample is the device's own measure of one forward (RunTimed). ctx is
// checked between samples.
func sample(ctx context.Context, r runner, g int, p Protocol, now func() time.Time) ([]float64, error) {
	samples := make([]float64, 0, min(p.MaxSamples, 1024))
	minTime := seconds(p.MinTimeS)
	maxTime := seconds(p.MaxTimeS)
	start := now()
	for {
		if err := ctx.Err(); err != nil {
			return samples, &stepError{"timed forwards (after " + strconv.Itoa(len(samples)) + " samples)", err}
		}
		d, err := r.RunTimed(g)
		if err != nil {
			return samples, &stepError{"timed forward " + strconv.Itoa(len(samples)+1), err}
		}
		samples = append(samples, float64(d)/float64(time.Millisecond))
		n, elapsed := len(samples), now().Sub(start)
		switch {
		case n >= p.MaxSamples:
			return samples, nil
		case maxTime > 0 && elapsed >= maxTime:
			return samples, nil
		case n >= p.MinSamples && elapsed >= minTime:
			return samples, nil
		}
	}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
