package cuda

import (
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// libSymbols are the names the loader in driver_cgo.go looks up, as NVIDIA's headers of
// CUDA 13.0 spell them, each with the older name tried after it. cuda.h maps the plain
// name of a function whose ABI changed to its versioned export ("#define cuMemAlloc
// cuMemAlloc_v2"); libcuda keeps exporting the old names for old binaries, but calling
// one of them gets the old behaviour, and CUDA 13.0 dropped some from cuda.h
// (cuEventElapsedTime became cuEventElapsedTime_v2 in 12.8). Functions without a _v2
// keep their plain name: cuMemsetD8Async, cuStreamCreate, cuEventCreate,
// cuStreamEndCapture, cuGraphLaunch. cuGraphInstantiateWithFlags (11.4) is what
// cuGraphInstantiate means since 12.0; cuStreamBeginCapture_v2 (10.1) takes the capture
// mode. cuBLAS: cublas_v2.h maps cublasCreate, cublasDestroy, cublasSetStream,
// cublasGetVersion, cublasSetWorkspace and cublasSetPointerMode to _v2 exports;
// cublasSetMathMode, cublasGetStatusString and cublasGemmEx have no _v2 (their _64 forms are the 64-bit-size API).
var libSymbols = map[string]string{
	// driver: name looked up first → fallback ("" none)
	"cuInit": "", "cuDriverGetVersion": "", "cuDeviceGetCount": "", "cuDeviceGet": "", "cuDeviceGetName": "",
	"cuDeviceGetAttribute": "", "cuDeviceTotalMem_v2": "", "cuDeviceGetUuid_v2": "cuDeviceGetUuid",
	"cuDevicePrimaryCtxRetain": "", "cuDevicePrimaryCtxRelease_v2": "cuDevicePrimaryCtxRelease", "cuCtxSetCurrent": "",
	"cuMemAlloc_v2": "", "cuMemFree_v2": "", "cuMemcpyHtoDAsync_v2": "", "cuMemcpyDtoHAsync_v2": "",
	"cuMemsetD8Async": "", "cuMemGetInfo_v2": "", "cuModuleLoadData": "", "cuModuleLoadDataEx": "",
	"cuModuleUnload": "", "cuModuleGetFunction": "", "cuFuncSetAttribute": "", "cuLaunchKernel": "",
	"cuStreamCreate": "", "cuStreamSynchronize": "", "cuStreamDestroy_v2": "cuStreamDestroy", "cuEventCreate": "",
	"cuEventRecord": "", "cuEventSynchronize": "", "cuEventElapsedTime_v2": "cuEventElapsedTime",
	"cuEventDestroy_v2": "cuEventDestroy", "cuGetErrorString": "", "cuGetErrorName": "",
	"cuStreamBeginCapture_v2": "", "cuStreamEndCapture": "", "cuGraphInstantiateWithFlags": "", "cuGraphLaunch": "",
	"cuGraphExecDestroy": "", "cuGraphDestroy": "",
	// cuBLAS
	"cublasCreate_v2": "", "cublasDestroy_v2": "", "cublasSetStream_v2": "", "cublasGetVersion_v2": "",
	"cublasSetWorkspace_v2": "", "cublasSetPointerMode_v2": "", "cublasSetMathMode": "", "cublasGetStatusString": "",
	"cublasGemmEx": "",
}

// The loader looks up exactly the names of libSymbols, versioned name first, and the
// fake driver the cgo tests run on defines every one of them (so those tests call
// through each lookup).
func TestLoaderSymbolNames(t *testing.T) {
	src, err := os.ReadFile("driver_cgo.go")
	if err != nil {
		t.Skipf("the package source is not here (a copied test binary): %v", err)
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`(?:NEED|MAYBE)\(\w+, "(\w+)", (?:"(\w+)"|NULL)\)`).FindAllStringSubmatch(string(src), -1) {
		got[m[1]] = m[2]
	}
	for _, m := range regexp.MustCompile(`dlsym\(lib, "(\w+)"\)`).FindAllStringSubmatch(string(src), -1) {
		got[m[1]] = ""
	}
	var missing, extra []string
	for name, fallback := range libSymbols {
		g, ok := got[name]
		switch {
		case !ok:
			missing = append(missing, name)
		case g != fallback:
			t.Errorf("%s: falls back to %q, want %q", name, g, fallback)
		}
	}
	for name := range got {
		if _, ok := libSymbols[name]; !ok {
			extra = append(extra, name)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("the loader does not look up %v and looks up %v, which the table does not list", missing, extra)
	}
	fake, err := os.ReadFile("../../kernels/emu/cxx/fake_cuda.cc")
	if err != nil {
		t.Skipf("the fake driver's source is not here: %v", err)
	}
	defined := regexp.MustCompile(`(?m)^(?:int|const char\*) (\w+)\(`).FindAllStringSubmatch(string(fake), -1)
	var names []string
	for _, d := range defined {
		names = append(names, d[1])
	}
	for name := range libSymbols {
		if !slices.Contains(names, name) {
			t.Errorf("the fake driver does not define %s", name)
		}
	}
	if !strings.Contains(string(src), `cu.StreamBeginCapture(s, 1)`) {
		t.Error("capture is not begun in CU_STREAM_CAPTURE_MODE_THREAD_LOCAL (1)")
	}
}
