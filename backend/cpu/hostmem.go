package cpu

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// hostMemAvailable reports how many bytes the host can still give this process without
// swapping: MemAvailable of /proc/meminfo, lowered to what the cgroup (v2) limit leaves
// when there is one. ok is false where neither can be read (not Linux). A variable so
// the tests can pretend to be a small machine.
var hostMemAvailable = func() (bytes int64, source string, ok bool) {
	bytes, ok = readMeminfo("/proc/meminfo")
	source = "MemAvailable in /proc/meminfo"
	if left, cok := cgroupLeft("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"); cok && (!ok || left < bytes) {
		bytes, source, ok = left, "the cgroup memory.max less memory.current", true
	}
	return bytes, source, ok
}

func readMeminfo(path string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	return parseMemAvailable(f)
}

// parseMemAvailable reads the "MemAvailable: N kB" line of a /proc/meminfo.
func parseMemAvailable(r io.Reader) (int64, bool) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, found := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !found {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 {
			return 0, false
		}
		return kb * 1024, true
	}
	return 0, false
}

// cgroupLeft is memory.max - memory.current of a cgroup v2 (false when unlimited or
// unreadable).
func cgroupLeft(maxPath, curPath string) (int64, bool) {
	read := func(p string) (int64, bool) {
		b, err := os.ReadFile(p)
		if err != nil {
			return 0, false
		}
		v, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
		return v, err == nil
	}
	limit, ok := read(maxPath) // "max" (no limit) does not parse
	if !ok {
		return 0, false
	}
	cur, ok := read(curPath)
	if !ok {
		return 0, false
	}
	return max(limit-cur, 0), true
}

// checkHostMemory is the error Compile returns, wrapping backend.ErrOutOfMemory, when
// the arena and state it is about to allocate do not fit in what the host has left:
// the Go runtime would otherwise die with a fatal "out of memory" that no caller can
// recover from. The weights are the caller's and already allocated.
func checkHostMemory(need int64, wrap error) error {
	avail, source, ok := hostMemAvailable()
	if !ok || need <= avail {
		return nil
	}
	return fmt.Errorf("cpu: the arena and state need %d bytes (%.1f GiB), the host has %d bytes (%.1f GiB) available (%s): %w",
		need, float64(need)/(1<<30), avail, float64(avail)/(1<<30), source, wrap)
}
