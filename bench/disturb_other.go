//go:build !linux

package bench

import "time"

// nopProbe is the probe where the operating system gives no per-thread run-queue delay
// or machine CPU times: no forward is ever flagged and Disturbance.Measured is false.
type nopProbe struct{}

func newProbe() probe { return nopProbe{} }

func (nopProbe) snap() cpuSnap                   { return cpuSnap{} }
func (nopProbe) waitOnly() (time.Duration, bool) { return 0, false }
func (nopProbe) close()                          {}
