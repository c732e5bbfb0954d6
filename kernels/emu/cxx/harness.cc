// harness.cc: the CPU emulator's runtime (thread scheduler, barriers, shuffles) and a
// small interpreter of "programs": a list of kernel launches and cuBLAS-style GEMMs
// over three memory regions (weights, arena, state), written by the Go tests
// (package kernels/emu) in the format described in program.go.
//
//   harness IN OUT ORDER SEED      ORDER: forward | reverse | shuffle
//
// Exit status 0: OUT holds the regions after the program. Otherwise a one-line error
// on stderr names the step, its label and the problem.
#include "emu.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <csetjmp>
#include <string>
#include <ucontext.h>
#include <vector>

extern const emu::Kernel emu_kernels[];
extern const int emu_nkernels;

namespace emu {

enum State { READY, WAIT_BLOCK, WAIT_WARP, DONE };

struct Thread {
    uint3 idx;
    int lane, warp;
    State st;
    bool shuffled; // at a shuffle (true) or at __syncwarp (false) when st == WAIT_WARP
    uint32_t val, out;
    int src;
    bool started;
    ucontext_t ctx; // the thread's first entry
    jmp_buf jb;     // where it resumes after parking
    char* stack;
};

Thread* cur;
uint3 block_idx;
dim3 block_dim, grid_dim;
float* dyn_smem;

// Switching: a thread starts with setcontext (makecontext'd onto its own stack) and
// afterwards parks and resumes with _setjmp/_longjmp, which save no signal mask and so
// make no system call (swapcontext makes two per switch).
static jmp_buf sched;
static std::vector<Thread> threads;
static const Kernel* kernel;
static const uint64_t* kernel_args;
static std::string where; // the step being run, for messages
static const size_t stack_bytes = 256 * 1024;

[[noreturn]] static void fail(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::fprintf(stderr, "%s: ", where.c_str());
    std::vfprintf(stderr, fmt, ap);
    std::fprintf(stderr, "\n");
    va_end(ap);
    std::exit(1);
}

const uint3& thread_idx() { return cur->idx; }
int lane() { return cur->lane; }

static void park(State s) {
    cur->st = s;
    if (_setjmp(cur->jb) == 0) _longjmp(sched, 1);
}

void sync_block() { park(WAIT_BLOCK); }

void sync_warp(unsigned mask) {
    if (mask != 0xffffffffu) fail("__syncwarp with mask %08x: the kernels use full warps only", mask);
    cur->shuffled = false;
    cur->src = cur->lane;
    park(WAIT_WARP);
}

uint32_t shuffle(unsigned mask, uint32_t v, int src) {
    if (mask != 0xffffffffu) fail("shuffle with mask %08x: the kernels use full warps only", mask);
    cur->shuffled = true;
    cur->val = v;
    cur->src = src;
    park(WAIT_WARP);
    return cur->out;
}

static void thread_main() {
    kernel->call(kernel_args);
    cur->st = DONE;
    _longjmp(sched, 1);
}

// resume runs thread t until it parks or returns.
static void resume(Thread& t) {
    cur = &t;
    if (_setjmp(sched) != 0) return;
    if (!t.started) {
        t.started = true;
        setcontext(&t.ctx);
    }
    _longjmp(t.jb, 1);
}

// run_block runs every thread of block block_idx to completion.
static void run_block(int n, const std::vector<int>& order) {
    for (int i = 0; i < n; ++i) {
        Thread& t = threads[i];
        t.idx = uint3{static_cast<unsigned>(i), 0, 0};
        t.lane = i & 31;
        t.warp = i >> 5;
        t.st = READY;
        t.started = false;
        if (!t.stack) t.stack = static_cast<char*>(std::malloc(stack_bytes));
        getcontext(&t.ctx);
        t.ctx.uc_stack.ss_sp = t.stack;
        t.ctx.uc_stack.ss_size = stack_bytes;
        t.ctx.uc_link = nullptr;
        makecontext(&t.ctx, thread_main, 0);
    }
    const int nwarps = n / 32;
    for (;;) {
        for (int i : order) {
            if (threads[i].st != READY) continue;
            resume(threads[i]);
        }
        // Nobody is runnable: release whole warps first, then the block barrier.
        bool released = false;
        for (int w = 0; w < nwarps; ++w) {
            Thread* l = &threads[w * 32];
            int waiting = 0, blocked = 0, done = 0, shuffles = 0;
            for (int k = 0; k < 32; ++k) {
                switch (l[k].st) {
                case WAIT_WARP:
                    ++waiting;
                    shuffles += l[k].shuffled;
                    break;
                case WAIT_BLOCK: ++blocked; break;
                case DONE: ++done; break;
                default: break;
                }
            }
            if (waiting == 0) continue;
            if (waiting != 32)
                fail("block (%u,%u,%u) warp %d: %d lanes wait at a shuffle/__syncwarp, %d at __syncthreads, %d returned",
                     block_idx.x, block_idx.y, block_idx.z, w, waiting, blocked, done);
            if (shuffles != 0 && shuffles != 32)
                fail("block (%u,%u,%u) warp %d: %d lanes at a shuffle, %d at __syncwarp",
                     block_idx.x, block_idx.y, block_idx.z, w, shuffles, 32 - shuffles);
            for (int k = 0; k < 32; ++k) {
                int s = l[k].src;
                l[k].out = (s >= 0 && s < 32) ? l[s].val : l[k].val;
            }
            for (int k = 0; k < 32; ++k) l[k].st = READY;
            released = true;
        }
        if (released) continue;
        int blocked = 0, done = 0;
        for (int i = 0; i < n; ++i) {
            blocked += threads[i].st == WAIT_BLOCK;
            done += threads[i].st == DONE;
        }
        if (done == n) return;
        if (blocked + done != n) fail("deadlock in block (%u,%u,%u)", block_idx.x, block_idx.y, block_idx.z);
        if (done != 0)
            fail("block (%u,%u,%u): __syncthreads reached by %d threads while %d returned",
                 block_idx.x, block_idx.y, block_idx.z, blocked, done);
        for (int i = 0; i < n; ++i) threads[i].st = READY;
    }
}

} // namespace emu

// ---- the program interpreter ----

namespace {

const size_t guard = 4096;

struct Region {
    std::vector<unsigned char> buf; // guard, data, guard
    size_t size = 0;
    unsigned char* data() { return buf.data() + guard; }
};

std::vector<Region> regions;

// The order in which the scheduler visits a block's threads.
std::string order_name = "forward";
uint64_t rng = 1; // xorshift64*: the shuffle needs no quality, only a seed

unsigned next_rand() {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return static_cast<unsigned>((rng * 0x2545F4914F6CDD1DULL) >> 33);
}

std::vector<int> order_for(int n) {
    std::vector<int> o(n);
    for (int i = 0; i < n; ++i) o[i] = i;
    if (order_name == "reverse") std::reverse(o.begin(), o.end());
    if (order_name == "shuffle")
        for (int i = n - 1; i > 0; --i) std::swap(o[i], o[next_rand() % (i + 1)]);
    return o;
}

struct Reader {
    FILE* f;
    template <class T> T get() {
        T v;
        if (std::fread(&v, sizeof v, 1, f) != 1) {
            std::fprintf(stderr, "harness: truncated program\n");
            std::exit(2);
        }
        return v;
    }
    std::string str() {
        uint16_t n = get<uint16_t>();
        std::string s(n, '\0');
        if (n && std::fread(&s[0], 1, n, f) != n) {
            std::fprintf(stderr, "harness: truncated program\n");
            std::exit(2);
        }
        return s;
    }
};

struct Ptr {
    uint8_t region;
    uint64_t off;
};

Ptr read_ptr(Reader& r) {
    Ptr p;
    p.region = r.get<uint8_t>();
    p.off = r.get<uint64_t>();
    return p;
}

// resolve returns the host address of p, checking that bytes [off, off+need) lie in its region.
unsigned char* resolve(const Ptr& p, uint64_t need, const char* what) {
    if (p.region == 0xff) return nullptr;
    if (p.region >= regions.size()) emu::fail("%s: no region %d", what, p.region);
    Region& g = regions[p.region];
    if (p.off > g.size || need > g.size - p.off)
        emu::fail("%s: bytes [%llu, %llu) outside region %d of %zu bytes", what, (unsigned long long)p.off,
                  (unsigned long long)(p.off + need), p.region, g.size);
    return g.data() + p.off;
}

void check_guards() {
    for (size_t i = 0; i < regions.size(); ++i) {
        Region& g = regions[i];
        for (size_t k = 0; k < guard; ++k) {
            if (g.buf[k] != 0xff || g.buf[guard + g.size + k] != 0xff)
                emu::fail("write outside region %zu (guard band changed)", i);
        }
    }
}

void launch(Reader& r) {
    std::string name = r.str();
    uint32_t grid[3], block[3];
    for (auto& g : grid) g = r.get<uint32_t>();
    for (auto& b : block) b = r.get<uint32_t>();
    uint32_t smem = r.get<uint32_t>();
    uint32_t nargs = r.get<uint32_t>();
    const emu::Kernel* k = nullptr;
    for (int i = 0; i < emu_nkernels; ++i)
        if (name == emu_kernels[i].name) k = &emu_kernels[i];
    if (!k) emu::fail("no kernel %s", name.c_str());
    if (std::strlen(k->kinds) != nargs) emu::fail("%s takes %zu arguments, got %u", name.c_str(), std::strlen(k->kinds), nargs);
    std::vector<uint64_t> args(nargs);
    for (uint32_t i = 0; i < nargs; ++i) {
        char kind = static_cast<char>(r.get<uint8_t>());
        if (kind != k->kinds[i]) emu::fail("%s argument %u: kind %c, the kernel takes %c", name.c_str(), i, kind, k->kinds[i]);
        if (kind == 'p') {
            Ptr p = read_ptr(r);
            args[i] = reinterpret_cast<uintptr_t>(resolve(p, 0, "pointer argument"));
        } else {
            args[i] = r.get<uint32_t>();
        }
    }
    if (block[0] == 0 || block[0] % 32 != 0 || block[0] > 1024 || block[1] != 1 || block[2] != 1)
        emu::fail("%s: block (%u,%u,%u): want a multiple of 32 threads ≤ 1024 in x only", name.c_str(), block[0], block[1], block[2]);
    if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0 || grid[0] > 0x7fffffffu || grid[1] > 65535 || grid[2] > 65535)
        emu::fail("%s: grid (%u,%u,%u) outside the CUDA limits", name.c_str(), grid[0], grid[1], grid[2]);
    if (smem > 48 * 1024) emu::fail("%s: %u bytes of dynamic shared memory (> 48 KiB needs an opt-in)", name.c_str(), smem);
    static std::vector<float> smem_buf;
    smem_buf.assign(48 * 1024 / 4 + 1, 0.0f);
    emu::dyn_smem = smem_buf.data();
    emu::kernel = k;
    emu::kernel_args = args.data();
    emu::block_dim = dim3(block[0], 1, 1);
    emu::grid_dim = dim3(grid[0], grid[1], grid[2]);
    if (emu::threads.size() < block[0]) emu::threads.resize(block[0]);
    std::vector<int> order = order_for(static_cast<int>(block[0]));
    for (uint32_t z = 0; z < grid[2]; ++z)
        for (uint32_t y = 0; y < grid[1]; ++y)
            for (uint32_t x = 0; x < grid[0]; ++x) {
                std::memset(smem_buf.data(), 0xff, smem); // uninitialised shared memory reads as NaN
                emu::block_idx = uint3{x, y, z};
                emu::run_block(static_cast<int>(block[0]), order);
            }
}

// gemm is cublasGemmStridedBatchedEx with fp32 data, column-major:
//   C[i + j·ldc] = alpha·Σ_l opA(i, l)·opB(l, j) + beta·C[i + j·ldc]
// opA(i, l) = transa ? A[l + i·lda] : A[i + l·lda] (m×k); opB likewise (k×n).
void gemm(Reader& r) {
    int ta = r.get<uint8_t>(), tb = r.get<uint8_t>();
    int m = r.get<int32_t>(), n = r.get<int32_t>(), k = r.get<int32_t>();
    Ptr pa = read_ptr(r);
    int lda = r.get<int32_t>();
    int64_t sa = r.get<int64_t>();
    Ptr pb = read_ptr(r);
    int ldb = r.get<int32_t>();
    int64_t sb = r.get<int64_t>();
    Ptr pc = read_ptr(r);
    int ldc = r.get<int32_t>();
    int64_t sc = r.get<int64_t>();
    float alpha = r.get<float>(), beta = r.get<float>();
    int batch = r.get<int32_t>();
    if (m < 0 || n < 0 || k < 0 || batch < 1) emu::fail("gemm: m %d n %d k %d batch %d", m, n, k, batch);
    int ra = ta ? k : m, ca = ta ? m : k, rb = tb ? n : k, cb = tb ? k : n;
    // cuBLAS's own argument checks (CUBLAS_STATUS_INVALID_VALUE)
    if (lda < std::max(1, ra) || ldb < std::max(1, rb) || ldc < std::max(1, m))
        emu::fail("gemm: leading dimensions lda %d ldb %d ldc %d too small for %dx%d, %dx%d, %dx%d", lda, ldb, ldc, ra, ca, rb, cb, m, n);
    auto need = [](int rows, int cols, int ld, int64_t stride, int batch) -> uint64_t {
        if (rows == 0 || cols == 0) return 0;
        return 4 * (uint64_t)((int64_t)(cols - 1) * ld + rows + (int64_t)(batch - 1) * stride);
    };
    float* A = reinterpret_cast<float*>(resolve(pa, need(ra, ca, lda, sa, batch), "gemm A"));
    float* B = reinterpret_cast<float*>(resolve(pb, need(rb, cb, ldb, sb, batch), "gemm B"));
    float* C = reinterpret_cast<float*>(resolve(pc, need(m, n, ldc, sc, batch), "gemm C"));
    std::vector<float> col(k);
    for (int p = 0; p < batch; ++p) {
        const float* a = A + p * sa;
        const float* b = B + p * sb;
        float* c = C + p * sc;
        for (int j = 0; j < n; ++j) {
            for (int l = 0; l < k; ++l) col[l] = tb ? b[j + (int64_t)l * ldb] : b[l + (int64_t)j * ldb];
            for (int i = 0; i < m; ++i) {
                double s = 0;
                for (int l = 0; l < k; ++l) s += (double)(ta ? a[l + (int64_t)i * lda] : a[i + (int64_t)l * lda]) * col[l];
                float* ci = c + i + (int64_t)j * ldc;
                *ci = beta == 0.0f ? alpha * (float)s : alpha * (float)s + beta * *ci;
            }
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: harness IN OUT forward|reverse|shuffle SEED\n");
        return 2;
    }
    order_name = argv[3];
    rng = std::strtoull(argv[4], nullptr, 10) * 2 + 1;
    FILE* in = std::fopen(argv[1], "rb");
    if (!in) {
        std::perror(argv[1]);
        return 2;
    }
    Reader r{in};
    char magic[8];
    if (std::fread(magic, 1, 8, in) != 8 || std::memcmp(magic, "LTSBEMU1", 8) != 0) {
        std::fprintf(stderr, "harness: %s is not a program\n", argv[1]);
        return 2;
    }
    uint32_t nreg = r.get<uint32_t>();
    regions.resize(nreg);
    for (auto& g : regions) {
        g.size = r.get<uint64_t>();
        g.buf.assign(g.size + 2 * guard, 0xff);
        if (g.size && std::fread(g.data(), 1, g.size, in) != g.size) {
            std::fprintf(stderr, "harness: truncated program\n");
            return 2;
        }
    }
    uint32_t nsteps = r.get<uint32_t>();
    for (uint32_t s = 0; s < nsteps; ++s) {
        uint8_t kind = r.get<uint8_t>();
        std::string label = r.str();
        emu::where = "step " + std::to_string(s) + " (" + label + ")";
        if (kind == 1) {
            launch(r);
        } else if (kind == 2) {
            gemm(r);
        } else {
            emu::fail("unknown step kind %d", kind);
        }
        check_guards();
    }
    std::fclose(in);
    FILE* out = std::fopen(argv[2], "wb");
    if (!out) {
        std::perror(argv[2]);
        return 2;
    }
    std::fwrite(&nreg, 4, 1, out);
    for (auto& g : regions) {
        uint64_t n = g.size;
        std::fwrite(&n, 8, 1, out);
        std::fwrite(g.data(), 1, g.size, out);
    }
    return std::fclose(out) == 0 ? 0 : 2;
}
