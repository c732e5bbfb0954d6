package results

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/internal/sysinfo"
)

// The report's benchfmt describes the environment with the keys and values a single
// measurement's benchfmt uses (bench.BenchfmtEnvironment), the CPU kernel and the GPU's
// driver included, and restates every key for each run.
func TestBenchfmtEnvironment(t *testing.T) {
	gpu := &Run{Dir: "g", Info: RunInfo{Device: "cuda:1", MemoryMetric: DefaultMemoryMetric,
		Protocol: bench.Protocol{Batch: 1, SeqLen: 192, Output: "full"},
		Environment: bench.Environment{OS: "linux", Arch: "amd64", CPUModel: "Example CPU",
			Ltsbench: bench.VersionInfo{Version: "v1.2.3", Commit: "abc"},
			GPU:      &sysinfo.GPU{Name: "NVIDIA H200", Driver: "580.65", CUDAVersion: "13.0"}}}}
	cpu := &Run{Dir: "c", Info: RunInfo{Device: "cpu", MemoryMetric: DefaultMemoryMetric,
		Protocol: bench.Protocol{Batch: 1, SeqLen: 64, MemLen: 64, Output: "last"},
		Environment: bench.Environment{OS: "linux", Arch: "arm64", CPUModel: "Cortex-A72", CPUKernel: "arm64 NEON 8×8",
			Ltsbench: bench.VersionInfo{Version: "v1.2.3", Commit: "abc"}}}}
	var buf bytes.Buffer
	if err := WriteBenchfmt(&buf, []*Run{gpu, cpu}); err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(buf.String(), "\n\n")
	if len(blocks) != 3 {
		t.Fatalf("%d blocks, want one per run and the units:\n%s", len(blocks), buf.String())
	}
	for i, r := range []*Run{gpu, cpu} {
		want := append(bench.BenchfmtEnvironment(r.Info.Environment), bench.BenchfmtProtocol(r.Info.Device, r.Info.Protocol)...)
		for _, kv := range want {
			line := kv[0] + ": " + kv[1] + "\n"
			if kv[1] == "" {
				line = kv[0] + ":\n"
			}
			if !strings.Contains(blocks[i]+"\n", line) {
				t.Errorf("run %s lacks %q:\n%s", r.Dir, line, blocks[i])
			}
		}
	}
	for _, line := range []string{"gpu: NVIDIA H200\n", "gpu-driver: 580.65\n", "cuda: 13.0\n", "cpu-kernel:\n"} {
		if !strings.Contains(blocks[0], line) {
			t.Errorf("the GPU run lacks %q", line)
		}
	}
	for _, line := range []string{"cpu-kernel: arm64 NEON 8×8\n", "gpu:\n", "gpu-driver:\n", "mem-len: 64\n"} {
		if !strings.Contains(blocks[1], line) {
			t.Errorf("the CPU run lacks %q", line)
		}
	}
}
