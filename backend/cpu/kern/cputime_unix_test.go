//go:build unix

package kern

import (
	"syscall"
	"time"
)

// processCPUTime is the user+system time of all threads so far: on a shared machine,
// flops per CPU second say more about a kernel than flops per wall second.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
