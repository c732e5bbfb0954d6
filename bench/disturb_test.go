package bench

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestDisturbanceAccount(t *testing.T) {
	t0 := time.Unix(1e9, 0)
	a := cpuSnap{ok: true, wall: t0, wait: 1 * time.Millisecond, busy: 10 * time.Second, steal: 2 * time.Second, self: 3 * time.Second, cpus: 2}
	// 2 s of wall on 2 CPUs = 4 s of capacity. The machine was busy 3 s (steal 0.5 s
	// of it), our process used 2 s: others took 1 s, a quarter.
	b := cpuSnap{ok: true, wall: t0.Add(2 * time.Second), wait: 31 * time.Millisecond, busy: 13 * time.Second, steal: 2500 * time.Millisecond, self: 5 * time.Second, cpus: 2}
	var d Disturbance
	d.account(a, b)
	if !d.Measured || d.WaitMS != 30 || d.StealMS != 500 || d.OthersShare != 0.25 {
		t.Fatalf("%+v: want measured, wait 30 ms, steal 500 ms, others 0.25", d)
	}
	// Our process counted more than the ticks of /proc/stat showed: never negative.
	b.busy = 11 * time.Second
	d = Disturbance{}
	d.account(a, b)
	if d.OthersShare != 0 {
		t.Fatalf("others share %v, want 0", d.OthersShare)
	}
	// Where the probe cannot tell, nothing is measured.
	d = Disturbance{}
	d.account(cpuSnap{}, b)
	if d.Measured {
		t.Fatal("measured from an empty snapshot")
	}
}

// scriptedProbe reports, for attempt k of the sampling loop (counted by snap pairs),
// every forward as disturbed while k < disturbedAttempts.
type scriptedProbe struct {
	snaps             int
	disturbedAttempts int
	wait              time.Duration
}

func (p *scriptedProbe) waitOnly() (time.Duration, bool) {
	if (p.snaps+1)/2 <= p.disturbedAttempts && p.snaps%2 == 1 {
		p.wait += time.Second // far more than any fake forward takes
	}
	return p.wait, true
}
func (p *scriptedProbe) snap() cpuSnap { p.snaps++; return cpuSnap{ok: true, cpus: 1} }
func (p *scriptedProbe) close()        {}

func TestMeasureRetriesDisturbed(t *testing.T) {
	defer func(f func() probe) { measureProbe = f }(measureProbe)
	a, _ := Preset("gpt2-tiny")
	for _, tc := range []struct {
		disturbedAttempts, wantRetries, wantTimed, wantDisturbed int
		wantSamples                                              string
	}{
		// The first attempt is all disturbed (3 + 3 forwards, the re-measure bound):
		// it is taken again and the quiet second attempt is kept.
		{1, 1, 9, 0, "[7 8 9]"},
		// Every attempt disturbed: 3 attempts, the first kept, its first 3 samples
		// make the statistics and 3 are set aside.
		{5, 2, 18, 6, "[1 2 3]"},
	} {
		pr := &scriptedProbe{disturbedAttempts: tc.disturbedAttempts}
		measureProbe = func() probe { return pr }
		exe := &fakeExe{}
		res, err := Measure(context.Background(), &fakeBackend{exe: exe}, a, fastProtocol(3), 1)
		if err != nil {
			t.Fatal(err)
		}
		d := res.Disturbance
		if exe.timed != tc.wantTimed || d == nil || d.Retries != tc.wantRetries || d.Samples != tc.wantDisturbed {
			t.Errorf("%d disturbed attempts: %d timed forwards (want %d), disturbance %+v (want %d retries, %d disturbed)",
				tc.disturbedAttempts, exe.timed, tc.wantTimed, d, tc.wantRetries, tc.wantDisturbed)
		}
		// All but the 3 that topped up the samples are set aside.
		if got, want := len(res.DisturbedMS), max(tc.wantDisturbed-3, 0); got != want {
			t.Errorf("%d disturbed attempts: %d disturbed samples set aside, want %d", tc.disturbedAttempts, got, want)
		}
		if got := fmt.Sprint(res.SamplesMS); got != tc.wantSamples {
			t.Errorf("%d disturbed attempts: samples %s, want %s", tc.disturbedAttempts, got, tc.wantSamples)
		}
	}
}
