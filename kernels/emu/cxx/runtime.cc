// runtime.cc: the CPU emulator's runtime: the thread scheduler, barriers, shuffles and
// emu::launch, which runs one kernel launch on the CPU. Used by the program interpreter
// (harness.cc) and by the fake CUDA driver (fake_cuda.cc).
#include "emu.h"

#include <algorithm>
#include <csetjmp>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <ucontext.h>
#include <vector>

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
std::string where; // the step being run, for messages
static const size_t stack_bytes = 256 * 1024;

[[noreturn]] void fail(const char* fmt, ...) {
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

// The order in which the scheduler visits a block's threads.
static std::string order_name = "forward";
static uint64_t rng = 1; // xorshift64*: the shuffle needs no quality, only a seed

static unsigned next_rand() {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return static_cast<unsigned>((rng * 0x2545F4914F6CDD1DULL) >> 33);
}

void set_order(const char* name, unsigned long long seed) {
    order_name = name;
    rng = seed * 2 + 1;
}

static std::vector<int> order_for(int n) {
    std::vector<int> o(n);
    for (int i = 0; i < n; ++i) o[i] = i;
    if (order_name == "reverse") std::reverse(o.begin(), o.end());
    if (order_name == "shuffle")
        for (int i = n - 1; i > 0; --i) std::swap(o[i], o[next_rand() % (i + 1)]);
    return o;
}

const Kernel* find_kernel(const char* name) {
    for (int i = 0; i < emu_nkernels; ++i)
        if (std::strcmp(name, emu_kernels[i].name) == 0) return &emu_kernels[i];
    return nullptr;
}

void launch(const Kernel* k, const uint32_t grid[3], const uint32_t block[3], uint32_t smem, const uint64_t* args) {
    const char* name = k->name;
    if (block[0] == 0 || block[0] % 32 != 0 || block[0] > 1024 || block[1] != 1 || block[2] != 1)
        fail("%s: block (%u,%u,%u): want a multiple of 32 threads ≤ 1024 in x only", name, block[0], block[1], block[2]);
    if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0 || grid[0] > 0x7fffffffu || grid[1] > 65535 || grid[2] > 65535)
        fail("%s: grid (%u,%u,%u) outside the CUDA limits", name, grid[0], grid[1], grid[2]);
    // 227 KiB: the most any GPU grants a block (sm_90, with the opt-in the caller checks).
    if (smem > 232448) fail("%s: %u bytes of dynamic shared memory (more than any GPU's 227 KiB)", name, smem);
    static std::vector<float> smem_buf;
    smem_buf.assign(smem / 4 + 1, 0.0f);
    dyn_smem = smem_buf.data();
    kernel = k;
    kernel_args = args;
    block_dim = dim3(block[0], 1, 1);
    grid_dim = dim3(grid[0], grid[1], grid[2]);
    if (threads.size() < block[0]) threads.resize(block[0]);
    std::vector<int> order = order_for(static_cast<int>(block[0]));
    for (uint32_t z = 0; z < grid[2]; ++z)
        for (uint32_t y = 0; y < grid[1]; ++y)
            for (uint32_t x = 0; x < grid[0]; ++x) {
                std::memset(smem_buf.data(), 0xff, smem); // uninitialised shared memory reads as NaN
                block_idx = uint3{x, y, z};
                run_block(static_cast<int>(block[0]), order);
            }
}

} // namespace emu
