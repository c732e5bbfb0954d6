//go:build linux && cgo

package cuda

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/kernels"
	"github.com/ltsbench/ltsbench/kernels/emu"
)

// TestCgoPathOnFakeDriver runs this package's GPU tests in a child process whose
// libcuda.so.1 and libcublas.so.13 are the fake of package kernels/emu: the real
// loader, symbol lookups, argument marshalling into void*[], step arrays, stream
// capture and replay, events, out-of-memory clean-up and error paths of the cgo layer,
// with the kernels emulated on the CPU and cuBLAS checked against its documented
// contract; threads are visited in shuffled order. The conformance suites (the full
// forward and the cached passes) run their golden parts (ops and models run through the
// same lowering and kernels in TestConformanceEmulated and TestDecodeEmulated).
func TestCgoPathOnFakeDriver(t *testing.T) {
	t.Parallel()
	dir, blas := fakeDriver(t)
	// TestConformanceGPUNoGraph is left out: every Compile runs its graphs once without
	// capture, and TestGraphReplayMatchesLaunches compares the two paths.
	gpuTests := []string{"TestConformanceGPU", "TestDecodeGPU", "TestGraphReplayMatchesLaunches", "TestTF32",
		"TestOutOfMemoryIsAnError", "TestWideHeadAttention", "TestMemorySampling", "TestSetIDsChecksTheVocabulary", "TestProbe"}
	cmd := exec.Command(os.Args[0], "-test.v", "-test.count=1",
		"-test.run", "^("+strings.Join(gpuTests, "|")+")$/^golden$")
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+dir, "LTSBENCH_CUBLAS="+blas, "LTSBENCH_FAKE_CUDA=1", "LTSBENCH_REQUIRE_GPU=1", "LTSBENCH_EMU_ORDER=shuffle")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("GPU tests on the fake driver failed: %v\n%s", err, tail(string(out), 80))
	}
	for _, name := range gpuTests {
		if !regexp.MustCompile(`(?m)^--- PASS: ` + name + ` `).MatchString(string(out)) {
			t.Errorf("%s did not pass on the fake driver:\n%s", name, tail(string(out), 40))
		}
	}
	checkGoldenRan(t, string(out))
	t.Log(grep(string(out), "--- "))
	if strings.Contains(string(out), "fake CUDA:") || strings.Contains(string(out), "fake cuBLAS:") {
		t.Errorf("the fake driver reported misuse:\n%s", grep(string(out), "fake CU"))
	}
	if !strings.Contains(string(out), "Fake CUDA device (CPU emulation)") {
		t.Error("the child did not run on the fake device")
	}
}

// checkGoldenRan fails unless the conformance suites of the child (the full forward
// and the cached passes) ran their golden part: a suite without a "golden" subtest
// would pass the child's filter having checked nothing.
func checkGoldenRan(t *testing.T, out string) {
	t.Helper()
	for _, name := range []string{"TestConformanceGPU", "TestDecodeGPU"} {
		if !regexp.MustCompile(`(?m)^\s+--- PASS: ` + name + `/golden `).MatchString(out) {
			t.Errorf("%s ran no golden part in the child:\n%s", name, grep(out, name))
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func grep(s, sub string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// TestCgoPathWithoutCublas is TestCgoPathOnFakeDriver on a machine with the driver and
// no cuBLAS at all: Open falls back to the backend's own sgemm_tiled_f32, says so in its
// summary, and the golden bundles, graph replay and memory sampling still pass.
func TestCgoPathWithoutCublas(t *testing.T) {
	t.Parallel()
	dir, _ := fakeDriver(t)
	gpuTests := []string{"TestConformanceGPU", "TestDecodeGPU", "TestGraphReplayMatchesLaunches", "TestMemorySampling", "TestProbe"}
	cmd := exec.Command(os.Args[0], "-test.v", "-test.count=1",
		"-test.run", "^("+strings.Join(gpuTests, "|")+")$/^golden$")
	// A cuBLAS path that does not exist: nothing else is tried.
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+dir, "LTSBENCH_CUBLAS="+dir+"/missing/libcublas.so.13",
		"LTSBENCH_FAKE_CUDA=1", "LTSBENCH_REQUIRE_GPU=1", "LTSBENCH_EMU_ORDER=shuffle")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("GPU tests without cuBLAS failed: %v\n%s", err, tail(string(out), 80))
	}
	for _, name := range gpuTests {
		if !regexp.MustCompile(`(?m)^--- PASS: ` + name + ` `).MatchString(string(out)) {
			t.Errorf("%s did not pass without cuBLAS:\n%s", name, tail(string(out), 40))
		}
	}
	checkGoldenRan(t, string(out))
	if !strings.Contains(string(out), "ltsbench tiled SGEMM, no cuBLAS (no usable cuBLAS") {
		t.Errorf("the backend's summary does not name the fallback GEMM:\n%s", grep(string(out), "cuda:0:"))
	}
	if strings.Contains(string(out), "fake cuBLAS:") {
		t.Errorf("cuBLAS was called:\n%s", grep(string(out), "fake CU"))
	}
}

// fakeDriver builds the fake libcuda.so.1 (and the libcublas.so.13 beside it) into a
// temporary folder for a child process of the GPU tests, or skips: with -short, in the
// child itself, where a real driver is loaded, or without a C++ compiler.
func fakeDriver(t *testing.T) (dir, blas string) {
	t.Helper()
	if testing.Short() {
		t.Skip("the fake CUDA driver is compiled C++: skipped with -short")
	}
	if os.Getenv("LTSBENCH_FAKE_CUDA") == "1" {
		t.Skip("already the child process")
	}
	if loadDriver() == "" {
		t.Skip("a real NVIDIA driver is loaded in this process; the GPU tests run on it instead")
	}
	if _, err := emu.Compiler(); err != nil {
		t.Skipf("the fake CUDA driver needs a C++ compiler: %v", err)
	}
	dir = t.TempDir()
	blas, err := emu.BuildFakeDriver(dir, kernels.Sources(), kernelDecls())
	if err != nil {
		t.Fatal(err)
	}
	return dir, blas
}
