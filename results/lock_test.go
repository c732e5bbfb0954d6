package results

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A second LockRun on the same directory fails at once, naming the holder's PID (flock
// locks belong to an open file, so a second open in this process conflicts as another
// process would), and succeeds once the holder has unlocked.
func TestLockRunOneWriter(t *testing.T) {
	dir := t.TempDir()
	first, err := LockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, LockFile)); strings.TrimSpace(string(b)) != fmt.Sprint(os.Getpid()) {
		t.Errorf("lock file holds %q, want this PID %d", b, os.Getpid())
	}
	_, err = LockRun(dir)
	want := fmt.Sprintf("ltsbench process %d is writing it", os.Getpid())
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), want) {
		t.Errorf("second lock: %v; want ErrLocked naming %q", err, want)
	}
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	again, err := LockRun(dir)
	if err != nil {
		t.Fatalf("after the holder unlocked: %v", err)
	}
	again.Unlock()
}
