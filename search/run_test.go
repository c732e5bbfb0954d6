package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/internal/progress"
	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// smallConfig is the paper's algorithm at a tenth of its sizes: 10 = 2 + 4 + 4,
// 5 iterations, budget 10 + 4·8 = 42.
func smallConfig(s Space, algorithm string) Config {
	c := PaperConfig(s)
	c.Algorithm, c.Iterations = algorithm, 5
	c.Population, c.Parents, c.Mutations, c.Crossovers = 10, 2, 4, 4
	return c
}

// logProgress keeps what a search reports.
type logProgress struct {
	mu       sync.Mutex
	logs     []string
	measured []progress.Status
	iters    []progress.Status
	starts   []progress.Status
	finished int
}

func (p *logProgress) Start(s progress.Status)         { p.starts = append(p.starts, s) }
func (p *logProgress) Measured(s progress.Status)      { p.measured = append(p.measured, s) }
func (p *logProgress) IterationDone(s progress.Status) { p.iters = append(p.iters, s) }
func (p *logProgress) Finish()                         { p.finished++ }
func (p *logProgress) Logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.logs = append(p.logs, fmt.Sprintf(format, args...))
}

func (p *logProgress) logged(sub string) bool {
	for _, l := range p.logs {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

func readArchive(t *testing.T, dir string) []results.Record {
	t.Helper()
	recs, partial, err := results.ReadArchive(filepath.Join(dir, results.ArchiveFile))
	if err != nil || partial != 0 {
		t.Fatalf("reading the archive: %v (partial %d)", err, partial)
	}
	return recs
}

func readFront(t *testing.T, dir string) []results.Record {
	t.Helper()
	recs, _, err := results.ReadArchive(filepath.Join(dir, results.ParetoFile))
	if err != nil {
		t.Fatalf("reading pareto.jsonl: %v", err)
	}
	return recs
}

// runDir is Run on the run directory dir, as ltsbench run does it: with resume, the
// settings checked against dir/run.json when there is one; the archive and front kept
// by results.OpenStore.
func runDir(ctx context.Context, cfg Config, m Measurer, dir string, resume bool, p Progress) (*Outcome, error) {
	if resume {
		info, err := results.ReadRunInfo(dir)
		switch {
		case err == nil:
			if err := CheckResume(info, cfg); err != nil {
				return nil, err
			}
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}
	store, err := results.OpenStore(dir, resume)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	return Run(ctx, cfg, m, store, p)
}

func run(t *testing.T, cfg Config, m Measurer, dir string, resume bool, p Progress) *Outcome {
	t.Helper()
	out, err := runDir(t.Context(), cfg, m, dir, resume, p)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return out
}

func TestPaperConfig(t *testing.T) {
	c := PaperConfig(tinySpace())
	if c.Algorithm != Evolution || c.Seed != 1111 || c.Iterations != 30 || c.Population != 100 ||
		c.Parents != 20 || c.Mutations != 40 || c.Crossovers != 40 || c.MutationProb != 0.3 ||
		c.CrossoverProb != 0.5 || c.Strict || c.MaxLatencyMS != 0 || c.MaxMemoryBytes != 0 {
		t.Errorf("PaperConfig = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	// LTS measures the first population, then 80 offspring in each later iteration.
	if got := c.Budget(); got != 100+29*80 {
		t.Errorf("Budget = %d, want 2420", got)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for field, mod := range map[string]func(*Config){
		"algorithm":      func(c *Config) { c.Algorithm = "anneal" },
		"iterations":     func(c *Config) { c.Iterations = 0 },
		"population":     func(c *Config) { c.Population = 99 },
		"mutation_prob":  func(c *Config) { c.MutationProb = 1.5 },
		"crossover_prob": func(c *Config) { c.CrossoverProb = -0.1 },
		"max_latency_ms": func(c *Config) { c.MaxLatencyMS = -1 },
		"max_memory_mb":  func(c *Config) { c.MaxMemoryBytes = -1 },
		"parents":        func(c *Config) { c.Parents, c.Mutations = 0, 60 },
		"mutations":      func(c *Config) { c.Parents, c.Mutations, c.Crossovers = 100, 0, 0 },
	} {
		c := PaperConfig(tinySpace())
		mod(&c)
		err := c.Validate()
		var fe *bench.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: Validate() = %v, want a FieldError on it", field, err)
		}
		// Every field named is one of run.json's (so that a command line can map it).
		bounded := PaperConfig(tinySpace())
		bounded.MaxLatencyMS, bounded.MaxMemoryBytes = 1, results.BytesPerMB
		info, _ := bounded.Info()
		data, _ := json.Marshal(info)
		for _, f := range append([]string{field}, fe.Related...) {
			if !strings.Contains(string(data), `"`+f+`":`) {
				t.Errorf("%s: field %q is not in run.json's search object %s", field, f, data)
			}
		}
		if _, rerr := runDir(t.Context(), c, &fakeMeasurer{}, t.TempDir(), false, nil); rerr == nil {
			t.Errorf("%s: Run accepted the bad config", field)
		}
	}
	c := PaperConfig(nil)
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "search space") {
		t.Errorf("no space: Validate() = %v", err)
	}
}

// Both algorithms measure exactly the budget, in the same batch sizes, never the same
// architecture twice and never one the space rejects; the files say what the Outcome
// says.
func TestBudgetBatchesNoDuplicates(t *testing.T) {
	for _, alg := range Algorithms() {
		t.Run(alg, func(t *testing.T) {
			s := wideSpace()
			cfg := smallConfig(s, alg)
			m := &fakeMeasurer{}
			dir := t.TempDir()
			p := &logProgress{}
			out := run(t, cfg, m, dir, false, p)
			if len(out.Records) != cfg.Budget() || out.Measured != cfg.Budget() || out.Iterations != cfg.Iterations ||
				out.Stopped || out.Exhausted || out.Resumed != 0 {
				t.Fatalf("outcome: %d records, %d measured, %d iterations, stopped %v, exhausted %v, resumed %d; budget %d",
					len(out.Records), out.Measured, out.Iterations, out.Stopped, out.Exhausted, out.Resumed, cfg.Budget())
			}
			perIter := make([]int, cfg.Iterations)
			seen := map[string]bool{}
			for i, r := range out.Records {
				perIter[r.Iteration]++
				if r.Seq != i || seen[r.Key] || r.Key != r.Arch.Key() || s.Check(r.Arch) != nil || r.DecoderParams != r.Arch.DecoderParams() {
					t.Fatalf("record %d: seq %d key %s (duplicate %v, check %v)", i, r.Seq, r.Key, seen[r.Key], s.Check(r.Arch))
				}
				seen[r.Key] = true
			}
			if want := []int{10, 8, 8, 8, 8}; !slices.Equal(perIter, want) {
				t.Errorf("records per iteration %v, want %v", perIter, want)
			}
			if !slices.Equal(m.measured(), keysOf(out.Records)) {
				t.Errorf("measurer saw %d architectures, archive has %d", len(m.measured()), len(out.Records))
			}
			archived := readArchive(t, dir)
			if !slices.Equal(keysOf(archived), keysOf(out.Records)) {
				t.Error("archive.jsonl differs from Outcome.Records")
			}
			for i := range archived {
				// The arch the search used is the one the archive reads back
				// (wideSpace keeps genes beyond n_layer; the archive does not).
				if !reflect.DeepEqual(archived[i].Arch, out.Records[i].Arch) {
					t.Fatalf("record %d: archived arch %+v, in memory %+v", i, archived[i].Arch, out.Records[i].Arch)
				}
			}
			if !slices.Equal(keysOf(readFront(t, dir)), keysOf(out.Front)) || len(out.Front) == 0 {
				t.Errorf("pareto.jsonl %v, Outcome.Front %v", keysOf(readFront(t, dir)), keysOf(out.Front))
			}
			if !slices.Equal(keysOf(out.Front), keysOf(results.ParetoFront(out.Records, cfg.Strict, cfg.Bounds()))) {
				t.Error("Outcome.Front is not results.ParetoFront(Outcome.Records)")
			}
			if len(p.measured) != cfg.Budget() || len(p.iters) != cfg.Iterations || len(p.starts) != 1 || p.finished != 1 {
				t.Errorf("progress: %d measured, %d iterations, %d starts, %d finishes", len(p.measured), len(p.iters), len(p.starts), p.finished)
			}
			if last := p.iters[len(p.iters)-1]; last.Measured != cfg.Budget() || last.FrontSize != len(out.Front) || last.Iteration != cfg.Iterations {
				t.Errorf("last progress %+v", last)
			}
		})
	}
}

// When the budget covers a small space the search measures all of it, stops as
// exhausted, and finds the brute-force front.
func TestSearchCoversSmallSpace(t *testing.T) {
	s := tinySpace()
	all := measureAll(t, s, &fakeMeasurer{OOMBytes: 1_800_000})
	for _, alg := range Algorithms() {
		for _, strict := range []bool{false, true} {
			cfg := smallConfig(s, alg)
			cfg.Population, cfg.Parents, cfg.Mutations, cfg.Crossovers = 40, 10, 15, 15
			cfg.Strict = strict
			p := &logProgress{}
			out := run(t, cfg, &fakeMeasurer{OOMBytes: 1_800_000}, t.TempDir(), false, p)
			if !out.Exhausted || !p.logged("exhausted") {
				t.Errorf("%s strict=%v: not reported exhausted (%d records)", alg, strict, len(out.Records))
			}
			if got, want := sortedKeys(out.Records), sortedKeys(all); !slices.Equal(got, want) {
				t.Errorf("%s strict=%v: measured %d architectures, the space has %d", alg, strict, len(got), len(want))
			}
			if got, want := sortedKeys(out.Front), sortedKeys(bruteFront(all, strict, results.Bounds{})); !slices.Equal(got, want) {
				t.Errorf("%s strict=%v: front %v, brute force %v", alg, strict, got, want)
			}
		}
	}
}

// An architecture that fails to run is archived as infeasible with its error, stays
// out of the front, and the search spends its whole budget anyway.
func TestInfeasibleRecordedAndSkipped(t *testing.T) {
	s := wideSpace()
	cfg := smallConfig(s, Evolution)
	m := &fakeMeasurer{OOMBytes: 5_000_000}
	p := &logProgress{}
	dir := t.TempDir()
	out := run(t, cfg, m, dir, false, p)
	if len(out.Records) != cfg.Budget() {
		t.Fatalf("%d records, want %d", len(out.Records), cfg.Budget())
	}
	if out.Infeasible == 0 || out.Infeasible == len(out.Records) {
		t.Fatalf("%d of %d infeasible; the test needs some of each", out.Infeasible, len(out.Records))
	}
	front := map[string]bool{}
	for _, r := range out.Front {
		front[r.Key] = true
	}
	n := 0
	for _, r := range readArchive(t, dir) {
		if r.Feasible {
			continue
		}
		n++
		if !strings.Contains(r.Error, "out of memory") || r.LatencyMS != 0 || r.MemoryBytes != 0 || front[r.Key] {
			t.Errorf("infeasible record %s: error %q, latency %v, memory %d, on front %v", r.Key, r.Error, r.LatencyMS, r.MemoryBytes, front[r.Key])
		}
	}
	if n != out.Infeasible || !p.logged("infeasible: out of memory") {
		t.Errorf("archive has %d infeasible records, Outcome %d; logged: %v", n, out.Infeasible, p.logged("infeasible"))
	}
}

// A measurer that returns nonsense is an infeasible record, not a record the archive
// reader would reject on resume.
func TestBadMeasurementIsInfeasible(t *testing.T) {
	cfg := smallConfig(wideSpace(), Random)
	cfg.Iterations = 1
	out := run(t, cfg, measurerFunc(func(ctx context.Context, a *space.Arch) (*Measurement, error) {
		return &Measurement{LatencyMS: 0, MemoryBytes: 100}, nil
	}), t.TempDir(), false, nil)
	if out.Infeasible != len(out.Records) || !strings.Contains(out.Records[0].Error, "must be positive") {
		t.Errorf("%d of %d infeasible, error %q", out.Infeasible, len(out.Records), out.Records[0].Error)
	}
}

type measurerFunc func(ctx context.Context, a *space.Arch) (*Measurement, error)

func (f measurerFunc) Measure(ctx context.Context, a *space.Arch) (*Measurement, error) {
	return f(ctx, a)
}

// The same seed gives the same search; another seed another one.
func TestDeterministic(t *testing.T) {
	cfg := smallConfig(wideSpace(), Evolution)
	a := run(t, cfg, &fakeMeasurer{}, t.TempDir(), false, nil)
	b := run(t, cfg, &fakeMeasurer{}, t.TempDir(), false, nil)
	if !slices.Equal(keysOf(a.Records), keysOf(b.Records)) {
		t.Error("two runs with the same seed differ")
	}
	cfg.Seed++
	c := run(t, cfg, &fakeMeasurer{}, t.TempDir(), false, nil)
	if slices.Equal(keysOf(a.Records), keysOf(c.Records)) {
		t.Error("another seed gave the same search")
	}
}

// When nothing measured is within the bounds there are no parents; the search draws
// at random instead and still spends its budget.
func TestNoParentsDrawsAtRandom(t *testing.T) {
	cfg := smallConfig(wideSpace(), Evolution)
	cfg.MaxLatencyMS = 0.001
	p := &logProgress{}
	out := run(t, cfg, &fakeMeasurer{}, t.TempDir(), false, p)
	if len(out.Records) != cfg.Budget() || len(out.Front) != 0 || !p.logged("no parents") {
		t.Errorf("%d records (budget %d), front %d, logged %q", len(out.Records), cfg.Budget(), len(out.Front), p.logs)
	}
}

// cancelAfter cancels the run when asked for architecture n+1, as Ctrl-C during a
// measurement would.
type cancelAfter struct {
	fakeMeasurer
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Measure(ctx context.Context, a *space.Arch) (*Measurement, error) {
	if len(c.measured()) == c.n {
		c.cancel()
		<-ctx.Done()
		return nil, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	return c.fakeMeasurer.Measure(ctx, a)
}

// Ctrl-C stops the search after writing what it has; --resume then finishes it with
// nothing measured twice and ends where an uninterrupted run ends.
func TestStopAndResume(t *testing.T) {
	cfg := smallConfig(wideSpace(), Evolution)
	want := run(t, cfg, &fakeMeasurer{OOMBytes: 5_000_000}, t.TempDir(), false, nil)

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := &cancelAfter{fakeMeasurer: fakeMeasurer{OOMBytes: 5_000_000}, n: 23, cancel: cancel}
	out, err := runDir(ctx, cfg, m, dir, false, nil)
	if !errors.Is(err, context.Canceled) || out == nil || !out.Stopped || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("stopped run: outcome %v, error %v", out, err)
	}
	if got := readArchive(t, dir); len(got) != 23 || len(out.Records) != 23 {
		t.Fatalf("stopped run archived %d records (outcome %d), want 23", len(got), len(out.Records))
	}
	if got := readFront(t, dir); !slices.Equal(keysOf(got), keysOf(results.ParetoFront(out.Records, false, results.Bounds{}))) {
		t.Error("pareto.jsonl of the stopped run is not the front of its records")
	}

	m2 := &fakeMeasurer{OOMBytes: 5_000_000}
	res := run(t, cfg, m2, dir, true, nil)
	if res.Resumed != 23 || res.Measured != cfg.Budget()-23 {
		t.Errorf("resumed %d, measured %d; want 23 and %d", res.Resumed, res.Measured, cfg.Budget()-23)
	}
	if slices.ContainsFunc(m2.measured(), func(k string) bool { return slices.Contains(keysOf(out.Records), k) }) {
		t.Error("the resumed run measured an architecture again")
	}
	if !slices.Equal(keysOf(readArchive(t, dir)), keysOf(want.Records)) {
		t.Error("stopped and resumed archive differs from the uninterrupted one")
	}
	if !slices.Equal(keysOf(res.Front), keysOf(want.Front)) || !slices.Equal(keysOf(readFront(t, dir)), keysOf(want.Front)) {
		t.Error("stopped and resumed front differs from the uninterrupted one")
	}

	// Resuming a finished run measures nothing and reports the same.
	m3 := &fakeMeasurer{}
	again := run(t, cfg, m3, dir, true, nil)
	if len(m3.measured()) != 0 || !slices.Equal(keysOf(again.Records), keysOf(want.Records)) {
		t.Errorf("resuming a finished run measured %d architectures", len(m3.measured()))
	}
}

func TestFreshRunRefusesArchive(t *testing.T) {
	cfg := smallConfig(wideSpace(), Random)
	cfg.Iterations = 1
	dir := t.TempDir()
	run(t, cfg, &fakeMeasurer{}, dir, false, nil)
	_, err := runDir(t.Context(), cfg, &fakeMeasurer{}, dir, false, nil)
	if err == nil || !strings.Contains(err.Error(), "already holds a search") {
		t.Errorf("second fresh run into one directory: %v", err)
	}
	// Resume with no archive starts from scratch.
	if out := run(t, cfg, &fakeMeasurer{}, t.TempDir(), true, nil); len(out.Records) != cfg.Budget() {
		t.Errorf("--resume of an empty directory measured %d, want %d", len(out.Records), cfg.Budget())
	}
}

// --resume with other settings is refused: by run.json when there is one, else by
// the replay, which finds the archive is not what these settings propose.
func TestResumeRefusesOtherSettings(t *testing.T) {
	cfg := smallConfig(wideSpace(), Evolution)
	cfg.Iterations = 3
	dir := t.TempDir()
	info, err := cfg.RunInfo()
	if err != nil {
		t.Fatal(err)
	}
	info.Device = "cpu"
	if err := results.WriteRunInfo(dir, &info); err != nil {
		t.Fatal(err)
	}
	run(t, cfg, &fakeMeasurer{}, dir, false, nil)

	other := cfg
	other.Seed, other.Strict = 7, true
	_, err = runDir(t.Context(), other, &fakeMeasurer{}, dir, true, nil)
	if err == nil || !strings.Contains(err.Error(), "seed 1111 there, 7 here") || !strings.Contains(err.Error(), "dominance standard there, strict here") {
		t.Errorf("resume with another seed and dominance: %v", err)
	}

	os.Remove(filepath.Join(dir, results.RunFile))
	_, err = runDir(t.Context(), other, &fakeMeasurer{}, dir, true, nil)
	if err == nil || !strings.Contains(err.Error(), "not what these settings propose") {
		t.Errorf("resume with another seed, no run.json: %v", err)
	}
	shorter := cfg
	shorter.Iterations = 2
	_, err = runDir(t.Context(), shorter, &fakeMeasurer{}, dir, true, nil)
	if err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Errorf("resume with fewer iterations, no run.json: %v", err)
	}
}

// run.json's search space is compared whole: a changed field is named.
func TestCheckResumeComparesSpace(t *testing.T) {
	sp := &space.Space{Backbone: space.GPT2, NLayer: space.Range{Min: 2, Max: 8, Step: 1}, DModel: space.Range{Min: 128, Max: 512, Step: 64},
		DInner: space.Range{Min: 256, Max: 2048, Step: 64}, NHead: []int{2, 4, 8}, NToken: 50257, TgtLen: 192, DInnerMinRatio: 1.7}
	cfg := PaperConfig(sp)
	info, err := cfg.RunInfo()
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckResume(&info, cfg); err != nil {
		t.Errorf("same settings: %v", err)
	}
	sp2 := *sp
	sp2.NHead = []int{2, 4}
	if err := CheckResume(&info, PaperConfig(&sp2)); err == nil || !strings.Contains(err.Error(), "space") {
		t.Errorf("other space: %v", err)
	}
	bounded := cfg
	bounded.MaxMemoryBytes = 300 * results.BytesPerMB
	if err := CheckResume(&info, bounded); err == nil || !strings.Contains(err.Error(), "max_memory_mb 0 there, 300 here") {
		t.Errorf("other memory bound: %v", err)
	}
}

// Parents that cannot make new children (one parent: every crossover is that parent
// again) do not stall the search: random samples fill the iteration.
func TestStuckParentsFilledAtRandom(t *testing.T) {
	cfg := smallConfig(wideSpace(), Evolution)
	cfg.Parents, cfg.Mutations, cfg.Crossovers = 1, 4, 5
	p := &logProgress{}
	out := run(t, cfg, &fakeMeasurer{}, t.TempDir(), false, p)
	if len(out.Records) != cfg.Budget() || out.Exhausted || !p.logged("random samples fill the rest") {
		t.Errorf("%d records (budget %d), exhausted %v, logs %q", len(out.Records), cfg.Budget(), out.Exhausted, p.logs)
	}
}
