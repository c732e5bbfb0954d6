package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// Status is the state of a search at the moment it is reported.
type Status struct {
	Iteration  int // the current iteration, 1-based
	Iterations int // iterations in all
	Measured   int // architectures in the archive, resumed ones included
	FrontSize  int // members of the current Pareto front
}

// Reporter writes Status reports to one writer. Its methods are not safe for
// concurrent use; the search calls them from one goroutine.
type Reporter struct {
	w     io.Writer
	total int  // architectures the run will measure in all
	tty   bool // redraw one line with \r instead of writing log lines
	now   func() time.Time

	start   time.Time
	base    int // Measured at Start: done by an earlier process, excluded from the rate
	started bool
	tenth   int    // last tenth of the budget a plain line was written for
	last    Status // redrawn after a Logf on a terminal
	drawn   bool   // a bar is on the screen (terminal mode)
}

// New returns a Reporter over w for a run that measures total architectures. It draws a
// bar when w is a terminal and writes plain lines otherwise.
func New(w io.Writer, total int) *Reporter {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return newReporter(w, total, tty, time.Now)
}

func newReporter(w io.Writer, total int, tty bool, now func() time.Time) *Reporter {
	return &Reporter{w: w, total: total, tty: tty, now: now, start: now()}
}

// Start marks the moment measuring begins; s.Measured is what the archive already held.
func (r *Reporter) Start(s Status) {
	r.start, r.base, r.started, r.last = r.now(), s.Measured, true, s
	r.tenth = r.tenthOf(s.Measured)
	if r.tty {
		r.draw(s)
		return
	}
	if s.Measured > 0 {
		r.printf("resuming: %d/%d architectures already measured, front %d", s.Measured, r.total, s.FrontSize)
	} else {
		r.printf("searching: %d iterations, %d architectures to measure", s.Iterations, r.total)
	}
}

// Measured reports that one more architecture was measured (or found infeasible).
func (r *Reporter) Measured(s Status) {
	r.ensureStarted(s)
	r.last = s
	if r.tty {
		r.draw(s)
		return
	}
	if t := r.tenthOf(s.Measured); t > r.tenth {
		r.tenth = t
		r.printf("%d/%d measured (%d%%), iteration %d/%d, front %d, %s",
			s.Measured, r.total, 10*t, s.Iteration, s.Iterations, s.FrontSize, r.timing(s))
	}
}

// IterationDone reports that an iteration is complete and its front written.
func (r *Reporter) IterationDone(s Status) {
	r.ensureStarted(s)
	r.last = s
	if r.tty {
		r.draw(s)
		return
	}
	r.printf("iteration %d/%d done: %d/%d measured, front %d, %s",
		s.Iteration, s.Iterations, s.Measured, r.total, s.FrontSize, r.timing(s))
}

// Logf writes one message line; on a terminal the bar is cleared first and redrawn
// after, so messages and bar never share a line.
func (r *Reporter) Logf(format string, args ...any) {
	if r.tty && r.drawn {
		fmt.Fprint(r.w, "\r\x1b[K")
		r.drawn = false
	}
	r.printf(format, args...)
	if r.tty && r.started {
		r.draw(r.last)
	}
}

// Finish ends the report: on a terminal the bar is left as it stands and the line ended.
func (r *Reporter) Finish() {
	if r.tty && r.drawn {
		fmt.Fprintln(r.w)
		r.drawn = false
	}
}

func (r *Reporter) ensureStarted(s Status) {
	if !r.started {
		r.Start(s)
	}
}

func (r *Reporter) printf(format string, args ...any) {
	fmt.Fprintf(r.w, format+"\n", args...)
}

// tenthOf is how many whole tenths of the budget n architectures are.
func (r *Reporter) tenthOf(n int) int {
	if r.total <= 0 {
		return 0
	}
	return min(10, 10*n/r.total)
}

// timing is "elapsed 1m2s, remaining ~3m4s" (remaining "?" until a rate is known).
func (r *Reporter) timing(s Status) string {
	elapsed := r.now().Sub(r.start)
	rem := "?"
	if d, ok := ETA(elapsed, s.Measured-r.base, r.total-s.Measured); ok {
		rem = "~" + FormatDuration(d)
	}
	return fmt.Sprintf("elapsed %s, remaining %s", FormatDuration(elapsed), rem)
}

const barWidth = 20

// draw redraws the bar line: "iter 3/30 [====>      ] 260/2420 front 17 1m2s eta 9m31s".
func (r *Reporter) draw(s Status) {
	filled := 0
	if r.total > 0 {
		filled = min(barWidth, barWidth*s.Measured/r.total)
	}
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled)
	elapsed := r.now().Sub(r.start)
	eta := "?"
	if d, ok := ETA(elapsed, s.Measured-r.base, r.total-s.Measured); ok {
		eta = FormatDuration(d)
	}
	fmt.Fprintf(r.w, "\r\x1b[Kiter %d/%d [%s] %d/%d front %d elapsed %s eta %s",
		s.Iteration, s.Iterations, bar, s.Measured, r.total, s.FrontSize, FormatDuration(elapsed), eta)
	r.drawn = true
}

// ETA is the time the remaining architectures take at the rate so far: elapsed/done
// per architecture. ok is false while nothing has been done (no rate yet).
func ETA(elapsed time.Duration, done, remaining int) (d time.Duration, ok bool) {
	if done <= 0 {
		return 0, false
	}
	if remaining <= 0 {
		return 0, true
	}
	return time.Duration(float64(elapsed) / float64(done) * float64(remaining)), true
}

// FormatDuration rounds d to whole seconds ("1h2m3s", "45s"); under a second it
// prints "0s".
func FormatDuration(d time.Duration) string {
	return d.Round(time.Second).String()
}
