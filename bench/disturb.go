package bench

import "time"

// A timed forward is disturbed when our own threads, runnable, waited for a CPU that
// other work held (the run-queue delay the kernel counts per thread,
// /proc/self/task/*/schedstat) for more than disturbedWait of the forward's time. Such
// a forward measures the machine's other work as much as the model: it is set aside
// and measured again (see sample).
const disturbedWait = 0.05

// Disturbance is how much other work competed with a measurement, as the operating
// system saw it (Linux; elsewhere Measured is false and the rest is zero).
type Disturbance struct {
	Measured bool `json:"measured"`
	// Samples is how many timed forwards were disturbed (see disturbedWait); they are
	// in Result.DisturbedMS, not in the statistics, unless too few others were left
	// to reach the minimum sample count.
	Samples int `json:"disturbed_samples"`
	// Fraction is Samples over all the timed forwards taken, the re-measured ones
	// included.
	Fraction float64 `json:"fraction"`
	// WaitMS is the time our runnable threads waited for a CPU during the timed
	// forwards (all threads together), in milliseconds.
	WaitMS float64 `json:"wait_ms"`
	// StealMS is the CPU time the hypervisor gave to other guests during the timed
	// forwards (all CPUs, /proc/stat steal), in milliseconds.
	StealMS float64 `json:"steal_ms"`
	// OthersShare is the share of the machine's CPU capacity (wall time × CPUs) that
	// work other than this process used during the timed forwards: busy time from
	// /proc/stat (steal included) less our own CPU time (getrusage). Coarse (the
	// kernel counts in ticks of 10 ms), so meaningful over a whole measurement only.
	OthersShare float64 `json:"others_share"`
	// Retries is how many times the whole measurement was repeated because most of its
	// forwards were disturbed (the least disturbed one is kept).
	Retries int `json:"retries,omitempty"`
}

// cpuSnap is the machine's and this process's CPU accounting at one moment.
type cpuSnap struct {
	ok    bool
	wall  time.Time
	wait  time.Duration // run-queue delay of our threads, summed
	busy  time.Duration // machine: user+nice+system+irq+softirq+steal, all CPUs
	steal time.Duration // machine: steal, all CPUs
	self  time.Duration // this process: user+system CPU time
	cpus  int
}

// probe takes cpuSnaps; the Linux one reads /proc, the others report nothing.
type probe interface {
	snap() cpuSnap
	// waitOnly is the cheap snapshot taken around every timed forward: the run-queue
	// delay of our threads (ok false when unknown).
	waitOnly() (time.Duration, bool)
	close()
}

// account turns two snapshots around the timed forwards into d's machine-wide fields.
func (d *Disturbance) account(a, b cpuSnap) {
	if !a.ok || !b.ok {
		return
	}
	d.Measured = true
	d.WaitMS = ms(b.wait - a.wait)
	d.StealMS = ms(b.steal - a.steal)
	capacity := b.wall.Sub(a.wall) * time.Duration(max(b.cpus, 1))
	if capacity > 0 {
		others := (b.busy - a.busy) - (b.self - a.self)
		d.OthersShare = max(float64(others)/float64(capacity), 0)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
