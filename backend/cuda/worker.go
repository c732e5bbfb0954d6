package cuda

import (
	"fmt"
	"runtime"
)

// worker is the goroutine that owns the CUDA context: it is locked to one OS thread for
// its whole life, and every driver and cuBLAS call of a backend runs on it, in order.
type worker struct {
	calls chan func()
	done  chan struct{}
}

func newWorker() *worker {
	w := &worker{calls: make(chan func()), done: make(chan struct{})}
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		defer close(w.done)
		for f := range w.calls {
			f()
		}
	}()
	return w
}

// do runs f on the owner thread and returns its error; a panic in f becomes an error
// (the thread survives it).
func (w *worker) do(f func() error) error {
	errc := make(chan error, 1)
	w.calls <- func() {
		defer func() {
			if p := recover(); p != nil {
				errc <- fmt.Errorf("internal error on the CUDA thread: %v", p)
			}
		}()
		errc <- f()
	}
	return <-errc
}

// stop ends the goroutine (and with it the locked OS thread) after the calls queued.
func (w *worker) stop() {
	close(w.calls)
	<-w.done
}
