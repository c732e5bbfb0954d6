package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock advances only when told to.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Unix(1_000_000, 0)} }
func lines(b *bytes.Buffer) []string     { return strings.Split(strings.TrimRight(b.String(), "\n"), "\n") }
func st(it, measured, front int) Status {
	return Status{Iteration: it, Iterations: 3, Measured: measured, FrontSize: front}
}

func TestETA(t *testing.T) {
	for _, c := range []struct {
		elapsed         time.Duration
		done, remaining int
		want            time.Duration
		ok              bool
	}{
		{10 * time.Second, 5, 15, 30 * time.Second, true}, // 2 s each
		{90 * time.Second, 30, 0, 0, true},
		{7 * time.Second, 2, 1, 3500 * time.Millisecond, true},
		{time.Minute, 0, 10, 0, false}, // no rate yet
	} {
		got, ok := ETA(c.elapsed, c.done, c.remaining)
		if got != c.want || ok != c.ok {
			t.Errorf("ETA(%v, %d, %d) = %v, %v; want %v, %v", c.elapsed, c.done, c.remaining, got, ok, c.want, c.ok)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 400 * time.Millisecond: "0s", 1500 * time.Millisecond: "2s",
		62 * time.Second: "1m2s", time.Hour + 3*time.Second: "1h0m3s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// A plain run of 20 architectures over 3 iterations (8 + 6 + 6), 2 s each: one line at
// the start, one per tenth of the budget (every 2 architectures) and one per iteration.
func TestPlainLines(t *testing.T) {
	var buf bytes.Buffer
	clk := newClock()
	r := newReporter(&buf, 20, false, clk.now)
	r.Start(st(1, 0, 0))
	sizes := []int{8, 6, 6}
	n := 0
	for it, size := range sizes {
		for range size {
			clk.add(2 * time.Second)
			n++
			r.Measured(st(it+1, n, it+1))
		}
		r.IterationDone(st(it+1, n, it+1))
	}
	r.Finish()
	got := lines(&buf)
	want := []string{
		"searching: 3 iterations, 20 architectures to measure",
		"2/20 measured (10%), iteration 1/3, front 1, elapsed 4s, remaining ~36s",
		"4/20 measured (20%), iteration 1/3, front 1, elapsed 8s, remaining ~32s",
		"6/20 measured (30%), iteration 1/3, front 1, elapsed 12s, remaining ~28s",
		"8/20 measured (40%), iteration 1/3, front 1, elapsed 16s, remaining ~24s",
		"iteration 1/3 done: 8/20 measured, front 1, elapsed 16s, remaining ~24s",
		"10/20 measured (50%), iteration 2/3, front 2, elapsed 20s, remaining ~20s",
		"12/20 measured (60%), iteration 2/3, front 2, elapsed 24s, remaining ~16s",
		"14/20 measured (70%), iteration 2/3, front 2, elapsed 28s, remaining ~12s",
		"iteration 2/3 done: 14/20 measured, front 2, elapsed 28s, remaining ~12s",
		"16/20 measured (80%), iteration 3/3, front 3, elapsed 32s, remaining ~8s",
		"18/20 measured (90%), iteration 3/3, front 3, elapsed 36s, remaining ~4s",
		"20/20 measured (100%), iteration 3/3, front 3, elapsed 40s, remaining ~0s",
		"iteration 3/3 done: 20/20 measured, front 3, elapsed 40s, remaining ~0s",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("plain output:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(buf.String(), "\r") {
		t.Error("plain output contains a carriage return")
	}
}

// On resume the records taken from the archive cost no time: the rate counts only what
// this process measured (3 architectures in 30 s → 10 s each, 7 left → 70 s).
func TestResumeRateExcludesArchived(t *testing.T) {
	var buf bytes.Buffer
	clk := newClock()
	r := newReporter(&buf, 20, false, clk.now)
	r.Start(Status{Iteration: 2, Iterations: 3, Measured: 10, FrontSize: 4})
	for n := 11; n <= 13; n++ {
		clk.add(10 * time.Second)
		r.Measured(Status{Iteration: 2, Iterations: 3, Measured: n, FrontSize: 4})
	}
	r.IterationDone(Status{Iteration: 2, Iterations: 3, Measured: 13, FrontSize: 5})
	got := lines(&buf)
	want := []string{
		"resuming: 10/20 architectures already measured, front 4",
		"12/20 measured (60%), iteration 2/3, front 4, elapsed 20s, remaining ~1m20s",
		"iteration 2/3 done: 13/20 measured, front 5, elapsed 30s, remaining ~1m10s",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("resume output:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// On a terminal every report redraws one line; a message clears it, prints on a line
// of its own and redraws; Finish ends the line.
func TestTerminalBar(t *testing.T) {
	var buf bytes.Buffer
	clk := newClock()
	r := newReporter(&buf, 10, true, clk.now)
	r.Start(st(1, 0, 0))
	clk.add(3 * time.Second)
	r.Measured(st(1, 5, 2))
	r.Logf("architecture %d failed", 6)
	r.Finish()
	out := buf.String()
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("terminal output has %d newlines, want 2 (the message and Finish): %q", n, out)
	}
	wantBar := "\r\x1b[Kiter 1/3 [==========          ] 5/10 front 2 elapsed 3s eta 3s"
	if !strings.Contains(out, wantBar) {
		t.Errorf("terminal output %q lacks the bar %q", out, wantBar)
	}
	if !strings.Contains(out, wantBar+"\r\x1b[Karchitecture 6 failed\n"+wantBar+"\n") {
		t.Errorf("message not printed between a cleared and a redrawn bar: %q", out)
	}
}

// New on something that is not a terminal (a buffer, a regular file) writes plain lines.
func TestNewPlainForNonTerminal(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, 5)
	r.Start(st(1, 0, 0))
	if strings.Contains(buf.String(), "\r") || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("non-terminal writer got %q, want a plain line", buf.String())
	}
}
