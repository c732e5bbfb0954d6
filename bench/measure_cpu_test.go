package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/cpu"
	"github.com/ltsbench/ltsbench/backend/cpu/kern"
	"github.com/ltsbench/ltsbench/model"
)

// Measure on the real CPU backend: the result agrees with the planner, and the resident
// peak, which holds everything the process has, is at least the exact allocation.
func TestMeasureCPU(t *testing.T) {
	be := cpu.New(backend.Options{Threads: 1})
	defer be.Close()
	for _, name := range []string{"gpt2-tiny", "txl-tiny"} {
		a, _ := Preset(name)
		p := fastProtocol(3)
		p.Threads = 1
		res, err := Measure(context.Background(), be, a, p, 1111)
		if err != nil {
			t.Fatal(err)
		}
		rp, _ := p.Resolve(a)
		g, err := model.Build(a, rp.Shape(), model.BuildOptions{Output: p.Output})
		if err != nil {
			t.Fatal(err)
		}
		if res.AllocPeakBytes != g.AllocPeakBytes() {
			t.Errorf("%s: alloc_peak_bytes %d, the planner says %d", name, res.AllocPeakBytes, g.AllocPeakBytes())
		}
		if len(res.SamplesMS) != 3 || res.Latency.N != 3 {
			t.Errorf("%s: %d samples, n %d, want 3", name, len(res.SamplesMS), res.Latency.N)
		}
		for _, s := range res.SamplesMS {
			if !(s > 0) {
				t.Errorf("%s: sample %g ms", name, s)
			}
		}
		if l := res.Latency; !(l.P10 <= l.Median && l.Median <= l.P90) {
			t.Errorf("%s: latency %+v out of order", name, l)
		}
		if res.RSSPeakBytes != nil && *res.RSSPeakBytes < res.AllocPeakBytes {
			t.Errorf("%s: resident peak %d below the allocation %d", name, *res.RSSPeakBytes, res.AllocPeakBytes)
		}
		// The CPU backend packs GEMM operands into buffers of its own: reported, not
		// hidden (alloc_peak_bytes counts the model's regions only).
		if res.WorkspaceBytes <= 0 {
			t.Errorf("%s: workspace_bytes %d, want the GEMM packing buffers", name, res.WorkspaceBytes)
		}
		if res.Device != "cpu" {
			t.Errorf("%s: device %q", name, res.Device)
		}
	}
}

// The environment of a CPU measurement names the SGEMM micro-kernel that ran, in the
// JSON and in the benchfmt configuration, since CPU latencies of builds that chose
// different kernels (AVX2 or -tags noasm, say) do not compare.
func TestEnvironmentNamesCPUKernel(t *testing.T) {
	be := cpu.New(backend.Options{Threads: 1})
	defer be.Close()
	env := CaptureEnvironment(1, be)
	want := kern.KernelName()
	if want == "" || env.CPUKernel != want {
		t.Fatalf("cpu_kernel %q, want the kernel in use %q", env.CPUKernel, want)
	}
	var buf strings.Builder
	if err := WriteBenchfmt(&buf, env, nil); err != nil {
		t.Fatal(err)
	}
	if line := "cpu-kernel: " + want + "\n"; !strings.Contains(buf.String(), line) {
		t.Errorf("benchfmt configuration lacks %q:\n%s", line, buf.String())
	}
	if env := CaptureEnvironment(1, nil); env.CPUKernel != "" {
		t.Errorf("no backend: cpu_kernel %q, want none", env.CPUKernel)
	}
}
