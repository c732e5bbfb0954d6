package kern

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Pool runs tasks on a fixed set of worker goroutines, so a forward pass starts no
// goroutines and the thread count is what --threads says.
type Pool struct {
	threads int
	work    chan *poolJob
	wg      sync.WaitGroup
}

// poolJob is one Run: every participant takes the next index until none is left, so
// tasks of uneven cost (edge blocks of a GEMM) still balance over the threads.
type poolJob struct {
	fn   func(i int)
	n    int64
	next atomic.Int64
	done sync.WaitGroup
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
		p.work = make(chan *poolJob, threads)
		for range threads - 1 {
			p.wg.Add(1)
			go p.worker()
		}
	}
	return p
}

func (p *Pool) worker() {
	defer p.wg.Done()
	for j := range p.work {
		j.drain()
		j.done.Done()
	}
}

// Threads is the number of goroutines that run tasks (the caller included).
func (p *Pool) Threads() int { return p.threads }

// Run calls fn(i) for i in [0, n), spread over the workers and the caller, and returns
// when all calls have returned. Indices are handed out one at a time, in order.
func (p *Pool) Run(n int, fn func(i int)) {
	if n <= 0 {
		return
	}
	if p.threads <= 1 || n == 1 || p.work == nil {
		for i := range n {
			fn(i)
		}
		return
	}
	helpers := min(p.threads, n) - 1
	j := &poolJob{fn: fn, n: int64(n)}
	j.done.Add(helpers)
	for range helpers {
		p.work <- j
	}
	j.drain()
	j.done.Wait()
}

// Close stops the workers.
func (p *Pool) Close() {
	if p.work != nil {
		close(p.work)
		p.wg.Wait()
		p.work = nil
	}
}
