package cpu_test

import (
	"runtime"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/backendtest"
	"github.com/ltsbench/ltsbench/backend/cpu"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

func TestDecodeConformance(t *testing.T) {
	for _, threads := range []int{1, 2} {
		t.Run(map[int]string{1: "threads1", 2: "threads2"}[threads], func(t *testing.T) {
			backendtest.RunDecode(t, func() (backend.Backend, error) {
				return cpu.New(backend.Options{Threads: threads}), nil
			})
		})
	}
}

// TestCachedAttentionMemory: compiling a long prefill takes no memory beyond the arena
// and state that AllocPeakBytes counts (the attention over the cache works in fixed
// stack arrays), and running it allocates nothing.
func TestCachedAttentionMemory(t *testing.T) {
	a, err := space.ParseArch([]byte(`{"model_type": "gpt2", "n_layer": 1, "d_model": 32, "n_head": 8, "d_inner": 32, "vocab_size": 20, "n_positions": 256}`))
	if err != nil {
		t.Fatal(err)
	}
	w, err := model.InitWeights(a, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	const T = 256
	g, err := model.BuildDecode(a, model.DecodeShape{Batch: 1, Seq: T, Cap: T}, model.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	exe, err := cpu.New(backend.Options{Threads: 1}).Compile(w, g)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	exe.Close()
	// A score row per (query, head) would be T·H·(T+2·Dh) floats, 2.4 MB here; the
	// compiled steps themselves take a few KiB.
	const slack = 256 << 10
	if extra := int64(after.TotalAlloc-before.TotalAlloc) - g.ArenaBytes - g.StateBytes; extra > slack {
		t.Errorf("compile allocated %d bytes beyond the arena and state (%d), want ≤ %d", extra, g.ArenaBytes+g.StateBytes, slack)
	}
	if n := allocsPerRun(t, w, g, 2); n != 0 {
		t.Errorf("%.0f allocations per run of the prefill", n)
	}
}
