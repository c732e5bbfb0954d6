package kern

import (
	"runtime"
	"sync"
)

// Pool runs tasks on a fixed set of worker goroutines, so a forward pass starts no
// goroutines and the thread count is what --threads says.
type Pool struct {
	threads int
	work    chan poolTask
	wg      sync.WaitGroup
}

type poolTask struct {
	fn   func(i int)
	from int
	to   int
	done *sync.WaitGroup
}

// NewPool starts a pool of threads workers (threads ≤ 0: runtime.NumCPU()). With one
// thread, tasks run on the caller's goroutine.
func NewPool(threads int) *Pool {
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	p := &Pool{threads: threads}
	if threads > 1 {
		p.work = make(chan poolTask, threads)
		for range threads - 1 {
			p.wg.Add(1)
			go p.worker()
		}
	}
	return p
}

func (p *Pool) worker() {
	defer p.wg.Done()
	for t := range p.work {
		for i := t.from; i < t.to; i++ {
			t.fn(i)
		}
		t.done.Done()
	}
}

// Threads is the number of goroutines that run tasks (the caller included).
func (p *Pool) Threads() int { return p.threads }

// Run calls fn(i) for i in [0, n), spread over the workers and the caller, and returns
// when all calls have returned.
func (p *Pool) Run(n int, fn func(i int)) {
	if n <= 0 {
		return
	}
	if p.threads <= 1 || n == 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	parts := min(p.threads, n)
	var done sync.WaitGroup
	done.Add(parts - 1)
	for w := 1; w < parts; w++ {
		p.work <- poolTask{fn: fn, from: w * n / parts, to: (w + 1) * n / parts, done: &done}
	}
	for i := 0; i < n/parts; i++ {
		fn(i)
	}
	done.Wait()
}

// Close stops the workers.
func (p *Pool) Close() {
	if p.work != nil {
		close(p.work)
		p.wg.Wait()
		p.work = nil
	}
}
