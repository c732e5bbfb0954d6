//go:build linux && cgo

package cuda

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/backendtest"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// These tests need a GPU. Where there is none they skip, saying why; with
// LTSBENCH_REQUIRE_GPU=1 (the GPU check script sets it) a missing GPU fails instead.
// Any other Open error fails: a GPU that is there must work.

func openGPU(t *testing.T, o Options) *Backend {
	t.Helper()
	b, err := Open(backend.Device{Kind: "cuda", Index: 0}, o)
	if err == nil {
		t.Cleanup(func() { b.Close() })
		t.Log(b.Summary())
		return b
	}
	noGPU := strings.Contains(err.Error(), "no NVIDIA driver found") || strings.Contains(err.Error(), "no CUDA-capable GPU") ||
		strings.Contains(err.Error(), "no such GPU")
	if noGPU && os.Getenv("LTSBENCH_REQUIRE_GPU") != "1" {
		t.Skipf("no CUDA device: %v", err)
	}
	t.Fatal(err)
	return nil
}

func TestConformanceGPU(t *testing.T) {
	openGPU(t, Options{}).Close()
	backendtest.Run(t, func() (backend.Backend, error) { return Open(backend.Device{Kind: "cuda"}, Options{}) })
}

func TestConformanceGPUNoGraph(t *testing.T) {
	openGPU(t, Options{NoGraph: true}).Close()
	backendtest.Run(t, func() (backend.Backend, error) {
		return Open(backend.Device{Kind: "cuda"}, Options{NoGraph: true})
	})
}

// TestDecodeGPU is the cached forward pass's conformance suite on the GPU: each pass
// (a prefill, every decode step) is its own compiled graph and so its own captured
// CUDA graph, all sharing the KV cache in the state region.
func TestDecodeGPU(t *testing.T) {
	openGPU(t, Options{}).Close()
	backendtest.RunDecode(t, func() (backend.Backend, error) { return Open(backend.Device{Kind: "cuda"}, Options{}) })
}

func testArch(t *testing.T, js string) *space.Arch {
	t.Helper()
	a, err := space.ParseArch([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

const (
	gpt2Small = `{"backbone": "gpt2", "n_layer": 2, "d_model": 96, "n_head": [3, 2], "d_inner": [200, 160], "n_token": 300, "n_positions": 40}`
	txlSmall  = `{"backbone": "transformer_xl", "n_layer": 2, "d_model": 64, "n_head": [4, 1], "d_inner": [128, 96], "d_embed": 64, "div_val": 2, "cutoffs": [100, 200], "n_token": 300, "tgt_len": 24, "mem_len": 24}`
)

// runOutputs builds the steady-state graph of a, runs it on be and returns its output
// (logits or log-probabilities) and the duration RunTimed measured.
func runOutputs(t *testing.T, be backend.Backend, a *space.Arch, runs int) []float32 {
	t.Helper()
	w := backendtest.StressWeights(a, 7)
	g, err := model.Build(a, model.Shape{Batch: 2, Seq: a.TgtLen, Mem: a.MemLen, MemOut: a.MemLen}, model.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	exe, err := be.Compile(w, g)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	ids := make([]int32, 2*g.Shape.Seq)
	for i := range ids {
		ids[i] = int32((i * 37) % a.NToken)
	}
	if err := exe.SetIDs(0, ids); err != nil {
		t.Fatal(err)
	}
	for range runs {
		if err := exe.ResetState(); err != nil {
			t.Fatal(err)
		}
		d, err := exe.RunTimed(0)
		if err != nil {
			t.Fatal(err)
		}
		if d <= 0 {
			t.Errorf("RunTimed = %v", d)
		}
	}
	id, ok := g.Outputs["logits"]
	if !ok {
		id = g.Outputs["log_probs"]
	}
	out := make([]float32, g.Tensors[id].Elems())
	if err := exe.Read(0, id, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// A replayed CUDA graph computes what the direct launches compute, run after run.
func TestGraphReplayMatchesLaunches(t *testing.T) {
	graphs := openGPU(t, Options{})
	direct := openGPU(t, Options{NoGraph: true})
	for _, js := range []string{gpt2Small, txlSmall} {
		a := testArch(t, js)
		g := runOutputs(t, graphs, a, 3)
		d := runOutputs(t, direct, a, 1)
		for i := range g {
			if math.Abs(float64(g[i]-d[i])) > 1e-4*max(1, math.Abs(float64(d[i]))) {
				t.Fatalf("%s: output %d: graph %v, launches %v", a.ModelType(), i, g[i], d[i])
			}
		}
	}
}

// TF32 matrix products run and stay near the fp32 result.
func TestTF32(t *testing.T) {
	fp32 := openGPU(t, Options{})
	tf32 := openGPU(t, Options{TF32: true})
	a := testArch(t, gpt2Small)
	x, y := runOutputs(t, fp32, a, 1), runOutputs(t, tf32, a, 1)
	var worst, scale float64
	for i := range x {
		worst = max(worst, math.Abs(float64(x[i]-y[i])))
		scale = max(scale, math.Abs(float64(x[i])))
	}
	// TF32 keeps 10 mantissa bits of each product's inputs: percent-level differences at
	// most, never a different model.
	if worst > 0.05*max(1, scale) {
		t.Errorf("TF32 differs from fp32 by up to %g (outputs up to %g)", worst, scale)
	}
	t.Logf("TF32 vs fp32: max |diff| %.3g (outputs up to %.3g)", worst, scale)
}

// An arena larger than the device is an error wrapping backend.ErrOutOfMemory, and
// what was allocated before it is freed again.
func TestOutOfMemoryIsAnError(t *testing.T) {
	b := openGPU(t, Options{})
	a := testArch(t, gpt2Small)
	w := backendtest.StressWeights(a, 1)
	g, err := model.Build(a, model.Shape{Batch: 1, Seq: a.TgtLen, Mem: a.MemLen, MemOut: a.MemLen}, model.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g.ArenaBytes = 1 << 50 // a petabyte
	var before int64
	b.w.do(func() error { f, _, err := drvMemInfo(b.name); before = f; return err })
	_, err = b.Compile(w, g)
	if !errors.Is(err, backend.ErrOutOfMemory) {
		t.Fatalf("compile with a 1 PiB arena: %v, want an error wrapping ErrOutOfMemory", err)
	}
	t.Log(err)
	var after int64
	b.w.do(func() error { f, _, err := drvMemInfo(b.name); after = f; return err })
	if before-after > 64<<20 {
		t.Errorf("free memory fell by %d bytes across the failed compile", before-after)
	}
	// The context is still usable.
	runOutputs(t, b, a, 1)
}

// The memory sampler sees at least what the executable allocated.
func TestMemorySampling(t *testing.T) {
	b := openGPU(t, Options{})
	a := testArch(t, txlSmall)
	w := backendtest.StressWeights(a, 3)
	g, err := model.Build(a, model.Shape{Batch: 2, Seq: a.TgtLen, Mem: a.MemLen, MemOut: a.MemLen}, model.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	exe, err := b.Compile(w, g)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	e := exe.(*Executable)
	e.StartMemorySampling()
	for range 5 {
		if _, err := e.RunTimed(0); err != nil {
			t.Fatal(err)
		}
	}
	nvmlPeak, delta, note := e.StopMemorySampling()
	t.Logf("alloc %d, nvml peak %v, device delta %v, note %q", e.AllocBytes(), deref(nvmlPeak), deref(delta), note)
	// Without cuBLAS (its fallback GEMM needs no workspace) there is none.
	if want := int64(blasWorkspaceBytes); b.blas == nil && e.WorkspaceBytes() != 0 || b.blas != nil && e.WorkspaceBytes() != want {
		t.Errorf("WorkspaceBytes = %d, want the %d-byte cuBLAS workspace, or 0 without cuBLAS (%s)", e.WorkspaceBytes(), want, b.gemm())
	}
	if delta == nil || *delta < e.AllocBytes()+e.WorkspaceBytes() {
		t.Errorf("device_used_delta_bytes %v < alloc_peak_bytes %d + workspace %d", deref(delta), e.AllocBytes(), e.WorkspaceBytes())
	}
	if nvmlPeak != nil && *nvmlPeak < e.AllocBytes() {
		t.Errorf("nvml_process_peak_bytes %d < alloc_peak_bytes %d", *nvmlPeak, e.AllocBytes())
	}
	if gi := b.DescribeDevice(); gi == nil || gi.Name == "" || gi.MemoryBytes <= 0 {
		t.Errorf("DescribeDevice() = %+v", gi)
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// Random ids out of the vocabulary are refused before they reach the GPU.
func TestSetIDsChecksTheVocabulary(t *testing.T) {
	b := openGPU(t, Options{})
	a := testArch(t, gpt2Small)
	g, err := model.Build(a, model.Shape{Batch: 1, Seq: a.TgtLen, Mem: a.MemLen, MemOut: a.MemLen}, model.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	exe, err := b.Compile(backendtest.StressWeights(a, 4), g)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	ids := make([]int32, g.Shape.Seq)
	for i := range ids {
		ids[i] = int32(rand.IntN(a.NToken))
	}
	ids[3] = int32(a.NToken)
	if err := exe.SetIDs(0, ids); err == nil || !strings.Contains(err.Error(), "outside the vocabulary") {
		t.Errorf("SetIDs with id %d: %v", a.NToken, err)
	}
}

// Probe lists device 0 as Open sees it.
func TestProbe(t *testing.T) {
	b := openGPU(t, Options{})
	info, err := Probe()
	if err != nil {
		t.Fatal(err)
	}
	if len(info.GPUs) == 0 || info.GPUs[0].Name != b.info.name || info.CUDAVersion == "" {
		t.Errorf("Probe = %+v; Open saw %q", info, b.info.name)
	}
}
