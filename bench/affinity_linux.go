//go:build linux

package bench

import (
	"bufio"
	"os"
	"strings"
)

// cpuAffinity is the list of CPUs this process may run on, as the kernel prints it
// (Cpus_allowed_list in /proc/self/status, e.g. "0-1" or "2,3"), empty when unknown.
func cpuAffinity() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
