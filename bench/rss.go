package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// The resident-set peak (rss_peak_bytes) is Linux's VmHWM of this process, reset by
// writing "5" to /proc/self/clear_refs just before the timed forwards and read from
// /proc/self/status just after them. It is everything resident in the process at its
// highest during the timed forwards: the weights, the arena and the Transformer-XL
// memory, but also the Go runtime and heap, the program's code and, on a GPU, the
// driver's host memory. It is therefore larger than alloc_peak_bytes and depends on the
// machine; alloc_peak_bytes is the exact, portable measure.

// Paths of the kernel's files; variables so that tests can point them elsewhere.
var (
	procClearRefs = "/proc/self/clear_refs"
	procStatus    = "/proc/self/status"
)

// resetPeakRSS resets VmHWM to the current resident set size.
func resetPeakRSS() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("VmHWM is Linux-only (this is %s)", runtime.GOOS)
	}
	// "5" resets the peak resident set size (Linux ≥ 4.0, Documentation/filesystems/proc.rst).
	if err := os.WriteFile(procClearRefs, []byte("5"), 0); err != nil {
		return fmt.Errorf("cannot reset the peak: %w", err)
	}
	return nil
}

// readPeakRSS reads VmHWM in bytes.
func readPeakRSS() (int64, error) {
	if runtime.GOOS != "linux" {
		return 0, fmt.Errorf("VmHWM is Linux-only (this is %s)", runtime.GOOS)
	}
	b, err := os.ReadFile(procStatus)
	if err != nil {
		return 0, err
	}
	return parseVmHWM(b)
}

// parseVmHWM finds the "VmHWM:  123456 kB" line of a /proc/PID/status text and returns
// it in bytes.
func parseVmHWM(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("VmHWM line %q: want a number of kB", strings.TrimSpace(rest))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 || kb > 1<<53/1024 {
			return 0, fmt.Errorf("VmHWM line %q: want a number of kB", strings.TrimSpace(rest))
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmHWM line in the process status")
}

// rssNote is the Result.RSSNote for a peak that could not be measured.
func rssNote(err error) string { return "unavailable: " + err.Error() }
