//go:build linux

package bench

import (
	"bytes"
	"os"
	"syscall"
	"time"
)

// procProbe reads the run-queue delay of every thread of this process from
// /proc/self/task/*/schedstat (the second field, in nanoseconds: time spent runnable
// but waiting for a CPU), and the machine's CPU time from /proc/stat. The schedstat
// files are opened once (refreshed at each snap) and read with pread into one buffer,
// so the check around a timed forward allocates nothing.
type procProbe struct {
	tasks []*os.File
	buf   [256]byte
}

func newProbe() probe {
	p := &procProbe{}
	p.refresh()
	return p
}

// refresh reopens the schedstat file of every current thread (the Go runtime may have
// started threads since the last time).
func (p *procProbe) refresh() {
	p.close()
	d, err := os.Open("/proc/self/task")
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, n := range names {
		if f, err := os.Open("/proc/self/task/" + n + "/schedstat"); err == nil {
			p.tasks = append(p.tasks, f)
		}
	}
}

func (p *procProbe) close() {
	for _, f := range p.tasks {
		f.Close()
	}
	p.tasks = p.tasks[:0]
}

func (p *procProbe) waitOnly() (time.Duration, bool) {
	if len(p.tasks) == 0 {
		return 0, false
	}
	var sum int64
	for _, f := range p.tasks {
		n, _ := f.ReadAt(p.buf[:], 0)
		if n == 0 {
			continue // the thread has exited
		}
		sum += field(p.buf[:n], 1)
	}
	return time.Duration(sum), true
}

func (p *procProbe) snap() cpuSnap {
	p.refresh()
	s := cpuSnap{wall: time.Now()}
	wait, ok := p.waitOnly()
	data, err := os.ReadFile("/proc/stat")
	if !ok || err != nil {
		return s
	}
	line, rest, _ := bytes.Cut(data, []byte("\n"))
	if !bytes.HasPrefix(line, []byte("cpu ")) {
		return s
	}
	// user nice system idle iowait irq softirq steal (ticks of USER_HZ = 100 on every
	// Linux the kernel exports to user space).
	const tick = 10 * time.Millisecond
	var t [8]int64
	for i := range t {
		t[i] = field(line, i+1)
	}
	s.busy = time.Duration(t[0]+t[1]+t[2]+t[5]+t[6]+t[7]) * tick
	s.steal = time.Duration(t[7]) * tick
	for _, l := range bytes.Split(rest, []byte("\n")) {
		if len(l) > 3 && bytes.HasPrefix(l, []byte("cpu")) && l[3] >= '0' && l[3] <= '9' {
			s.cpus++
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return s
	}
	s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	s.wait, s.ok = wait, true
	return s
}

// field is the i-th (from 0) space-separated field of line as an integer, 0 when
// missing or not a number.
func field(line []byte, i int) int64 {
	for f := 0; ; f++ {
		for len(line) > 0 && line[0] == ' ' {
			line = line[1:]
		}
		end := bytes.IndexAny(line, " \n")
		if end < 0 {
			end = len(line)
		}
		if f == i {
			var v int64
			for _, c := range line[:end] {
				if c < '0' || c > '9' {
					return 0
				}
				v = v*10 + int64(c-'0')
			}
			return v
		}
		if end == len(line) {
			return 0
		}
		line = line[end:]
	}
}
