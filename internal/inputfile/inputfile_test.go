package inputfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFileRefusesWhatIsNotABoundedRegularFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "arch.json")
	os.WriteFile(small, []byte(`{"n_layer": 2}`), 0o644)
	if b, err := ReadFile(small, 100); err != nil || string(b) != `{"n_layer": 2}` {
		t.Fatalf("a small regular file: %q, %v", b, err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, want string
		max        int64
	}{
		{small, "14 bytes, more than the 10", 10},
		{dir, "a directory, not a file", 100},
		{fifo, "not a regular file", 100},
		{"/dev/zero", "/dev/zero: not a regular file", 100},
		{filepath.Join(dir, "missing.json"), "no such file", 100},
	} {
		_, err := ReadFile(c.path, c.max)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("ReadFile(%s, %d) error %v, want one naming the file and %q", c.path, c.max, err, c.want)
		}
	}
}
