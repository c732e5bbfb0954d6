package kern

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Pool runs tasks on a fixed set of worker goroutines, so a forward pass starts no
// goroutines and the thread count is what --threads says. A Run allocates nothing: the
// job goes into a slot the pool owns, and the GEMM workspace (packing buffers) is the
// pool's too, grown on first use and reused after.
type Pool struct {
	threads int
	work    chan struct{} // one token per helper to wake for the job in the slot
	wg      sync.WaitGroup

	// mu is held by the Run (or Gemm) that owns the job slot and the workspace; a Run
	// that finds it taken (a nested or concurrent call) runs on its caller's goroutine.
	mu   sync.Mutex
	job  poolJob
	done sync.WaitGroup
	gemm gemmWork
}

// poolJob is the Run in flight: either fn over indices (every participant takes the
// next index until none is left, so tasks of uneven cost still balance) or a team
// task that each participant enters once with its own id.
type poolJob struct {
	fn   func(i int)
	n    int64
	next atomic.Int64
	team teamTask
	tid  atomic.Int32
}

// teamTask is work that all participants of a Run enter together (thread ids 0..nt-1,
// 0 being the caller), synchronising among themselves.
type teamTask interface {
	work(tid int)
}

func (j *poolJob) drain() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
		j.fn(int(i))
	}
}

// NewPool starts a pool of threads workers (threads ≤ 0: runtime.NumCPU()). With one
// thread, tasks run on the caller's goroutine.
func NewPool(threads int) *Pool {
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	p := &Pool{threads: threads}
	if threads > 1 {
		p.work = make(chan struct{}, threads)
		for range threads - 1 {
			p.wg.Add(1)
			go p.worker()
		}
	}
	return p
}

func (p *Pool) worker() {
	defer p.wg.Done()
	for range p.work {
		j := &p.job
		if j.team != nil {
			j.team.work(int(j.tid.Add(1)))
		} else {
			j.drain()
		}
		p.done.Done()
	}
}

// Threads is the number of goroutines that run tasks (the caller included).
func (p *Pool) Threads() int { return p.threads }

// Run calls fn(i) for i in [0, n), spread over the workers and the caller, and returns
// when all calls have returned. Indices are handed out one at a time, in order. Run
// itself allocates nothing (fn, if a closure, is the caller's to keep). A Run from
// inside a task, or concurrent with another Run on the same pool, runs its calls on
// its own goroutine.
func (p *Pool) Run(n int, fn func(i int)) {
	if n <= 0 {
		return
	}
	if p.threads <= 1 || n == 1 || p.work == nil || !p.mu.TryLock() {
		for i := range n {
			fn(i)
		}
		return
	}
	j := &p.job
	j.fn, j.n = fn, int64(n)
	j.next.Store(0)
	helpers := min(p.threads, n) - 1
	p.done.Add(helpers)
	for range helpers {
		p.work <- struct{}{}
	}
	j.drain()
	p.done.Wait()
	j.fn = nil // keep no reference to the caller's closure
	p.mu.Unlock()
}

// runTeam runs t.work(tid) for tid < nt, the caller as tid 0, and returns when all
// have returned. The caller holds p.mu and nt ≤ p.threads.
func (p *Pool) runTeam(nt int, t teamTask) {
	if nt <= 1 || p.work == nil {
		t.work(0)
		return
	}
	j := &p.job
	j.team = t
	j.tid.Store(0)
	p.done.Add(nt - 1)
	for range nt - 1 {
		p.work <- struct{}{}
	}
	t.work(0)
	p.done.Wait()
	j.team = nil
}

// Close stops the workers.
func (p *Pool) Close() {
	if p.work != nil {
		close(p.work)
		p.wg.Wait()
		p.work = nil
	}
}

// barrier is a spinning barrier for the nt members of a team: a GEMM phase is tens of
// microseconds, far below what parking a goroutine and waking it again costs. The
// last to arrive zeroes the team's task counter next (everyone else is done with it
// and still waiting) before releasing them.
type barrier struct {
	arrived atomic.Int32
	gen     atomic.Uint32
}

func (b *barrier) wait(nt int, next *atomic.Int64) {
	g := b.gen.Load()
	if int(b.arrived.Add(1)) == nt {
		b.arrived.Store(0)
		next.Store(0)
		b.gen.Store(g + 1)
		return
	}
	// Spin, then yield: with more team members than cores (a pool larger than
	// GOMAXPROCS) the one we wait for may need our core.
	for i := 0; b.gen.Load() == g; i++ {
		if i >= 64 {
			runtime.Gosched()
		}
	}
}
