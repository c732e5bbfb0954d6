package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock that only moves when a fake forward runs.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// fakeRunner is an Executable's run methods with deterministic durations: timed forward
// i (from 0) takes dur(i) and moves the clock by as much; warm-ups take warmDur.
type fakeRunner struct {
	clock   *fakeClock
	dur     func(i int) time.Duration
	warmDur time.Duration
	runs    int // untimed forwards
	timed   int // timed forwards
	failAt  int // timed forward (from 1) that fails; 0 = none
	onTimed func(n int)
	// waitFor is the run-queue delay our threads suffer during timed forward i (from
	// 0), as the fake's probe reports it; nil = none.
	waitFor func(i int) time.Duration
	waited  time.Duration
}

// probe is f's disturbance probe: it reports the waits of waitFor.
func (f *fakeRunner) probe() probe { return fakeProbe{f} }

type fakeProbe struct{ f *fakeRunner }

func (p fakeProbe) waitOnly() (time.Duration, bool) { return p.f.waited, true }
func (p fakeProbe) snap() cpuSnap                   { return cpuSnap{} }
func (p fakeProbe) close()                          {}

func (f *fakeRunner) Run(g int) error {
	f.runs++
	f.clock.t = f.clock.t.Add(f.warmDur)
	return nil
}

func (f *fakeRunner) RunTimed(g int) (time.Duration, error) {
	f.timed++
	if f.timed == f.failAt {
		return 0, errors.New("device lost")
	}
	d := f.dur(f.timed - 1)
	if f.waitFor != nil {
		f.waited += f.waitFor(f.timed - 1)
	}
	f.clock.t = f.clock.t.Add(d)
	if f.onTimed != nil {
		f.onTimed(f.timed)
	}
	return d, nil
}

func constant(d time.Duration) func(int) time.Duration { return func(int) time.Duration { return d } }

func newFake(dur func(int) time.Duration) *fakeRunner {
	return &fakeRunner{clock: &fakeClock{t: time.Unix(1e9, 0)}, dur: dur}
}

func TestSampleBounds(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name               string
		dur                time.Duration
		minN, maxN         int
		minTimeS, maxTimeS float64
		want               int
	}{
		// 10 × 1 ms: the sample count is the last bound to hold.
		{"min-samples", ms, 10, 200, 0.005, 30, 10},
		// 3 samples are taken after 30 ms; 100 ms need 10 samples of 10 ms.
		{"min-time", 10 * ms, 3, 200, 0.1, 30, 10},
		// 10 s at 1 ms a sample would need 10000 samples; 50 is the cap.
		{"max-samples", ms, 10, 50, 10, 30, 50},
		// 100 samples of 100 ms would take 10 s; 1 s allows 10.
		{"max-time", 100 * ms, 100, 200, 0, 1, 10},
		// One forward longer than the time bound still gives one sample.
		{"one slow sample", 5 * time.Second, 10, 200, 1, 1, 1},
		// max-time 0 is no bound: 10 samples of 40 s.
		{"no time bound", 40 * time.Second, 10, 10, 0, 0, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(constant(tc.dur))
			p := Protocol{MinSamples: tc.minN, MaxSamples: tc.maxN, MinTimeS: tc.minTimeS, MaxTimeS: tc.maxTimeS}
			s, err := sample(context.Background(), f, 0, p, f.clock.now, f.probe())
			if err != nil {
				t.Fatal(err)
			}
			got := s.kept
			if len(got) != tc.want || f.timed != tc.want {
				t.Fatalf("took %d samples (%d timed forwards), want %d", len(got), f.timed, tc.want)
			}
			for i, s := range got {
				if want := float64(tc.dur) / 1e6; s != want {
					t.Fatalf("sample %d = %g ms, want %g", i, s, want)
				}
			}
		})
	}
}

func TestSampleKeepsEachDuration(t *testing.T) {
	f := newFake(func(i int) time.Duration { return time.Duration(i+1) * 250 * time.Microsecond })
	p := Protocol{MinSamples: 4, MaxSamples: 4}
	s, err := sample(context.Background(), f, 0, p, f.clock.now, f.probe())
	if err != nil {
		t.Fatal(err)
	}
	got := s.kept
	want := []float64{0.25, 0.5, 0.75, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("samples %v, want %v", got, want)
		}
	}
}

func TestLTSCompatProtocol(t *testing.T) {
	p := DefaultProtocol().WithLTSCompat()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Warmup != 2 || p.Statistic != StatMean || !p.LTSCompat {
		t.Fatalf("LTS-compat protocol %+v: want 2 warm-ups and the mean", p)
	}
	// Exactly 10 samples whatever they take: 10 × 40 s exceeds every default bound,
	// 10 × 1 µs is below the default minimum time.
	for _, d := range []time.Duration{40 * time.Second, time.Microsecond} {
		f := newFake(constant(d))
		if _, err := warmUp(context.Background(), f, 0, p, f.clock.now, f.probe()); err != nil {
			t.Fatal(err)
		}
		s, err := sample(context.Background(), f, 0, p, f.clock.now, f.probe())
		if err != nil {
			t.Fatal(err)
		}
		got := s.kept
		if f.runs != 2 || f.timed != 10 || len(got) != 10 {
			t.Fatalf("forwards of %v: %d warm-ups and %d samples, want 2 and 10", d, f.runs, len(got))
		}
	}
	// Shape and output settings survive.
	q := DefaultProtocol()
	q.Batch, q.SeqLen, q.Output = 4, 64, "last"
	q = q.WithLTSCompat()
	if q.Batch != 4 || q.SeqLen != 64 || q.Output != "last" {
		t.Fatalf("WithLTSCompat changed the shape: %+v", q)
	}
	// A protocol that claims LTS-compat with other sampling is refused.
	q.Warmup = 3
	if err := q.Validate(); err == nil {
		t.Fatal("LTS-compat with 3 warm-ups was accepted")
	}
}

func TestWarmUpCount(t *testing.T) {
	f := newFake(constant(time.Millisecond))
	p := DefaultProtocol()
	p.FixedWarmup = true
	w, err := warmUp(context.Background(), f, 0, p, f.clock.now, f.probe())
	if err != nil {
		t.Fatal(err)
	}
	if f.runs != 3 || f.timed != 0 || w.runs != 3 || w.settled {
		t.Fatalf("%d untimed and %d timed forwards (%+v), want 3 and 0", f.runs, f.timed, w)
	}
}

func TestWarmUpSettles(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name        string
		dur         func(i int) time.Duration
		wait        func(i int) time.Duration
		timed       int
		wantSettled bool
	}{
		// Steady from the start: the first 3 timed forwards agree.
		{"steady", constant(10 * ms), nil, 3, true},
		// 40, 20, 12, 10.4, 10.2, 10.1 …: 12/10.2 − 1 = 18 %, then 10.4/10.1 − 1 = 3 %
		// ≤ 10 %, so forwards 4–6 settle it.
		{"decaying", func(i int) time.Duration {
			return []time.Duration{40 * ms, 20 * ms, 12 * ms, 10400 * time.Microsecond, 10200 * time.Microsecond, 10100 * time.Microsecond}[min(i, 5)]
		}, nil, 6, true},
		// Alternating 10 and 12 ms never agree within 10 %: the 20-forward bound ends it.
		{"never", func(i int) time.Duration { return time.Duration(10+2*(i%2)) * ms }, nil, warmupMaxRuns, false},
		// Forward 2 (10 ms, 1 ms of it waiting: 10 % > 5 %) is disturbed and does not
		// count, though as fast as the others: forwards 1, 3, 4 settle it.
		{"disturbed skipped", constant(10 * ms), func(i int) time.Duration {
			if i == 1 {
				return ms
			}
			return 0
		}, 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(tc.dur)
			f.waitFor = tc.wait
			p := DefaultProtocol()
			w, err := warmUp(context.Background(), f, 0, p, f.clock.now, f.probe())
			if err != nil {
				t.Fatal(err)
			}
			if f.runs != p.Warmup || f.timed != tc.timed || w.runs != p.Warmup+tc.timed || w.settled != tc.wantSettled {
				t.Fatalf("%d untimed, %d timed warm-ups, %+v; want %d, %d, settled %v", f.runs, f.timed, w, p.Warmup, tc.timed, tc.wantSettled)
			}
		})
	}
	// The time bound: alternating forwards of 100 and 120 ms never settle, and 1 s
	// ends the warm-up (0.1 + 0.12 + … reaches 1.1 s at the 10th), or --max-time when
	// shorter (0.1 + 0.12 + 0.1 + 0.12 ≥ 0.4 s at the 4th).
	for _, tc := range []struct {
		maxTimeS float64
		want     int
	}{{30, 10}, {0, 10}, {0.4, 4}} {
		f := newFake(func(i int) time.Duration { return time.Duration(10+2*(i%2)) * 10 * time.Millisecond })
		w, err := warmUp(context.Background(), f, 0, Protocol{MaxTimeS: tc.maxTimeS}, f.clock.now, f.probe())
		if err != nil || w.settled || f.timed != tc.want {
			t.Errorf("max-time %gs, alternating 100/120 ms: %d timed warm-ups (%+v, %v), want %d", tc.maxTimeS, f.timed, w, err, tc.want)
		}
	}
}

func TestSampleSetsDisturbedAside(t *testing.T) {
	ms := time.Millisecond
	// Forwards of 10 ms; forwards 2 and 3 (from 1) waited 2 ms (20 %), forward 5 waited
	// 0.4 ms (4 %, not disturbed). MinSamples 4 needs 6 forwards.
	f := newFake(func(i int) time.Duration { return time.Duration(10+i) * ms })
	f.waitFor = func(i int) time.Duration {
		switch i {
		case 1, 2:
			return 2 * ms
		case 4:
			return 400 * time.Microsecond
		}
		return 0
	}
	p := Protocol{MinSamples: 4, MaxSamples: 10}
	s, err := sample(context.Background(), f, 0, p, f.clock.now, f.probe())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(s.kept) != "[10 13 14 15]" || fmt.Sprint(s.disturbed) != "[11 12]" {
		t.Fatalf("kept %v, disturbed %v; want [10 13 14 15] and [11 12]", s.kept, s.disturbed)
	}
	if got, aside := s.split(p); fmt.Sprint(got) != "[10 13 14 15]" || fmt.Sprint(aside) != "[11 12]" {
		t.Fatalf("statistics over %v, %v set aside; want the undisturbed", got, aside)
	}
	// Every forward disturbed: the re-measures stop at MaxSamples + MinSamples, and
	// the first MinSamples of them make the statistics.
	g := newFake(constant(10 * ms))
	g.waitFor = constant(5 * ms)
	s, err = sample(context.Background(), g, 0, p, g.clock.now, g.probe())
	if err != nil {
		t.Fatal(err)
	}
	stat, aside := s.split(p)
	if len(s.kept) != 0 || len(s.disturbed) != 14 || len(stat) != 4 || len(aside) != 10 {
		t.Fatalf("all disturbed: kept %d, disturbed %d, statistics over %d, %d aside; want 0, 14, 4, 10", len(s.kept), len(s.disturbed), len(stat), len(aside))
	}
}

func TestSampleCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFake(constant(time.Millisecond))
	f.onTimed = func(n int) {
		if n == 5 {
			cancel()
		}
	}
	p := Protocol{MinSamples: 100, MaxSamples: 200, MinTimeS: 10, MaxTimeS: 30}
	got, err := sample(ctx, f, 0, p, f.clock.now, f.probe())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if f.timed != 5 || len(got.kept) != 5 || !strings.Contains(err.Error(), "after 5 samples") {
		t.Fatalf("%d timed forwards, %d samples, error %q: want it to stop after the 5th", f.timed, len(got.kept), err)
	}
	// Warm-up stops too, before its first forward.
	g := newFake(constant(time.Millisecond))
	if _, err := warmUp(ctx, g, 0, DefaultProtocol(), g.clock.now, g.probe()); !errors.Is(err, context.Canceled) || g.runs != 0 {
		t.Fatalf("warm-up on a cancelled context: %d forwards, error %v", g.runs, err)
	}
}

func TestSampleError(t *testing.T) {
	f := newFake(constant(time.Millisecond))
	f.failAt = 3
	_, err := sample(context.Background(), f, 0, DefaultProtocol(), f.clock.now, f.probe())
	if err == nil || !strings.Contains(err.Error(), "timed forward 3: device lost") {
		t.Fatalf("error %v, want it to name timed forward 3", err)
	}
}
