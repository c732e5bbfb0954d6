//go:build linux

package cuda

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// Every call runs on the same OS thread, one at a time, whichever goroutine asks.
func TestWorkerOwnsOneThread(t *testing.T) {
	w := newWorker()
	defer w.stop()
	var tid int
	if err := w.do(func() error { tid = unix.Gettid(); return nil }); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	inside, maxInside := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				w.do(func() error {
					mu.Lock()
					inside++
					maxInside = max(maxInside, inside)
					mu.Unlock()
					if got := unix.Gettid(); got != tid {
						t.Errorf("call ran on thread %d, the owner is %d", got, tid)
					}
					mu.Lock()
					inside--
					mu.Unlock()
					return nil
				})
			}
		}()
	}
	wg.Wait()
	if maxInside != 1 {
		t.Errorf("%d calls ran at once", maxInside)
	}
}

func TestWorkerErrorsAndPanics(t *testing.T) {
	w := newWorker()
	defer w.stop()
	want := errors.New("boom")
	if err := w.do(func() error { return want }); err != want {
		t.Errorf("error = %v", err)
	}
	if err := w.do(func() error { panic("bad") }); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("panic became %v", err)
	}
	if err := w.do(func() error { return nil }); err != nil {
		t.Errorf("the worker did not survive the panic: %v", err)
	}
}
