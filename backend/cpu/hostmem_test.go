package cpu

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

func TestParseMemAvailable(t *testing.T) {
	const meminfo = "MemTotal:       24683628 kB\nMemFree:        22551468 kB\nMemAvailable:   24018392 kB\nBuffers:           12345 kB\n"
	if got, ok := parseMemAvailable(strings.NewReader(meminfo)); !ok || got != 24018392*1024 {
		t.Errorf("MemAvailable = %d, %v; want %d", got, ok, 24018392*1024)
	}
	for _, bad := range []string{"MemTotal: 5 kB\n", "MemAvailable: lots kB\n", "MemAvailable: 5 MB\n", ""} {
		if got, ok := parseMemAvailable(strings.NewReader(bad)); ok {
			t.Errorf("%q: read %d, want no value", bad, got)
		}
	}
}

func TestCgroupLeft(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cur := write("memory.current", "1000\n")
	if left, ok := cgroupLeft(write("memory.max", "4096\n"), cur); !ok || left != 3096 {
		t.Errorf("limit 4096, used 1000: %d, %v; want 3096", left, ok)
	}
	if _, ok := cgroupLeft(write("unlimited", "max\n"), cur); ok {
		t.Error(`memory.max "max" read as a limit`)
	}
	if _, ok := cgroupLeft(filepath.Join(dir, "missing"), cur); ok {
		t.Error("a missing memory.max read as a limit")
	}
}

// A host with less memory available than the arena and state is an error wrapping
// backend.ErrOutOfMemory that names both sizes, not a crash of the Go runtime.
func TestCompileOutOfHostMemory(t *testing.T) {
	a, err := space.ParseArch([]byte(`{"model_type": "transformer_xl", "n_layer": 2, "d_model": 32, "n_head": 4, "d_inner": 64,
		"vocab_size": 100, "cutoffs": [20, 50], "div_val": 2, "tgt_len": 8, "mem_len": 8}`))
	if err != nil {
		t.Fatal(err)
	}
	w, err := model.InitWeights(a, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	g, err := model.Build(a, model.Shape{Batch: 1, Seq: a.TgtLen, Mem: a.MemLen, MemOut: a.MemLen}, model.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	need := g.ArenaBytes + g.StateBytes
	saved := hostMemAvailable
	defer func() { hostMemAvailable = saved }()

	hostMemAvailable = func() (int64, string, bool) { return need - 1, "a test", true }
	exe, err := New(backend.Options{Threads: 1}).Compile(w, g)
	if err == nil {
		exe.Close()
		t.Fatalf("compile with %d bytes available for %d: no error", need-1, need)
	}
	if !errors.Is(err, backend.ErrOutOfMemory) {
		t.Errorf("error %q does not wrap backend.ErrOutOfMemory", err)
	}
	for _, n := range []int64{need, need - 1} {
		if !strings.Contains(err.Error(), fmt.Sprint(n)) {
			t.Errorf("error %q does not name %d", err, n)
		}
	}

	for _, avail := range []func() (int64, string, bool){
		func() (int64, string, bool) { return need, "a test", true },
		func() (int64, string, bool) { return 0, "", false }, // unknown: no check
	} {
		hostMemAvailable = avail
		exe, err := New(backend.Options{Threads: 1}).Compile(w, g)
		if err != nil {
			t.Fatalf("compile with enough memory (or none known): %v", err)
		}
		exe.Close()
	}
}
