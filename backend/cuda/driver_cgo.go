//go:build linux && cgo

package cuda

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The CUDA driver API and cuBLAS as far as this package uses them, declared here so
// that building needs no CUDA header and linking no CUDA library: both are loaded at
// run time with dlopen (libcuda.so.1 comes with the NVIDIA driver).
typedef int CUresult;
typedef int CUdevice;
typedef void* CUcontext;
typedef unsigned long long CUdeviceptr;
typedef void* CUmodule;
typedef void* CUfunction;
typedef void* CUstream;
typedef void* CUevent;
typedef void* CUgraph;
typedef void* CUgraphExec;
typedef void* cublasHandle_t;

typedef struct {
	CUresult (*Init)(unsigned int);
	CUresult (*DriverGetVersion)(int*);
	CUresult (*DeviceGetCount)(int*);
	CUresult (*DeviceGet)(CUdevice*, int);
	CUresult (*DeviceGetName)(char*, int, CUdevice);
	CUresult (*DeviceGetAttribute)(int*, int, CUdevice);
	CUresult (*DeviceTotalMem)(size_t*, CUdevice);
	CUresult (*DeviceGetUuid)(unsigned char*, CUdevice);
	CUresult (*DevicePrimaryCtxRetain)(CUcontext*, CUdevice);
	CUresult (*DevicePrimaryCtxRelease)(CUdevice);
	CUresult (*CtxSetCurrent)(CUcontext);
	CUresult (*MemAlloc)(CUdeviceptr*, size_t);
	CUresult (*MemFree)(CUdeviceptr);
	CUresult (*MemcpyHtoDAsync)(CUdeviceptr, const void*, size_t, CUstream);
	CUresult (*MemcpyDtoHAsync)(void*, CUdeviceptr, size_t, CUstream);
	CUresult (*MemsetD8Async)(CUdeviceptr, unsigned char, size_t, CUstream);
	CUresult (*MemGetInfo)(size_t*, size_t*);
	CUresult (*ModuleLoadData)(CUmodule*, const void*);
	CUresult (*ModuleLoadDataEx)(CUmodule*, const void*, unsigned int, int*, void**);
	CUresult (*ModuleUnload)(CUmodule);
	CUresult (*ModuleGetFunction)(CUfunction*, CUmodule, const char*);
	CUresult (*FuncSetAttribute)(CUfunction, int, int);
	CUresult (*LaunchKernel)(CUfunction, unsigned int, unsigned int, unsigned int, unsigned int,
	                         unsigned int, unsigned int, unsigned int, CUstream, void**, void**);
	CUresult (*StreamCreate)(CUstream*, unsigned int);
	CUresult (*StreamSynchronize)(CUstream);
	CUresult (*StreamDestroy)(CUstream);
	CUresult (*EventCreate)(CUevent*, unsigned int);
	CUresult (*EventRecord)(CUevent, CUstream);
	CUresult (*EventSynchronize)(CUevent);
	CUresult (*EventElapsedTime)(float*, CUevent, CUevent);
	CUresult (*EventDestroy)(CUevent);
	CUresult (*GetErrorString)(CUresult, const char**);
	CUresult (*GetErrorName)(CUresult, const char**);
	CUresult (*StreamBeginCapture)(CUstream, int);
	CUresult (*StreamEndCapture)(CUstream, CUgraph*);
	CUresult (*GraphInstantiateWithFlags)(CUgraphExec*, CUgraph, unsigned long long);
	CUresult (*GraphLaunch)(CUgraphExec, CUstream);
	CUresult (*GraphExecDestroy)(CUgraphExec);
	CUresult (*GraphDestroy)(CUgraph);
} ltsb_cu_api;

typedef struct {
	int (*Create)(cublasHandle_t*);
	int (*Destroy)(cublasHandle_t);
	int (*SetStream)(cublasHandle_t, CUstream);
	int (*GetVersion)(cublasHandle_t, int*);
	int (*SetWorkspace)(cublasHandle_t, void*, size_t);
	int (*SetPointerMode)(cublasHandle_t, int);
	int (*SetMathMode)(cublasHandle_t, int);
	const char* (*GetStatusString)(int);
	int (*GemmEx)(cublasHandle_t, int, int, int, int, int, const void*, const void*, int, int,
	              const void*, int, int, const void*, void*, int, int, int, int);
} ltsb_blas_api;

static ltsb_cu_api cu;
static ltsb_blas_api blas;
static char ltsb_err[512];

// sym looks up the first of two names that the library exports (the _v2 name first:
// cuda.h maps the plain name to it, and CUDA 13 dropped some plain names).
static void* sym(void* lib, const char* a, const char* b) {
	void* p = dlsym(lib, a);
	if (!p && b) p = dlsym(lib, b);
	return p;
}

#define NEED(field, a, b)                                                        \
	do {                                                                         \
		*(void**)(&cu.field) = sym(lib, a, b);                                   \
		if (!cu.field) {                                                         \
			snprintf(ltsb_err, sizeof ltsb_err, "libcuda.so.1 lacks %s", a);     \
			return ltsb_err;                                                     \
		}                                                                        \
	} while (0)
#define MAYBE(field, a, b) (*(void**)(&cu.field) = sym(lib, a, b))

// ltsb_load_driver loads libcuda.so.1; NULL on success, else why not.
static const char* ltsb_load_driver(void) {
	void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char* e = dlerror();
		snprintf(ltsb_err, sizeof ltsb_err, "%s", e ? e : "libcuda.so.1: cannot be loaded");
		return ltsb_err;
	}
	NEED(Init, "cuInit", NULL);
	NEED(DriverGetVersion, "cuDriverGetVersion", NULL);
	NEED(DeviceGetCount, "cuDeviceGetCount", NULL);
	NEED(DeviceGet, "cuDeviceGet", NULL);
	NEED(DeviceGetName, "cuDeviceGetName", NULL);
	NEED(DeviceGetAttribute, "cuDeviceGetAttribute", NULL);
	NEED(DeviceTotalMem, "cuDeviceTotalMem_v2", NULL);
	MAYBE(DeviceGetUuid, "cuDeviceGetUuid_v2", "cuDeviceGetUuid");
	NEED(DevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", NULL);
	NEED(DevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
	NEED(CtxSetCurrent, "cuCtxSetCurrent", NULL);
	NEED(MemAlloc, "cuMemAlloc_v2", NULL);
	NEED(MemFree, "cuMemFree_v2", NULL);
	NEED(MemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", NULL);
	NEED(MemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", NULL);
	NEED(MemsetD8Async, "cuMemsetD8Async", NULL);
	NEED(MemGetInfo, "cuMemGetInfo_v2", NULL);
	NEED(ModuleLoadData, "cuModuleLoadData", NULL);
	MAYBE(ModuleLoadDataEx, "cuModuleLoadDataEx", NULL);
	NEED(ModuleUnload, "cuModuleUnload", NULL);
	NEED(ModuleGetFunction, "cuModuleGetFunction", NULL);
	NEED(FuncSetAttribute, "cuFuncSetAttribute", NULL); // CUDA ≥ 9.0
	NEED(LaunchKernel, "cuLaunchKernel", NULL);
	NEED(StreamCreate, "cuStreamCreate", NULL);
	NEED(StreamSynchronize, "cuStreamSynchronize", NULL);
	NEED(StreamDestroy, "cuStreamDestroy_v2", "cuStreamDestroy");
	NEED(EventCreate, "cuEventCreate", NULL);
	NEED(EventRecord, "cuEventRecord", NULL);
	NEED(EventSynchronize, "cuEventSynchronize", NULL);
	NEED(EventElapsedTime, "cuEventElapsedTime_v2", "cuEventElapsedTime");
	NEED(EventDestroy, "cuEventDestroy_v2", "cuEventDestroy");
	NEED(GetErrorString, "cuGetErrorString", NULL);
	NEED(GetErrorName, "cuGetErrorName", NULL);
	// CUDA graphs (CUDA ≥ 11.4); without them every run launches op by op.
	MAYBE(StreamBeginCapture, "cuStreamBeginCapture_v2", NULL);
	MAYBE(StreamEndCapture, "cuStreamEndCapture", NULL);
	MAYBE(GraphInstantiateWithFlags, "cuGraphInstantiateWithFlags", NULL);
	MAYBE(GraphLaunch, "cuGraphLaunch", NULL);
	MAYBE(GraphExecDestroy, "cuGraphExecDestroy", NULL);
	MAYBE(GraphDestroy, "cuGraphDestroy", NULL);
	return NULL;
}

static int ltsb_has_graphs(void) {
	return cu.StreamBeginCapture && cu.StreamEndCapture && cu.GraphInstantiateWithFlags &&
	       cu.GraphLaunch && cu.GraphExecDestroy && cu.GraphDestroy;
}

// ltsb_load_cublas loads cuBLAS from path; NULL on success, else why not. For a full
// path the sibling libcublasLt is loaded first (RTLD_GLOBAL), so the dependency is
// found even where the folder is not on the loader's search path.
static const char* ltsb_load_cublas(const char* path, const char* lt_path) {
	if (lt_path) dlopen(lt_path, RTLD_NOW | RTLD_GLOBAL);
	void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char* e = dlerror();
		snprintf(ltsb_err, sizeof ltsb_err, "%s", e ? e : path);
		return ltsb_err;
	}
	ltsb_blas_api b;
	memset(&b, 0, sizeof b);
	*(void**)(&b.Create) = dlsym(lib, "cublasCreate_v2");
	*(void**)(&b.Destroy) = dlsym(lib, "cublasDestroy_v2");
	*(void**)(&b.SetStream) = dlsym(lib, "cublasSetStream_v2");
	*(void**)(&b.GetVersion) = dlsym(lib, "cublasGetVersion_v2");
	*(void**)(&b.SetWorkspace) = dlsym(lib, "cublasSetWorkspace_v2");
	*(void**)(&b.SetPointerMode) = dlsym(lib, "cublasSetPointerMode_v2");
	*(void**)(&b.SetMathMode) = dlsym(lib, "cublasSetMathMode");
	*(void**)(&b.GetStatusString) = dlsym(lib, "cublasGetStatusString");
	*(void**)(&b.GemmEx) = dlsym(lib, "cublasGemmEx");
	if (!b.Create || !b.Destroy || !b.SetStream || !b.GemmEx) {
		snprintf(ltsb_err, sizeof ltsb_err, "%s lacks cublasCreate_v2, cublasDestroy_v2, cublasSetStream_v2 or cublasGemmEx", path);
		dlclose(lib);
		return ltsb_err;
	}
	blas = b;
	return NULL;
}

static const char* ltsb_cu_error_string(CUresult r) {
	const char* s = NULL;
	if (!cu.GetErrorString || cu.GetErrorString(r, &s) != 0 || !s) return "unknown error";
	return s;
}

static const char* ltsb_cu_error_name(CUresult r) {
	const char* s = NULL;
	if (!cu.GetErrorName || cu.GetErrorName(r, &s) != 0 || !s) return "";
	return s;
}

static const char* ltsb_blas_status_string(int s) {
	return blas.GetStatusString ? blas.GetStatusString(s) : "";
}

// Thin wrappers: cgo cannot call through function pointers.
static CUresult ltsb_init(void) { return cu.Init(0); }
static CUresult ltsb_driver_version(int* v) { return cu.DriverGetVersion(v); }
static CUresult ltsb_device_count(int* n) { return cu.DeviceGetCount(n); }
static CUresult ltsb_device_get(CUdevice* d, int ordinal) { return cu.DeviceGet(d, ordinal); }
static CUresult ltsb_device_name(char* buf, int n, CUdevice d) { return cu.DeviceGetName(buf, n, d); }
static CUresult ltsb_device_attr(int* v, int attr, CUdevice d) { return cu.DeviceGetAttribute(v, attr, d); }
static CUresult ltsb_device_total_mem(size_t* n, CUdevice d) { return cu.DeviceTotalMem(n, d); }
static CUresult ltsb_device_uuid(unsigned char* b, CUdevice d) {
	return cu.DeviceGetUuid ? cu.DeviceGetUuid(b, d) : 801; // CUDA_ERROR_NOT_SUPPORTED
}
static CUresult ltsb_ctx_retain(CUcontext* c, CUdevice d) { return cu.DevicePrimaryCtxRetain(c, d); }
static CUresult ltsb_ctx_release(CUdevice d) { return cu.DevicePrimaryCtxRelease(d); }
static CUresult ltsb_ctx_set_current(CUcontext c) { return cu.CtxSetCurrent(c); }
static CUresult ltsb_mem_alloc(CUdeviceptr* p, size_t n) { return cu.MemAlloc(p, n); }
static CUresult ltsb_mem_free(CUdeviceptr p) { return cu.MemFree(p); }
static CUresult ltsb_mem_info(size_t* free_, size_t* total) { return cu.MemGetInfo(free_, total); }
static CUresult ltsb_stream_create(CUstream* s) { return cu.StreamCreate(s, 1); } // CU_STREAM_NON_BLOCKING
static CUresult ltsb_stream_sync(CUstream s) { return cu.StreamSynchronize(s); }
static CUresult ltsb_stream_destroy(CUstream s) { return cu.StreamDestroy(s); }
static CUresult ltsb_event_create(CUevent* e) { return cu.EventCreate(e, 0); } // CU_EVENT_DEFAULT: timing enabled
static CUresult ltsb_event_destroy(CUevent e) { return cu.EventDestroy(e); }
static CUresult ltsb_module_unload(CUmodule m) { return cu.ModuleUnload(m); }
static CUresult ltsb_module_function(CUfunction* f, CUmodule m, const char* name) { return cu.ModuleGetFunction(f, m, name); }
static CUresult ltsb_graph_exec_destroy(CUgraphExec g) { return cu.GraphExecDestroy(g); }
// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8
static CUresult ltsb_func_max_dynamic_smem(CUfunction f, int bytes) { return cu.FuncSetAttribute(f, 8, bytes); }

// Copies and fills, each finished before returning (the host buffer is not kept).
static CUresult ltsb_htod(CUdeviceptr dst, const void* src, size_t n, CUstream s) {
	CUresult r = cu.MemcpyHtoDAsync(dst, src, n, s);
	return r ? r : cu.StreamSynchronize(s);
}
static CUresult ltsb_dtoh(void* dst, CUdeviceptr src, size_t n, CUstream s) {
	CUresult r = cu.MemcpyDtoHAsync(dst, src, n, s);
	return r ? r : cu.StreamSynchronize(s);
}
static CUresult ltsb_zero(CUdeviceptr dst, size_t n, CUstream s) {
	CUresult r = cu.MemsetD8Async(dst, 0, n, s);
	return r ? r : cu.StreamSynchronize(s);
}

// ltsb_module_load JIT-compiles PTX; on failure the JIT's error log is copied to log.
static CUresult ltsb_module_load(CUmodule* m, const char* ptx, char* log, unsigned int log_size) {
	if (!cu.ModuleLoadDataEx) return cu.ModuleLoadData(m, ptx);
	int opts[2] = {5, 6}; // CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
	void* vals[2] = {log, (void*)(uintptr_t)log_size};
	log[0] = 0;
	return cu.ModuleLoadDataEx(m, ptx, 2, opts, vals);
}

static int ltsb_blas_create(cublasHandle_t* h) { return blas.Create(h); }
static int ltsb_blas_destroy(cublasHandle_t h) { return blas.Destroy(h); }
static int ltsb_blas_set_stream(cublasHandle_t h, CUstream s) { return blas.SetStream(h, s); }
static int ltsb_blas_version(cublasHandle_t h, int* v) { return blas.GetVersion ? blas.GetVersion(h, v) : 15; }
static int ltsb_blas_has_workspace(void) { return blas.SetWorkspace != NULL; }
// The GEMMs pass alpha and beta as host pointers (CUBLAS_POINTER_MODE_HOST = 0: cuBLAS
// reads them at the call, so a capture records their values) and ask for exactly the
// compute type given (CUBLAS_DEFAULT_MATH = 0: no TF32 unless the compute type says
// so). Both are cuBLAS's defaults; set explicitly, before any capture.
static int ltsb_blas_set_modes(cublasHandle_t h) {
	int r = blas.SetPointerMode ? blas.SetPointerMode(h, 0) : 0;
	if (r) return r;
	return blas.SetMathMode ? blas.SetMathMode(h, 0) : 0;
}
static int ltsb_blas_set_workspace(cublasHandle_t h, CUdeviceptr p, size_t n) {
	return blas.SetWorkspace(h, (void*)(uintptr_t)p, n);
}

// ltsb_step is one launch (kind 1) or GEMM (kind 2) of a compiled graph, in C memory.
typedef struct {
	int kind;
	CUfunction f;
	unsigned int grid[3], block[3], smem;
	void** params;
	int transa, transb, m, n, k, lda, ldb, ldc;
	CUdeviceptr a, b, c;
	float beta;
} ltsb_step;

static const float ltsb_one = 1.0f;

// ltsb_run enqueues steps on stream s. On failure it returns the code, the index of the
// failing step in *at and whether the code is a cuBLAS status in *is_blas. sync_each
// synchronises after every step, so that an asynchronous fault names its step.
static int ltsb_run(const ltsb_step* st, int n, CUstream s, cublasHandle_t h, int compute,
                    int sync_each, int* at, int* is_blas) {
	for (int i = 0; i < n; i++) {
		const ltsb_step* p = &st[i];
		*at = i;
		*is_blas = 0;
		if (p->kind == 1) {
			CUresult r = cu.LaunchKernel(p->f, p->grid[0], p->grid[1], p->grid[2], p->block[0], p->block[1],
			                             p->block[2], p->smem, s, p->params, NULL);
			if (r) return r;
		} else {
			// CUDA_R_32F = 0 for every operand; CUBLAS_GEMM_DEFAULT = -1.
			int r = blas.GemmEx(h, p->transa, p->transb, p->m, p->n, p->k, &ltsb_one,
			                    (const void*)(uintptr_t)p->a, 0, p->lda, (const void*)(uintptr_t)p->b, 0, p->ldb,
			                    &p->beta, (void*)(uintptr_t)p->c, 0, p->ldc, compute, -1);
			if (r) {
				*is_blas = 1;
				return r;
			}
		}
		if (sync_each) {
			CUresult r = cu.StreamSynchronize(s);
			if (r) return r;
		}
	}
	*at = -1;
	return 0;
}

// ltsb_exec runs a graph once (its CUDA graph g, or the steps when g is NULL) and waits.
// With timing events e0/e1 it also returns the device time in *ms. *stage says which call
// failed: 0 a step (see ltsb_run), 1 enqueueing the CUDA graph, 2 the timing events,
// 3 waiting for the work (an asynchronous fault of some step).
static int ltsb_exec(const ltsb_step* st, int n, CUgraphExec g, CUstream s, cublasHandle_t h, int compute,
                     int sync_each, CUevent e0, CUevent e1, float* ms, int* at, int* is_blas, int* stage) {
	int r;
	*at = -1;
	*is_blas = 0;
	*stage = 2;
	if (e0 && (r = cu.EventRecord(e0, s))) return r;
	if (g) {
		*stage = 1;
		if ((r = cu.GraphLaunch(g, s))) return r;
	} else {
		*stage = 0;
		if ((r = ltsb_run(st, n, s, h, compute, sync_each, at, is_blas))) return r;
	}
	if (e0) {
		*stage = 2;
		if ((r = cu.EventRecord(e1, s))) return r;
		*stage = 3;
		if ((r = cu.EventSynchronize(e1))) return r;
		*stage = 2;
		return cu.EventElapsedTime(ms, e0, e1);
	}
	*stage = 3;
	return cu.StreamSynchronize(s);
}

// ltsb_capture records the steps into a CUDA graph and instantiates it. *stage: 0 a
// step, 1 begin capture, 2 end capture, 3 instantiate.
static int ltsb_capture(const ltsb_step* st, int n, CUstream s, cublasHandle_t h, int compute,
                        CUgraphExec* out, int* at, int* is_blas, int* stage) {
	*at = -1;
	*is_blas = 0;
	*stage = 1;
	int r = cu.StreamBeginCapture(s, 1); // CU_STREAM_CAPTURE_MODE_THREAD_LOCAL
	if (r) return r;
	*stage = 0;
	int rr = ltsb_run(st, n, s, h, compute, 0, at, is_blas);
	CUgraph g = NULL;
	int re = cu.StreamEndCapture(s, &g); // always: leave capture mode
	if (rr) {
		if (g) cu.GraphDestroy(g);
		return rr;
	}
	*stage = 2;
	if (re) return re;
	*stage = 3;
	r = cu.GraphInstantiateWithFlags(out, g, 0);
	cu.GraphDestroy(g);
	return r;
}
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/ltsbench/ltsbench/internal/sysinfo"
)

var (
	driverOnce sync.Once
	driverErr  string
)

// loadDriver loads libcuda.so.1 once per process; "" on success, else why not.
func loadDriver() string {
	driverOnce.Do(func() {
		if msg := C.ltsb_load_driver(); msg != nil {
			driverErr = C.GoString(msg)
		}
	})
	return driverErr
}

// cuErr turns a CUresult into an error, nil for CUDA_SUCCESS.
func cuErr(dev, what, call string, r C.CUresult) error {
	if r == 0 {
		return nil
	}
	desc := C.GoString(C.ltsb_cu_error_string(r))
	if name := C.GoString(C.ltsb_cu_error_name(r)); name != "" {
		desc += " (" + name + ")"
	}
	return &cudaError{dev: dev, what: what, call: call, code: int(r), desc: desc}
}

// blasErr turns a cublasStatus_t into an error, nil for CUBLAS_STATUS_SUCCESS.
func blasErr(dev, what, call string, s C.int) error {
	if s == 0 {
		return nil
	}
	return &cudaError{dev: dev, what: what, call: call, code: int(s), blas: true,
		desc: cublasDesc(int(s), C.GoString(C.ltsb_blas_status_string(s)))}
}

// loadCublas loads the cuBLAS candidates in order (cublasCandidates, less those newer
// than the driver, cublasForDriver) and calls create on each that loads, until one
// succeeds; it returns that library's path. A cuBLAS that loads but whose handle cannot
// be created (a toolkit the driver cannot run) gives way to the next candidate. The error
// names every library tried, why each failed, and the driver's CUDA version.
func loadCublas(driverVersion int, create func(lib string) error) (string, error) {
	return tryCublas(cublasCandidates(), driverVersion, func(c string) string {
		var lt *C.char
		if p := cublasLtBeside(c); p != "" {
			lt = C.CString(p)
		}
		cs := C.CString(c)
		msg := C.ltsb_load_cublas(cs, lt)
		C.free(unsafe.Pointer(cs))
		if lt != nil {
			C.free(unsafe.Pointer(lt))
		}
		if msg != nil {
			return C.GoString(msg)
		}
		return ""
	}, create)
}

// Go wrappers over the C functions above: the rest of the package calls these and never
// uses cgo itself. Every one of them must run on the backend's owner thread (worker).
// Handles are C pointers kept as unsafe.Pointer; device addresses are uint64.

type (
	cuDevice   = C.CUdevice
	cuContext  = unsafe.Pointer
	cuStream   = unsafe.Pointer
	cuEvent    = unsafe.Pointer
	cuModule   = unsafe.Pointer
	cuFunction = unsafe.Pointer
	cuGraph    = unsafe.Pointer // an instantiated CUDA graph (CUgraphExec)
	blasHandle = unsafe.Pointer
)

// deviceInfo is what the driver API says about one GPU.
type deviceInfo struct {
	dev         cuDevice
	name        string
	uuid        string // NVML's spelling, "GPU-…"; "" if the driver cannot tell
	memoryBytes int64
	ccMajor     int
	ccMinor     int
	sms         int
	smemOptIn   int // dynamic + static shared memory a block may have with the opt-in; 0 if unknown
}

// CUdevice_attribute values (cuda.h, unchanged since CUDA 5).
const (
	attrMultiprocessorCount  = 16
	attrComputeCapMajor      = 75
	attrComputeCapMinor      = 76
	attrMaxSmemPerBlockOptIn = 97 // CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN (CUDA ≥ 9.0)
)

func drvInit(dev string) error { return cuErr(dev, "initialising the driver", "cuInit", C.ltsb_init()) }

func drvVersion() int {
	var v C.int
	if C.ltsb_driver_version(&v) != 0 {
		return 0
	}
	return int(v)
}

func drvDeviceCount(dev string) (int, error) {
	var n C.int
	err := cuErr(dev, "counting GPUs", "cuDeviceGetCount", C.ltsb_device_count(&n))
	return int(n), err
}

func drvDevice(dev string, ordinal int) (deviceInfo, error) {
	var d deviceInfo
	if err := cuErr(dev, "opening the device", "cuDeviceGet", C.ltsb_device_get(&d.dev, C.int(ordinal))); err != nil {
		return d, err
	}
	var buf [256]C.char
	if C.ltsb_device_name(&buf[0], C.int(len(buf)), d.dev) == 0 {
		d.name = C.GoString(&buf[0])
	}
	var mem C.size_t
	if C.ltsb_device_total_mem(&mem, d.dev) == 0 {
		d.memoryBytes = int64(mem)
	}
	attr := func(a int) int {
		var v C.int
		if C.ltsb_device_attr(&v, C.int(a), d.dev) != 0 {
			return 0
		}
		return int(v)
	}
	d.ccMajor, d.ccMinor, d.sms = attr(attrComputeCapMajor), attr(attrComputeCapMinor), attr(attrMultiprocessorCount)
	d.smemOptIn = attr(attrMaxSmemPerBlockOptIn)
	var u [16]C.uchar
	if C.ltsb_device_uuid(&u[0], d.dev) == 0 {
		var b [16]byte
		for i := range b {
			b[i] = byte(u[i])
		}
		d.uuid = sysinfo.UUIDString(b)
	}
	return d, nil
}

func drvCtxRetain(dev string, d cuDevice) (cuContext, error) {
	var c C.CUcontext
	if err := cuErr(dev, "retaining the primary context", "cuDevicePrimaryCtxRetain", C.ltsb_ctx_retain(&c, d)); err != nil {
		return nil, err
	}
	return cuContext(c), nil
}

func drvCtxRelease(d cuDevice) { C.ltsb_ctx_release(d) }

func drvCtxSetCurrent(dev string, c cuContext) error {
	return cuErr(dev, "making the context current", "cuCtxSetCurrent", C.ltsb_ctx_set_current(C.CUcontext(c)))
}

// drvMemInfo returns the device's free and total memory in bytes.
func drvMemInfo(dev string) (free, total int64, err error) {
	var f, t C.size_t
	err = cuErr(dev, "reading the memory use", "cuMemGetInfo", C.ltsb_mem_info(&f, &t))
	return int64(f), int64(t), err
}

func drvMemAlloc(dev, what string, n int64) (uint64, error) {
	var p C.CUdeviceptr
	err := cuErr(dev, what, "cuMemAlloc", C.ltsb_mem_alloc(&p, C.size_t(n)))
	return uint64(p), err
}

func drvMemFree(p uint64) {
	if p != 0 {
		C.ltsb_mem_free(C.CUdeviceptr(p))
	}
}

// drvHtoD copies n bytes from host memory (Go memory is fine: the copy is finished when
// the call returns, and nothing keeps the pointer) to device address dst.
func drvHtoD(dev, what string, dst uint64, src unsafe.Pointer, n int64, s cuStream) error {
	if n == 0 {
		return nil
	}
	return cuErr(dev, what, "cuMemcpyHtoDAsync", C.ltsb_htod(C.CUdeviceptr(dst), src, C.size_t(n), C.CUstream(s)))
}

func drvDtoH(dev, what string, dst unsafe.Pointer, src uint64, n int64, s cuStream) error {
	if n == 0 {
		return nil
	}
	return cuErr(dev, what, "cuMemcpyDtoHAsync", C.ltsb_dtoh(dst, C.CUdeviceptr(src), C.size_t(n), C.CUstream(s)))
}

func drvZero(dev, what string, dst uint64, n int64, s cuStream) error {
	if n == 0 {
		return nil
	}
	return cuErr(dev, what, "cuMemsetD8Async", C.ltsb_zero(C.CUdeviceptr(dst), C.size_t(n), C.CUstream(s)))
}

func drvStreamCreate(dev string) (cuStream, error) {
	var s C.CUstream
	err := cuErr(dev, "creating a stream", "cuStreamCreate", C.ltsb_stream_create(&s))
	return cuStream(s), err
}

func drvStreamDestroy(s cuStream) {
	if s != nil {
		C.ltsb_stream_destroy(C.CUstream(s))
	}
}

func drvEventCreate(dev string) (cuEvent, error) {
	var e C.CUevent
	err := cuErr(dev, "creating a timing event", "cuEventCreate", C.ltsb_event_create(&e))
	return cuEvent(e), err
}

func drvEventDestroy(e cuEvent) {
	if e != nil {
		C.ltsb_event_destroy(C.CUevent(e))
	}
}

// drvModuleLoad JIT-compiles one PTX module; a failure carries the JIT's log.
func drvModuleLoad(dev, name, ptx string) (cuModule, error) {
	cs := C.CString(ptx)
	defer C.free(unsafe.Pointer(cs))
	const logSize = 8192
	log := (*C.char)(C.malloc(logSize))
	defer C.free(unsafe.Pointer(log))
	var m C.CUmodule
	if err := cuErr(dev, "loading kernel module "+name, "cuModuleLoadDataEx", C.ltsb_module_load(&m, cs, log, logSize)); err != nil {
		if l := strings.TrimSpace(C.GoString(log)); l != "" {
			return nil, fmt.Errorf("%w; JIT log: %s", err, strings.ReplaceAll(l, "\n", "; "))
		}
		return nil, err
	}
	return cuModule(m), nil
}

func drvModuleUnload(m cuModule) {
	if m != nil {
		C.ltsb_module_unload(C.CUmodule(m))
	}
}

func drvFunction(dev string, m cuModule, name string) (cuFunction, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var f C.CUfunction
	err := cuErr(dev, "finding kernel "+name, "cuModuleGetFunction", C.ltsb_module_function(&f, C.CUmodule(m), cs))
	return cuFunction(f), err
}

// drvFuncMaxDynamicSmem lets kernel f launch with up to bytes of dynamic shared memory
// (needed above 48 KiB).
func drvFuncMaxDynamicSmem(dev, what string, f cuFunction, bytes int) error {
	return cuErr(dev, what, "cuFuncSetAttribute", C.ltsb_func_max_dynamic_smem(C.CUfunction(f), C.int(bytes)))
}

func drvHasGraphs() bool { return C.ltsb_has_graphs() != 0 }

func drvGraphDestroy(g cuGraph) {
	if g != nil {
		C.ltsb_graph_exec_destroy(C.CUgraphExec(g))
	}
}

// blasWorkspaceBytes is the cuBLAS workspace the backend owns: cuBLAS's recommendation
// for Hopper (32 MiB), set explicitly so that no GEMM allocates memory while a CUDA
// graph is being captured or replayed.
const blasWorkspaceBytes = 32 << 20

// blasCreate makes a cuBLAS handle on stream s with its own workspace (whose device
// address it returns, 0 where this cuBLAS cannot take one).
func blasCreate(dev string, s cuStream) (blasHandle, uint64, int, error) {
	var h C.cublasHandle_t
	if err := blasErr(dev, "creating the cuBLAS handle", "cublasCreate", C.ltsb_blas_create(&h)); err != nil {
		return nil, 0, 0, err
	}
	if err := blasErr(dev, "setting the cuBLAS pointer and math modes", "cublasSetPointerMode/cublasSetMathMode", C.ltsb_blas_set_modes(h)); err != nil {
		C.ltsb_blas_destroy(h)
		return nil, 0, 0, err
	}
	// SetStream resets the workspace to cuBLAS's own pool, so it goes first.
	if err := blasErr(dev, "setting the cuBLAS stream", "cublasSetStream", C.ltsb_blas_set_stream(h, C.CUstream(s))); err != nil {
		C.ltsb_blas_destroy(h)
		return nil, 0, 0, err
	}
	var ws uint64
	if C.ltsb_blas_has_workspace() != 0 {
		p, err := drvMemAlloc(dev, "allocating the cuBLAS workspace", blasWorkspaceBytes)
		if err != nil {
			C.ltsb_blas_destroy(h)
			return nil, 0, 0, err
		}
		if err := blasErr(dev, "setting the cuBLAS workspace", "cublasSetWorkspace", C.ltsb_blas_set_workspace(h, C.CUdeviceptr(p), blasWorkspaceBytes)); err != nil {
			C.ltsb_blas_destroy(h)
			drvMemFree(p)
			return nil, 0, 0, err
		}
		ws = p
	}
	var v C.int
	if C.ltsb_blas_version(h, &v) != 0 {
		v = 0
	}
	return blasHandle(h), ws, int(v), nil
}

func blasDestroy(h blasHandle) {
	if h != nil {
		C.ltsb_blas_destroy(C.cublasHandle_t(h))
	}
}

// cSteps is a compiled graph's steps in C memory: the ltsb_step array, and for the
// launches their packed arguments with the void*[] arrays cuLaunchKernel reads.
type cSteps struct {
	steps  *C.ltsb_step
	n      int
	args   unsafe.Pointer // packed argument values, then the pointer arrays
	labels []string       // the op each step belongs to, for errors
}

// newCSteps places steps in C memory, resolving every region reference with base and
// every kernel with fn.
func newCSteps(steps []step, fn func(*kernelSig) cuFunction, base func(devRef) uint64) *cSteps {
	var ls []*launchStep
	nptr := 0
	for _, s := range steps {
		if s.launch != nil {
			ls = append(ls, s.launch)
			nptr += len(s.launch.args)
		}
	}
	packed := packLaunches(ls, base)
	ptrBytes := int(unsafe.Sizeof(unsafe.Pointer(nil)))
	cs := &cSteps{n: len(steps)}
	cs.args = C.calloc(C.size_t(len(packed.Buf)+nptr*ptrBytes+8), 1)
	blob := unsafe.Slice((*byte)(cs.args), len(packed.Buf))
	copy(blob, packed.Buf)
	ptrs := unsafe.Slice((*unsafe.Pointer)(unsafe.Add(cs.args, len(packed.Buf))), nptr)
	cs.steps = (*C.ltsb_step)(C.calloc(C.size_t(max(len(steps), 1)), C.size_t(unsafe.Sizeof(C.ltsb_step{}))))
	arr := unsafe.Slice(cs.steps, max(len(steps), 1))
	li, pi := 0, 0
	for i, s := range steps {
		cs.labels = append(cs.labels, s.label())
		st := &arr[i]
		if l := s.launch; l != nil {
			st.kind = 1
			st.f = C.CUfunction(fn(l.k))
			for d := range 3 {
				st.grid[d], st.block[d] = C.uint(l.grid[d]), C.uint(l.block[d])
			}
			st.smem = C.uint(l.smem)
			if len(l.args) > 0 {
				st.params = (*unsafe.Pointer)(unsafe.Pointer(&ptrs[pi]))
			}
			for j := range l.args {
				ptrs[pi] = unsafe.Add(cs.args, packed.Starts[li]+packed.Offs[li][j])
				pi++
			}
			li++
			continue
		}
		g := s.gemm
		c := g.call
		st.kind = 2
		st.transa, st.transb = C.int(boolInt(c.TransA)), C.int(boolInt(c.TransB))
		st.m, st.n, st.k = C.int(c.M), C.int(c.N), C.int(c.K)
		st.lda, st.ldb, st.ldc = C.int(c.LDA), C.int(c.LDB), C.int(c.LDC)
		st.a, st.b, st.c = C.CUdeviceptr(base(g.a)), C.CUdeviceptr(base(g.b)), C.CUdeviceptr(base(g.c))
		st.beta = C.float(g.beta)
	}
	return cs
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (cs *cSteps) free() {
	if cs == nil {
		return
	}
	C.free(unsafe.Pointer(cs.steps))
	C.free(cs.args)
	cs.steps, cs.args = nil, nil
}

// stepError builds the error of a failed run or capture.
func (cs *cSteps) stepError(dev, what string, code C.int, at, isBlas C.int, call string) error {
	if at >= 0 && int(at) < len(cs.labels) {
		what = what + ", " + cs.labels[at]
		if isBlas != 0 {
			return blasErr(dev, what, "cublasGemmEx", code)
		}
		return cuErr(dev, what, "cuLaunchKernel", C.CUresult(code))
	}
	return cuErr(dev, what, call, C.CUresult(code))
}

// execOpts are the settings of one run.
type execOpts struct {
	compute  int  // cublasComputeType_t: 68 fp32, 77 fp32 with TF32 tensor cores
	syncEach bool // synchronise after every step (LTSBENCH_CUDA_SYNC=1), to locate a fault
}

// drvExec runs a compiled graph once — its CUDA graph g, or step by step when g is nil —
// and waits; with events it returns the device time in milliseconds.
func drvExec(dev, what string, cs *cSteps, g cuGraph, s cuStream, h blasHandle, o execOpts, e0, e1 cuEvent) (float32, error) {
	var ms C.float
	var at, isBlas, stage C.int
	r := C.ltsb_exec(cs.steps, C.int(cs.n), C.CUgraphExec(g), C.CUstream(s), C.cublasHandle_t(h), C.int(o.compute),
		C.int(boolInt(o.syncEach)), C.CUevent(e0), C.CUevent(e1), &ms, &at, &isBlas, &stage)
	if r == 0 {
		return float32(ms), nil
	}
	call := [...]string{"cuLaunchKernel", "cuGraphLaunch", "cuEventRecord/cuEventElapsedTime", "waiting for the GPU (a kernel or GEMM failed asynchronously; LTSBENCH_CUDA_SYNC=1 with --no-graph names it)"}[stage]
	return 0, cs.stepError(dev, what, r, at, isBlas, call)
}

// drvCapture records the steps into a CUDA graph and instantiates it.
func drvCapture(dev, what string, cs *cSteps, s cuStream, h blasHandle, compute int) (cuGraph, error) {
	var g C.CUgraphExec
	var at, isBlas, stage C.int
	r := C.ltsb_capture(cs.steps, C.int(cs.n), C.CUstream(s), C.cublasHandle_t(h), C.int(compute), &g, &at, &isBlas, &stage)
	if r == 0 {
		return cuGraph(g), nil
	}
	call := [...]string{"cuLaunchKernel", "cuStreamBeginCapture", "cuStreamEndCapture", "cuGraphInstantiateWithFlags"}[stage]
	return nil, cs.stepError(dev, what, r, at, isBlas, call)
}
