package results

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A second LockRun on the same directory fails at once, naming the holder's PID (here
// a child process holding the lock), and succeeds once the holder has gone.
func TestLockRunOneWriter(t *testing.T) {
	if os.Getenv("LTSBENCH_LOCK_CHILD") != "" {
		l, err := LockRun(os.Getenv("LTSBENCH_LOCK_CHILD"))
		if err != nil {
			fmt.Println("child:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		os.Stdin.Read(make([]byte, 1)) // hold until the parent closes our stdin
		l.Unlock()
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestLockRunOneWriter$")
	cmd.Env = append(os.Environ(), "LTSBENCH_LOCK_CHILD="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	if !strings.Contains(string(buf[:n]), "locked") {
		t.Fatalf("child: %q", buf[:n])
	}
	_, err = LockRun(dir)
	want := fmt.Sprintf("ltsbench process %d is writing it", cmd.Process.Pid)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), want) {
		t.Errorf("second lock: %v; want ErrLocked naming %q", err, want)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	l, err := LockRun(dir)
	if err != nil {
		t.Fatalf("after the holder ended: %v", err)
	}
	defer l.Unlock()
	if b, _ := os.ReadFile(filepath.Join(dir, LockFile)); strings.TrimSpace(string(b)) != fmt.Sprint(os.Getpid()) {
		t.Errorf("lock file holds %q, want this PID %d", b, os.Getpid())
	}
}
