// fake_cuda.cc: a stand-in for libcuda.so.1 and libcublas.so.N that runs everything on
// the CPU, for tests of the CUDA backend's cgo layer on machines without a GPU. It
// implements the driver API and cuBLAS functions the backend loads, with the
// prototypes of NVIDIA's documentation (written from it, not from the backend's own
// declarations), so that a wrong symbol name, argument order or type, or a call made
// where CUDA forbids it, fails here:
//
//   - device memory is host memory; every pointer a kernel or GEMM gets must lie in a
//     live allocation (GEMM operands entirely);
//   - kernels run in the CPU emulator (runtime.cc) with the arguments read from
//     cuLaunchKernel's void*[] at the sizes the kernel's C++ parameters have;
//   - a module's functions are the .entry names of its PTX text; a launch with more
//     than 48 KiB of dynamic shared memory fails unless cuFuncSetAttribute raised the
//     function's limit (up to sm_90's 227 KiB, the opt-in limit the device reports);
//   - every call after cuCtxSetCurrent must come from a thread the context was made
//     current on;
//   - stream capture records launches and GEMMs (with their arguments copied, as CUDA
//     does) into a graph that cuGraphLaunch replays; allocations, copies and
//     synchronisation during a capture fail with CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
//   - cuBLAS checks data types (CUDA_R_32F), compute type (32F or 32F_FAST_TF32),
//     algorithm and leading dimensions as cuBLAS does, and reads alpha and beta at the
//     call (host pointer mode).
// Built by package kernels/emu (BuildFakeDriver) as libcuda.so.1 with libcublas.so.13
// a link to the same file, so both share one state.
#include "emu.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <pthread.h>
#include <set>
#include <string>
#include <vector>

namespace {

typedef unsigned long long CUdeviceptr;

const int kSuccess = 0, kInvalidValue = 1, kOutOfMemory = 2, kNotInitialized = 3, kInvalidContext = 201,
          kInvalidImage = 200, kInvalidHandle = 400, kNotFound = 500, kCaptureUnsupported = 900;
const size_t kCapacity = size_t(8) << 30; // the fake device's memory
const int kSmemDefault = 48 * 1024;       // dynamic shared memory a launch may use without the opt-in
const int kSmemOptIn = 232448;            // what sm_90 grants with it (227 KiB)
std::map<const void*, int> smem_limit;    // per function: CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES

bool initialised = false;
bool have_ctx = false;
std::vector<pthread_t> current_on; // the threads the context was made current on
int ctx_refs = 0;
std::map<uintptr_t, size_t> allocs; // base → size
size_t allocated = 0;

struct Stream {
    bool capturing = false;
    std::vector<std::function<void()>>* rec = nullptr;
};
std::set<Stream*> streams;
struct Event {
    double ms = -1;
};
std::set<Event*> events;
struct Module {
    std::set<std::string> entries;
};
std::set<Module*> modules;
struct Graph {
    std::vector<std::function<void()>> nodes;
};
std::set<Graph*> graphs, execs;

double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

// guard: the calls every function but cuInit and the queries must pass.
int guard() {
    if (!initialised) return kNotInitialized;
    for (pthread_t t : current_on)
        if (pthread_equal(t, pthread_self())) return kSuccess;
    std::fprintf(stderr, "fake CUDA: called from a thread the context is not current on\n");
    return kInvalidContext;
}

// inside reports whether [p, p+n) lies in one live allocation.
bool inside(uintptr_t p, size_t n) {
    auto it = allocs.upper_bound(p);
    if (it == allocs.begin()) return false;
    --it;
    return p >= it->first && p + n <= it->first + it->second;
}

Stream* stream_of(void* s) {
    Stream* st = static_cast<Stream*>(s);
    return streams.count(st) ? st : nullptr;
}

// run executes work now, or records it when the stream captures.
int run(Stream* s, std::function<void()> work) {
    if (s->capturing) {
        s->rec->push_back(std::move(work));
        return kSuccess;
    }
    work();
    return kSuccess;
}

} // namespace

extern "C" {

int cuInit(unsigned int flags) {
    if (flags != 0) return kInvalidValue;
    if (!initialised) {
        const char* order = std::getenv("LTSBENCH_EMU_ORDER"); // forward, reverse or shuffle
        if (order) emu::set_order(order, 1);
    }
    initialised = true;
    return kSuccess;
}
int cuDriverGetVersion(int* v) {
    if (!v) return kInvalidValue;
    *v = 13000;
    return kSuccess;
}
int cuDeviceGetCount(int* n) {
    if (!initialised) return kNotInitialized;
    *n = 1;
    return kSuccess;
}
int cuDeviceGet(int* d, int ordinal) {
    if (!initialised) return kNotInitialized;
    if (ordinal != 0) return 101; // CUDA_ERROR_INVALID_DEVICE
    *d = 0;
    return kSuccess;
}
int cuDeviceGetName(char* name, int len, int dev) {
    if (dev != 0 || len <= 0) return kInvalidValue;
    std::snprintf(name, len, "Fake CUDA device (CPU emulation)");
    return kSuccess;
}
int cuDeviceGetAttribute(int* v, int attr, int dev) {
    if (dev != 0) return kInvalidValue;
    switch (attr) {
    case 75: *v = 9; break;   // COMPUTE_CAPABILITY_MAJOR
    case 76: *v = 0; break;   // COMPUTE_CAPABILITY_MINOR
    case 16: *v = 132; break; // MULTIPROCESSOR_COUNT
    case 97: *v = kSmemOptIn; break; // MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
    default: *v = 0;
    }
    return kSuccess;
}
int cuDeviceTotalMem_v2(size_t* bytes, int dev) {
    if (dev != 0) return kInvalidValue;
    *bytes = kCapacity;
    return kSuccess;
}
int cuDeviceGetUuid_v2(unsigned char* uuid, int dev) {
    if (dev != 0) return kInvalidValue;
    for (int i = 0; i < 16; ++i) uuid[i] = static_cast<unsigned char>(0xa0 + i);
    return kSuccess;
}
int cuDevicePrimaryCtxRetain(void** ctx, int dev) {
    if (!initialised) return kNotInitialized;
    if (dev != 0) return kInvalidValue;
    have_ctx = true;
    ++ctx_refs;
    *ctx = reinterpret_cast<void*>(0xc0ffee);
    return kSuccess;
}
// report_leaks says what is still alive when no backend holds the context any more:
// the backend keeps one reference to the primary context for the life of the process
// (keepPrimaryContext in backend_cgo.go), so one reference left means every Backend
// was closed, and each must have freed what it made.
static void report_leaks(const char* when) {
    if (!allocs.empty() || !streams.empty() || !events.empty() || !modules.empty() || !execs.empty())
        std::fprintf(stderr, "fake CUDA: %s with %zu allocations, %zu streams, %zu events, %zu modules, %zu graphs alive\n",
                     when, allocs.size(), streams.size(), events.size(), modules.size(), execs.size());
}
int cuDevicePrimaryCtxRelease_v2(int dev) {
    if (dev != 0 || ctx_refs == 0) return kInvalidValue;
    --ctx_refs;
    if (ctx_refs == 1) report_leaks("every backend closed");
    if (ctx_refs == 0) {
        report_leaks("primary context released");
        have_ctx = false;
        current_on.clear();
    }
    return kSuccess;
}
int cuCtxSetCurrent(void* ctx) {
    if (ctx != reinterpret_cast<void*>(0xc0ffee) || !have_ctx) return kInvalidContext;
    current_on.push_back(pthread_self());
    return kSuccess;
}
int cuMemGetInfo_v2(size_t* free_, size_t* total) {
    if (int r = guard()) return r;
    *total = kCapacity;
    *free_ = kCapacity - (64 << 20) - allocated; // a context's worth in use
    return kSuccess;
}
int cuMemAlloc_v2(CUdeviceptr* p, size_t n) {
    if (int r = guard()) return r;
    for (Stream* s : streams)
        if (s->capturing) return kCaptureUnsupported;
    if (n == 0) return kInvalidValue;
    if (n > kCapacity - (64 << 20) - allocated) return kOutOfMemory;
    void* m = std::aligned_alloc(256, (n + 255) / 256 * 256);
    if (!m) return kOutOfMemory;
    std::memset(m, 0xa5, n); // device memory is not zeroed
    allocs[reinterpret_cast<uintptr_t>(m)] = n;
    allocated += n;
    *p = reinterpret_cast<uintptr_t>(m);
    return kSuccess;
}
int cuMemFree_v2(CUdeviceptr p) {
    if (int r = guard()) return r;
    auto it = allocs.find(static_cast<uintptr_t>(p));
    if (it == allocs.end()) return kInvalidValue;
    allocated -= it->second;
    std::free(reinterpret_cast<void*>(it->first));
    allocs.erase(it);
    return kSuccess;
}
int cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t n, void* s) {
    if (int r = guard()) return r;
    Stream* st = stream_of(s);
    if (!st) return kInvalidHandle;
    if (st->capturing) return kCaptureUnsupported; // pageable memory cannot be captured
    if (!inside(dst, n)) return kInvalidValue;
    std::memcpy(reinterpret_cast<void*>(dst), src, n);
    return kSuccess;
}
int cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t n, void* s) {
    if (int r = guard()) return r;
    Stream* st = stream_of(s);
    if (!st) return kInvalidHandle;
    if (st->capturing) return kCaptureUnsupported;
    if (!inside(src, n)) return kInvalidValue;
    std::memcpy(dst, reinterpret_cast<void*>(src), n);
    return kSuccess;
}
int cuMemsetD8Async(CUdeviceptr dst, unsigned char v, size_t n, void* s) {
    if (int r = guard()) return r;
    Stream* st = stream_of(s);
    if (!st) return kInvalidHandle;
    if (!inside(dst, n)) return kInvalidValue;
    return run(st, [=] { std::memset(reinterpret_cast<void*>(dst), v, n); });
}
int cuModuleLoadDataEx(void** mod, const void* image, unsigned int nopts, int* opts, void** vals) {
    if (int r = guard()) return r;
    for (unsigned i = 0; i < nopts; ++i)
        if (opts[i] < 0 || opts[i] > 30) return kInvalidValue;
    (void)vals;
    const char* ptx = static_cast<const char*>(image);
    if (!ptx || !std::strstr(ptx, ".version") || !std::strstr(ptx, ".target")) return kInvalidImage;
    Module* m = new Module;
    for (const char* p = ptx; (p = std::strstr(p, ".entry ")) != nullptr;) {
        p += 7;
        const char* e = std::strchr(p, '(');
        if (!e) break;
        m->entries.insert(std::string(p, e - p));
    }
    modules.insert(m);
    *mod = m;
    return kSuccess;
}
int cuModuleLoadData(void** mod, const void* image) { return cuModuleLoadDataEx(mod, image, 0, nullptr, nullptr); }
int cuModuleUnload(void* mod) {
    if (int r = guard()) return r;
    Module* m = static_cast<Module*>(mod);
    if (!modules.erase(m)) return kInvalidHandle;
    delete m;
    return kSuccess;
}
int cuModuleGetFunction(void** f, void* mod, const char* name) {
    if (int r = guard()) return r;
    Module* m = static_cast<Module*>(mod);
    if (!modules.count(m)) return kInvalidHandle;
    if (!m->entries.count(name)) return kNotFound;
    const emu::Kernel* k = emu::find_kernel(name);
    if (!k) return kNotFound;
    *f = const_cast<emu::Kernel*>(k);
    return kSuccess;
}
int cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned smem,
                   void* s, void** params, void** extra) {
    if (int r = guard()) return r;
    const emu::Kernel* k = static_cast<const emu::Kernel*>(f);
    Stream* st = stream_of(s);
    if (!st) return kInvalidHandle;
    if (extra) return kInvalidValue;
    size_t n = std::strlen(k->kinds);
    if (n && !params) return kInvalidValue;
    // cuLaunchKernel copies each argument at the size of the kernel's parameter.
    std::vector<uint64_t> args(n);
    for (size_t i = 0; i < n; ++i) {
        switch (k->kinds[i]) {
        case 'p': {
            uintptr_t p = *static_cast<uintptr_t*>(params[i]);
            if (p && !inside(p, 0)) {
                std::fprintf(stderr, "fake CUDA: %s argument %zu: %#lx is not device memory\n", k->name, i, (unsigned long)p);
                return kInvalidValue;
            }
            args[i] = p;
            break;
        }
        default: {
            uint32_t v;
            std::memcpy(&v, params[i], 4);
            args[i] = v;
        }
        }
    }
    if (bx == 0 || bx > 1024 || by != 1 || bz != 1 || gx == 0 || gx > 0x7fffffffu || gy == 0 || gz == 0 || gy > 65535 ||
        gz > 65535)
        return kInvalidValue;
    // Above 48 KiB the function must have been opted in (cuFuncSetAttribute) first.
    auto lim = smem_limit.find(f);
    if (smem > static_cast<unsigned>(lim == smem_limit.end() ? kSmemDefault : lim->second)) {
        std::fprintf(stderr, "fake CUDA: %s launched with %u bytes of dynamic shared memory, its limit is %d\n", k->name,
                     smem, lim == smem_limit.end() ? kSmemDefault : lim->second);
        return kInvalidValue;
    }
    uint32_t grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
    return run(st, [=] {
        emu::where = std::string("kernel ") + k->name;
        emu::launch(k, grid, block, smem, args.data());
    });
}
// cuFuncSetAttribute(hfunc, attrib, value); only CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
// (8) is used: up to the opt-in limit less the kernel's static shared memory (none counted here).
int cuFuncSetAttribute(void* f, int attr, int value) {
    if (int r = guard()) return r;
    if (!f) return kInvalidHandle;
    if (attr != 8) return kInvalidValue;
    if (value < 0 || value > kSmemOptIn) return kInvalidValue;
    smem_limit[f] = value;
    return kSuccess;
}
int cuStreamCreate(void** s, unsigned int flags) {
    if (int r = guard()) return r;
    if (flags > 1) return kInvalidValue;
    Stream* st = new Stream;
    streams.insert(st);
    *s = st;
    return kSuccess;
}
int cuStreamSynchronize(void* s) {
    if (int r = guard()) return r;
    Stream* st = stream_of(s);
    if (!st) return kInvalidHandle;
    return st->capturing ? kCaptureUnsupported : kSuccess;
}
int cuStreamDestroy_v2(void* s) {
    if (int r = guard()) return r;
    Stream* st = stream_of(s);
    if (!st) return kInvalidHandle;
    streams.erase(st);
    delete st;
    return kSuccess;
}
int cuEventCreate(void** e, unsigned int flags) {
    if (int r = guard()) return r;
    if (flags & 2) return kInvalidValue; // the backend times with its events: no DISABLE_TIMING
    Event* ev = new Event;
    events.insert(ev);
    *e = ev;
    return kSuccess;
}
int cuEventRecord(void* e, void* s) {
    if (int r = guard()) return r;
    Event* ev = static_cast<Event*>(e);
    Stream* st = stream_of(s);
    if (!events.count(ev) || !st) return kInvalidHandle;
    return run(st, [=] { ev->ms = now_ms(); });
}
int cuEventSynchronize(void* e) {
    if (int r = guard()) return r;
    return events.count(static_cast<Event*>(e)) ? kSuccess : kInvalidHandle;
}
int cuEventElapsedTime_v2(float* ms, void* a, void* b) {
    if (int r = guard()) return r;
    Event *ea = static_cast<Event*>(a), *eb = static_cast<Event*>(b);
    if (!events.count(ea) || !events.count(eb)) return kInvalidHandle;
    if (ea->ms < 0 || eb->ms < 0) return 600; // CUDA_ERROR_NOT_READY
    *ms = static_cast<float>(eb->ms - ea->ms);
    return kSuccess;
}
int cuEventElapsedTime(float* ms, void* a, void* b) { return cuEventElapsedTime_v2(ms, a, b); }
int cuEventDestroy_v2(void* e) {
    if (int r = guard()) return r;
    Event* ev = static_cast<Event*>(e);
    if (!events.erase(ev)) return kInvalidHandle;
    delete ev;
    return kSuccess;
}
int cuGetErrorString(int r, const char** s) {
    switch (r) {
    case kSuccess: *s = "no error"; break;
    case kOutOfMemory: *s = "out of memory"; break;
    case kInvalidValue: *s = "invalid argument"; break;
    case kCaptureUnsupported: *s = "operation not permitted when stream is capturing"; break;
    default: *s = "fake CUDA error";
    }
    return kSuccess;
}
int cuGetErrorName(int r, const char** s) {
    switch (r) {
    case kSuccess: *s = "CUDA_SUCCESS"; break;
    case kOutOfMemory: *s = "CUDA_ERROR_OUT_OF_MEMORY"; break;
    case kInvalidValue: *s = "CUDA_ERROR_INVALID_VALUE"; break;
    case kCaptureUnsupported: *s = "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"; break;
    default: *s = "CUDA_ERROR_UNKNOWN";
    }
    return kSuccess;
}
int cuStreamBeginCapture_v2(void* s, int mode) {
    if (int r = guard()) return r;
    Stream* st = stream_of(s);
    if (!st) return kInvalidHandle;
    if (st->capturing || mode < 0 || mode > 2) return kInvalidValue;
    st->capturing = true;
    st->rec = new std::vector<std::function<void()>>;
    return kSuccess;
}
int cuStreamEndCapture(void* s, void** g) {
    if (int r = guard()) return r;
    Stream* st = stream_of(s);
    if (!st || !st->capturing) return kInvalidValue;
    Graph* gr = new Graph;
    gr->nodes = std::move(*st->rec);
    delete st->rec;
    st->rec = nullptr;
    st->capturing = false;
    graphs.insert(gr);
    *g = gr;
    return kSuccess;
}
int cuGraphInstantiateWithFlags(void** exec, void* g, unsigned long long flags) {
    if (int r = guard()) return r;
    Graph* gr = static_cast<Graph*>(g);
    if (!graphs.count(gr) || flags != 0) return kInvalidValue;
    Graph* ex = new Graph(*gr);
    execs.insert(ex);
    *exec = ex;
    return kSuccess;
}
int cuGraphLaunch(void* exec, void* s) {
    if (int r = guard()) return r;
    Graph* ex = static_cast<Graph*>(exec);
    Stream* st = stream_of(s);
    if (!execs.count(ex) || !st) return kInvalidHandle;
    return run(st, [=] {
        for (auto& node : ex->nodes) node();
    });
}
int cuGraphExecDestroy(void* exec) {
    if (int r = guard()) return r;
    Graph* ex = static_cast<Graph*>(exec);
    if (!execs.erase(ex)) return kInvalidHandle;
    delete ex;
    return kSuccess;
}
int cuGraphDestroy(void* g) {
    if (int r = guard()) return r;
    Graph* gr = static_cast<Graph*>(g);
    if (!graphs.erase(gr)) return kInvalidHandle;
    delete gr;
    return kSuccess;
}

// ---- cuBLAS ----

struct Handle {
    Stream* stream = nullptr;
    bool workspace = false;
    int pointer_mode = 0; // CUBLAS_POINTER_MODE_HOST
    int math_mode = 0;    // CUBLAS_DEFAULT_MATH
};
static std::set<Handle*> handles;
const int bSuccess = 0, bNotInitialized = 1, bInvalidValue = 7, bExecutionFailed = 13;

int cublasCreate_v2(void** h) {
    if (guard()) return bNotInitialized;
    Handle* hd = new Handle;
    handles.insert(hd);
    *h = hd;
    return bSuccess;
}
int cublasDestroy_v2(void* h) {
    Handle* hd = static_cast<Handle*>(h);
    if (!handles.erase(hd)) return bNotInitialized;
    delete hd;
    return bSuccess;
}
int cublasSetStream_v2(void* h, void* s) {
    Handle* hd = static_cast<Handle*>(h);
    if (!handles.count(hd)) return bNotInitialized;
    Stream* st = stream_of(s);
    if (!st) return bInvalidValue;
    hd->stream = st;
    hd->workspace = false; // as cuBLAS: setting the stream resets the workspace
    return bSuccess;
}
int cublasSetWorkspace_v2(void* h, void* ws, size_t n) {
    Handle* hd = static_cast<Handle*>(h);
    if (!handles.count(hd)) return bNotInitialized;
    if (!inside(reinterpret_cast<uintptr_t>(ws), n)) return bInvalidValue;
    hd->workspace = true;
    return bSuccess;
}
// cublasSetPointerMode_v2(handle, mode): 0 host, 1 device.
int cublasSetPointerMode_v2(void* h, int mode) {
    Handle* hd = static_cast<Handle*>(h);
    if (!handles.count(hd)) return bNotInitialized;
    if (mode != 0 && mode != 1) return bInvalidValue;
    hd->pointer_mode = mode;
    return bSuccess;
}
// cublasSetMathMode(handle, mode): CUBLAS_DEFAULT_MATH 0, TENSOR_OP 1, PEDANTIC 2,
// TF32_TENSOR_OP 3, FP32_EMULATED_BF16X9 4 (cuBLAS ≥ 12.9), optionally | 16
// (DISALLOW_REDUCED_PRECISION_REDUCTION). Recorded only: the fake computes in fp32.
int cublasSetMathMode(void* h, int mode) {
    Handle* hd = static_cast<Handle*>(h);
    if (!handles.count(hd)) return bNotInitialized;
    if ((mode & ~16) < 0 || (mode & ~16) > 4) return bInvalidValue;
    hd->math_mode = mode;
    return bSuccess;
}
int cublasGetVersion_v2(void* h, int* v) {
    if (!handles.count(static_cast<Handle*>(h))) return bNotInitialized;
    *v = 130000;
    return bSuccess;
}
const char* cublasGetStatusString(int s) {
    return s == bInvalidValue ? "an invalid numeric value was used as an argument" : "fake cuBLAS status";
}

// cublasGemmStridedBatchedEx(handle, transa, transb, m, n, k, alpha, A, Atype, lda, strideA,
//   B, Btype, ldb, strideB, beta, C, Ctype, ldc, strideC, batchCount, computeType, algo)
int cublasGemmStridedBatchedEx(void* h, int transa, int transb, int m, int n, int k, const void* alpha, const void* A,
                               int Atype, int lda, long long sa, const void* B, int Btype, int ldb, long long sb,
                               const void* beta, void* C, int Ctype, int ldc, long long sc, int batch, int compute,
                               int algo) {
    Handle* hd = static_cast<Handle*>(h);
    if (!handles.count(hd) || !hd->stream) return bNotInitialized;
    if (guard()) return bExecutionFailed;
    if (Atype != 0 || Btype != 0 || Ctype != 0) return bInvalidValue;  // CUDA_R_32F
    if (compute != 68 && compute != 77) return bInvalidValue;          // CUBLAS_COMPUTE_32F(_FAST_TF32)
    if (algo != -1) return bInvalidValue;                              // CUBLAS_GEMM_DEFAULT
    if (transa < 0 || transa > 1 || transb < 0 || transb > 1) return bInvalidValue;
    if (m < 0 || n < 0 || k < 0 || batch < 1) return bInvalidValue;
    int ra = transa ? k : m, ca = transa ? m : k, rb = transb ? n : k, cb = transb ? k : n;
    if (lda < std::max(1, ra) || ldb < std::max(1, rb) || ldc < std::max(1, m)) return bInvalidValue;
    if (m == 0 || n == 0) return bSuccess;
    auto extent = [](int rows, int cols, int ld, long long stride, int batch) -> size_t {
        if (rows == 0 || cols == 0) return 0;
        return 4 * size_t((long long)(cols - 1) * ld + rows + (long long)(batch - 1) * stride);
    };
    uintptr_t a = reinterpret_cast<uintptr_t>(A), b = reinterpret_cast<uintptr_t>(B), c = reinterpret_cast<uintptr_t>(C);
    if ((k > 0 && (!inside(a, extent(ra, ca, lda, sa, batch)) || !inside(b, extent(rb, cb, ldb, sb, batch)))) ||
        !inside(c, extent(m, n, ldc, sc, batch))) {
        std::fprintf(stderr, "fake cuBLAS: a GEMM operand lies outside device memory\n");
        return bInvalidValue;
    }
    if (hd->pointer_mode != 0) return bInvalidValue; // alpha and beta are read here, as host values
    const float al = *static_cast<const float*>(alpha), be = *static_cast<const float*>(beta);
    return run(hd->stream, [=] {
        const float* fa = reinterpret_cast<const float*>(a);
        const float* fb = reinterpret_cast<const float*>(b);
        float* fc = reinterpret_cast<float*>(c);
        for (int p = 0; p < batch; ++p)
            for (int j = 0; j < n; ++j)
                for (int i = 0; i < m; ++i) {
                    float s = 0; // fp32 accumulation, as cuBLAS with CUBLAS_COMPUTE_32F
                    for (int l = 0; l < k; ++l) {
                        float x = transa ? fa[p * sa + l + (long long)i * lda] : fa[p * sa + i + (long long)l * lda];
                        float y = transb ? fb[p * sb + j + (long long)l * ldb] : fb[p * sb + l + (long long)j * ldb];
                        s += x * y;
                    }
                    float* ci = fc + p * sc + i + (long long)j * ldc;
                    *ci = be == 0.0f ? al * s : al * s + be * *ci;
                }
    });
}

// cublasGemmEx(handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta,
//   C, Ctype, ldc, computeType, algo)
int cublasGemmEx(void* h, int transa, int transb, int m, int n, int k, const void* alpha, const void* A, int Atype,
                 int lda, const void* B, int Btype, int ldb, const void* beta, void* C, int Ctype, int ldc, int compute,
                 int algo) {
    return cublasGemmStridedBatchedEx(h, transa, transb, m, n, k, alpha, A, Atype, lda, 0, B, Btype, ldb, 0, beta, C,
                                      Ctype, ldc, 0, 1, compute, algo);
}

} // extern "C"
