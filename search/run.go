package search

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/internal/progress"
	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// Measurement is what a Measurer reports for one architecture: the two measured
// objectives and, optionally, the full measurement to keep in the archive.
type Measurement struct {
	LatencyMS   float64 // > 0: the latency objective (the median, unless --lts-compat)
	MemoryBytes int64   // > 0: the memory objective (the run's memory metric)
	Result      *bench.Result
	Worker      *results.WorkerInfo // the fleet worker that measured it, if one did
	Generation  *bench.Generation   // a generation objective's measurement, kept beside Result
}

// Measurer measures architectures on a device. The search never measures anything
// itself.
type Measurer interface {
	// Measure runs a and reports its objectives. An error means a cannot run (out of
	// memory, …): the search records it as infeasible and goes on, unless the error
	// came with the end of ctx, which stops the search instead.
	Measure(ctx context.Context, a *space.Arch) (*Measurement, error)
}

// Progress receives the search's state; *progress.Reporter implements it, and a nil
// Progress reports nothing.
type Progress interface {
	Start(progress.Status)         // before the first measurement of this process
	Measured(progress.Status)      // after each architecture measured
	IterationDone(progress.Status) // after each iteration whose front was written
	Logf(format string, args ...any)
	Finish()
}

// Outcome is what a search did.
type Outcome struct {
	// Records is every record of the store in order, those resumed included.
	Records []results.Record
	// Front is results.ParetoFront(Records) under the run's dominance and bounds: the
	// front last written to the store.
	Front      []results.Record
	Iterations int // iterations completed
	Resumed    int // records taken over from the store (a resumed run)
	Measured   int // architectures measured by this call
	Infeasible int // records in Records that could not run
	// Stopped: the context ended the search early (Run also returns an error wrapping
	// ctx.Err()); --resume continues it.
	Stopped bool
	// Exhausted: an iteration found no new valid architecture, so the search ended
	// before its budget; the space holds nothing more to measure, or very little.
	Exhausted bool
}

// Run searches cfg.Space with cfg's algorithm, measuring with m and keeping every
// record in store (see Store; results.OpenStore keeps a run directory).
//
// A Measurer that is a GenerationMeasurer (a fleet of devices) is given each
// generation's candidates together; their records are appended in the order
// proposed, as one-by-one measurements would be.
//
// Each record is appended to the store the moment it is measured; the front is
// written after each iteration and when the search ends or stops. An architecture
// whose measurement fails is recorded as infeasible, with its error, and the search
// goes on. When ctx ends, Run writes what it has and returns the Outcome so far with
// an error wrapping ctx.Err().
//
// A store that holds records already (store.Prior: a resumed run) is replayed: each
// iteration's candidates are drawn again and those already stored take their values
// from it, so nothing is measured twice and the random stream is the one the
// interrupted run used. Stored records that are not the prefix of what cfg proposes
// are an error. The caller checks run.json's settings first (CheckResume).
func Run(ctx context.Context, cfg Config, m Measurer, store Store, prog Progress) (*Outcome, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if m == nil || store == nil {
		return nil, errors.New("search: no measurer or no store")
	}
	if prog == nil {
		prog = nopProgress{}
	}
	if n := store.Dropped(); n > 0 {
		prog.Logf("%s: dropped a partial last line (%d bytes) left by an interrupted write; that architecture is measured again", store.Name(), n)
	}
	r := &runner{
		cfg: cfg, m: m, prog: prog, store: store, prior: store.Prior(),
		prop: cfg.Params().Proposer(cfg), front: frontier{strict: cfg.Strict, bounds: cfg.Bounds()},
	}
	out, err := r.run(ctx)
	if r.started {
		prog.Finish()
	}
	return out, err
}

// runner is one call of Run.
type runner struct {
	cfg     Config
	m       Measurer
	prog    Progress
	store   Store
	prior   []results.Record // the store's records as Run found them
	prop    Proposer
	records []results.Record // every record so far, in store order
	front   frontier
	started bool // Progress.Start was called
	out     Outcome
}

func (r *runner) run(ctx context.Context) (*Outcome, error) {
	cfg := r.cfg
	r.out.Resumed = len(r.prior)
	for it := 0; it < cfg.Iterations; it++ {
		g, err := r.prop.Propose(it)
		if err != nil {
			return r.finish(err)
		}
		if len(g.Candidates) == 0 {
			r.out.Exhausted = true
			r.prog.Logf("iteration %d/%d: no new valid architecture in %d draws in a row; the space is exhausted, stopping with %d of %d architectures measured",
				it+1, cfg.Iterations, maxMisses, len(r.records), cfg.Budget())
			break
		}
		measured := 0          // by this call, in this iteration
		var todo []*space.Arch // for a GenerationMeasurer: the candidates not stored yet
		gm, batch := r.m.(GenerationMeasurer)
		for _, a := range g.Candidates {
			if n := len(r.records); n < len(r.prior) {
				if err := r.replay(it, a); err != nil {
					return r.finish(err)
				}
				continue
			}
			if batch {
				todo = append(todo, a)
				continue
			}
			if !r.started {
				r.prog.Start(r.status(it))
				r.started = true
			}
			if measured == 0 {
				r.note(it, g)
			}
			rec, stopped := r.measure(ctx, it, a)
			if stopped {
				return r.stop(ctx, it)
			}
			if err := r.record(it, rec); err != nil {
				return r.finish(err)
			}
			measured++
		}
		if len(todo) > 0 {
			if !r.started {
				r.prog.Start(r.status(it))
				r.started = true
			}
			r.note(it, g)
			recs, err := r.measureGeneration(ctx, it, gm, todo)
			if err != nil && ctx.Err() != nil {
				return r.stop(ctx, it)
			}
			if err != nil {
				return r.finish(fmt.Errorf("iteration %d/%d: measuring %d architectures: %w", it+1, cfg.Iterations, len(todo), err))
			}
			for _, rec := range recs {
				if err := r.record(it, rec); err != nil {
					return r.finish(err)
				}
				measured++
			}
		}
		r.out.Iterations = it + 1
		if measured > 0 {
			if err := r.store.WriteFront(r.front.front); err != nil {
				return r.finish(err)
			}
			r.prog.IterationDone(r.status(it))
		}
	}
	if n := len(r.records); n < len(r.prior) {
		return r.finish(fmt.Errorf("%s: holds %d records, more than the %d these settings propose (other --iterations or sizes than the run it continues?)",
			r.store.Name(), len(r.prior), n))
	}
	return r.finish(nil)
}

// observe takes rec (measured now or replayed) into the records, the front and the
// proposer's view.
func (r *runner) observe(rec results.Record) {
	r.records = append(r.records, rec)
	r.front.add(rec)
	r.prop.Observe(&rec)
}

// record appends rec, measured now in iteration it, to the store and observes it.
func (r *runner) record(it int, rec results.Record) error {
	if err := r.store.Append(rec); err != nil {
		return err
	}
	r.observe(rec)
	r.out.Measured++
	if !rec.Feasible {
		r.prog.Logf("%s: infeasible: %s", rec.Key, rec.Error)
	}
	r.prog.Measured(r.status(it))
	return nil
}

// stop ends a run interrupted in iteration it (ctx is done): what was recorded stays.
func (r *runner) stop(ctx context.Context, it int) (*Outcome, error) {
	r.out.Stopped = true
	return r.finish(fmt.Errorf("search stopped in iteration %d/%d with %d of %d architectures measured; --resume continues it: %w",
		it+1, r.cfg.Iterations, len(r.records), r.cfg.Budget(), ctx.Err()))
}

func (r *runner) status(it int) progress.Status {
	return progress.Status{Iteration: it + 1, Iterations: r.cfg.Iterations, Measured: len(r.records), FrontSize: len(r.front.front)}
}

// note logs why an iteration proposes fewer or other candidates than usual.
func (r *runner) note(it int, g *Generation) {
	if g.Note != "" {
		r.prog.Logf("iteration %d/%d: %s", it+1, r.cfg.Iterations, g.Note)
	}
	if len(g.Candidates) < g.Want {
		r.prog.Logf("iteration %d/%d: only %d of %d new valid architectures found; the space is nearly exhausted",
			it+1, r.cfg.Iterations, len(g.Candidates), g.Want)
	}
}

// replay takes the next archived record as the measurement of candidate a, checking
// that the archive holds what this run proposes at that position.
func (r *runner) replay(it int, a *space.Arch) error {
	n := len(r.records)
	rec := r.prior[n]
	key := a.Key()
	if rec.Key != key || rec.Iteration != it || rec.Seq != n {
		return fmt.Errorf("%s: record %d (seq %d, iteration %d, %s) is not what these settings propose there (iteration %d, %s): the archive comes from another seed, space, algorithm or sizes",
			r.store.Name(), n+1, rec.Seq, rec.Iteration, rec.Key, it, key)
	}
	// The key names the model exactly; take the canonical arch and recount the
	// parameters, so only the measured values come from the file.
	rec.Arch, rec.DecoderParams = a, a.DecoderParams()
	r.observe(rec)
	return nil
}

// measure measures candidate a. stopped reports that ctx ended first (nothing to
// record). Any other failure is an infeasible record.
func (r *runner) measure(ctx context.Context, it int, a *space.Arch) (rec results.Record, stopped bool) {
	if ctx.Err() != nil {
		return rec, true
	}
	meas, err := r.m.Measure(ctx, a)
	if err != nil && ctx.Err() != nil {
		// Cut short by the end of the run, not a property of a.
		return rec, true
	}
	return record(len(r.records), it, a, meas, err), false
}

// measureGeneration measures the candidates as of iteration it together and returns
// their records in the order of as, numbered from the next sequence number.
func (r *runner) measureGeneration(ctx context.Context, it int, gm GenerationMeasurer, as []*space.Arch) ([]results.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	atts, err := gm.MeasureGeneration(ctx, as)
	if err != nil {
		return nil, err
	}
	if len(atts) != len(as) {
		return nil, fmt.Errorf("the measurer reported %d results for %d architectures", len(atts), len(as))
	}
	recs := make([]results.Record, len(as))
	for i, a := range as {
		recs[i] = record(len(r.records)+i, it, a, atts[i].Measurement, atts[i].Err)
	}
	return recs, nil
}

// record is the archive record of architecture a, number seq, proposed in iteration
// it: its measurement, or infeasible with err or with what is wrong with meas.
func record(seq, it int, a *space.Arch, meas *Measurement, err error) results.Record {
	rec := results.Record{Seq: seq, Iteration: it, Key: a.Key(), Arch: a, DecoderParams: a.DecoderParams()}
	switch {
	case err != nil:
		rec.Error = err.Error()
	case meas == nil:
		rec.Error = "the measurer returned no measurement"
	case !(meas.LatencyMS > 0) || math.IsInf(meas.LatencyMS, 0) || meas.MemoryBytes <= 0:
		rec.Error = fmt.Sprintf("the measurer returned latency %v ms and memory %d bytes; both must be positive and finite", meas.LatencyMS, meas.MemoryBytes)
	default:
		rec.Feasible, rec.LatencyMS, rec.MemoryBytes, rec.Result, rec.Worker = true, meas.LatencyMS, meas.MemoryBytes, meas.Result, meas.Worker
		rec.Generation = meas.Generation
	}
	return rec
}

// finish writes the front of what was measured and fills the Outcome; err passes
// through (joined with a failure to write the front).
func (r *runner) finish(err error) (*Outcome, error) {
	if len(r.records) > 0 {
		if werr := r.store.WriteFront(r.front.front); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	r.out.Records, r.out.Front, r.out.Infeasible = r.records, r.front.front, results.CountInfeasible(r.records)
	if err == nil {
		r.prog.Logf("search done: %d architectures (%d measured now, %d resumed, %d infeasible), front %d",
			len(r.records), r.out.Measured, r.out.Resumed, r.out.Infeasible, len(r.front.front))
	}
	return &r.out, err
}

type nopProgress struct{}

func (nopProgress) Start(progress.Status)         {}
func (nopProgress) Measured(progress.Status)      {}
func (nopProgress) IterationDone(progress.Status) {}
func (nopProgress) Logf(string, ...any)           {}
func (nopProgress) Finish()                       {}

var _ Progress = (*progress.Reporter)(nil)
