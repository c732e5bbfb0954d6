package snapshot

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeT records failures instead of stopping the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true }
func (f *fakeT) Fatal(...any)          { f.failed = true }

// Check passes on equal bytes, fails on different or missing files, and rewrites the
// file when the switch is on.
func TestCheck(t *testing.T) {
	t.Setenv(Env, "")
	path := filepath.Join(t.TempDir(), "sub", "out.txt")
	for _, c := range []struct {
		file, got string
		fails     bool
	}{{"a\nb\n", "a\nb\n", false}, {"a\nb\n", "a\nc\n", true}, {"", "x", true}} {
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.Remove(path)
		if c.file != "" {
			os.WriteFile(path, []byte(c.file), 0o644)
		}
		f := &fakeT{TB: t}
		Check(f, path, []byte(c.got))
		if f.failed != c.fails {
			t.Errorf("file %q, got %q: failed %v, want %v", c.file, c.got, f.failed, c.fails)
		}
	}
	t.Setenv(Env, "1")
	f := &fakeT{TB: t}
	Check(f, path, []byte("new\n"))
	if b, _ := os.ReadFile(path); f.failed || string(b) != "new\n" {
		t.Errorf("update: failed %v, file %q", f.failed, b)
	}
}

func TestFirstDiff(t *testing.T) {
	if got := FirstDiff("a\nb\nc", "a\nx\nc"); got != "line 2:\n got: b\nwant: x" {
		t.Errorf("FirstDiff = %q", got)
	}
	if got := FirstDiff("a", "a"); got != "(same lines)" {
		t.Errorf("FirstDiff of equal strings = %q", got)
	}
}
