package results

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFile is the file in a run directory whose exclusive lock marks the one process
// that writes the run (a search, a confirmation); it holds that process's PID.
const LockFile = ".lock"

// ErrLocked is wrapped by LockRun's error when another process holds the lock.
var ErrLocked = errors.New("run directory in use")

// RunLock is a held lock on a run directory.
type RunLock struct{ f *os.File }

// LockRun takes DIR's lock for writing the run, without waiting: two writers would
// interleave records on one line. When another process holds it, the error (wrapping
// ErrLocked) names its PID. Readers (reports) take no lock. The lock goes with the
// process, however it ends; Unlock releases it earlier.
func LockRun(dir string) (*RunLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		holder := "another process"
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil && pid > 0 {
				holder = fmt.Sprintf("ltsbench process %d", pid)
			}
		}
		f.Close()
		return nil, fmt.Errorf("%s: %w: %s is writing it (wait for it to end or choose another directory)", dir, ErrLocked, holder)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &RunLock{f: f}, nil
}

// Unlock releases the lock (the file stays; its content is stale once unlocked).
func (l *RunLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}
