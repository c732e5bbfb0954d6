//go:build linux

package bench

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestField(t *testing.T) {
	line := []byte("cpu  9349 0 3697 158858 171 0 43 107 0 0")
	for i, want := range []int64{0, 9349, 0, 3697, 158858, 171, 0, 43, 107, 0, 0, 0} {
		if got := field(line, i); got != want {
			t.Errorf("field %d = %d, want %d", i, got, want)
		}
	}
	if got := field([]byte("101540 78117 2\n"), 1); got != 78117 {
		t.Errorf("schedstat run_delay = %d, want 78117", got)
	}
}

// TestProcProbe reads this process and machine: the probe sees every CPU line of
// /proc/stat and our own CPU time grows while we spin.
func TestProcProbe(t *testing.T) {
	pr := newProbe()
	defer pr.close()
	a := pr.snap()
	if !a.ok {
		t.Skip("/proc/self/task/*/schedstat or /proc/stat not readable here")
	}
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	cpus := 0
	for _, l := range strings.Split(string(data), "\n") {
		if len(l) > 3 && strings.HasPrefix(l, "cpu") && l[3] >= '0' && l[3] <= '9' {
			cpus++
		}
	}
	if a.cpus != cpus || a.busy <= 0 {
		t.Fatalf("snapshot %+v: want %d CPUs and some busy time", a, cpus)
	}
	x := 0
	for start := time.Now(); time.Since(start) < 30*time.Millisecond; {
		x++
	}
	b := pr.snap()
	if b.self <= a.self || b.wait < a.wait || !b.wall.After(a.wall) || x == 0 {
		t.Fatalf("after spinning: self %v → %v, wait %v → %v", a.self, b.self, a.wait, b.wait)
	}
	if w, ok := pr.waitOnly(); !ok || w < b.wait {
		t.Fatalf("waitOnly %v %v after snap %v", w, ok, b.wait)
	}
}
