// emu.h: runs this folder's CUDA C kernels on the CPU, for tests, so that their index
// arithmetic, masks and reductions are checked before a GPU sees them.
//
// Included before the kernel sources (g++ -include emu.h). Every emulated CUDA thread
// is a coroutine (ucontext) with its own stack; the blocks of a grid run one after
// another, the threads of a block in an order the harness chooses (forward, reverse
// or shuffled, so a missing barrier shows up as a wrong result). __syncthreads parks
// a thread until every thread of the block has arrived; __syncwarp and the shuffles
// park it until its whole warp has. Divergent barriers (some threads returned, or a
// warp split between a shuffle and __syncthreads) and deadlocks abort with a message.
// __shared__ becomes static: blocks run one at a time, so one copy serves them all.
#ifndef LTSB_EMU_H
#define LTSB_EMU_H

#define LTSB_EMULATION 1

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <math.h>
#include <string>

struct uint3 {
    unsigned x, y, z;
};

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};

namespace emu {

struct Thread;
extern Thread* cur;
extern uint3 block_idx;
extern dim3 block_dim, grid_dim;
extern float* dyn_smem;

const uint3& thread_idx();
int lane();
void sync_block();
void sync_warp(unsigned mask);
uint32_t shuffle(unsigned mask, uint32_t v, int src_lane);

// Kernel arguments, converted to the kernel's parameter types at the call in the
// generated trampolines. A pointer converts to any pointer type, an int only to int and
// a float only to float: a trampoline whose argument kinds do not match the kernel's
// parameters does not compile.
struct P {
    void* p;
    template <class T> operator T*() const { return static_cast<T*>(p); }
};
struct I {
    int v;
    operator int() const { return v; }
    template <class T> operator T() const = delete;
};
struct F {
    float v;
    operator float() const { return v; }
    template <class T> operator T() const = delete;
};
inline P argP(uint64_t a) { return P{reinterpret_cast<void*>(static_cast<uintptr_t>(a))}; }
inline I argI(uint64_t a) {
    int32_t v;
    uint32_t u = static_cast<uint32_t>(a);
    std::memcpy(&v, &u, 4);
    return I{v};
}
inline F argF(uint64_t a) {
    float v;
    uint32_t u = static_cast<uint32_t>(a);
    std::memcpy(&v, &u, 4);
    return F{v};
}

// Kernel is one entry of the trampoline table the tests generate.
struct Kernel {
    const char* name;
    const char* kinds; // one letter an argument: p pointer, i int, f float
    void (*call)(const uint64_t* args);
};

// The runtime (runtime.cc).
extern std::string where; // what is being run, for messages
[[noreturn]] void fail(const char* fmt, ...);
void set_order(const char* name, unsigned long long seed);
const Kernel* find_kernel(const char* name);
void launch(const Kernel* k, const uint32_t grid[3], const uint32_t block[3], uint32_t smem, const uint64_t* args);

} // namespace emu

extern const emu::Kernel emu_kernels[];
extern const int emu_nkernels;

#define threadIdx (emu::thread_idx())
#define blockIdx (emu::block_idx)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __restrict__
#define __launch_bounds__(...)
#define LTSB_DYNAMIC_SMEM(name) float* name = emu::dyn_smem

using std::max;
using std::min;

inline void __syncthreads() { emu::sync_block(); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { emu::sync_warp(mask); }

inline float __int_as_float(int i) {
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}
inline int __float_as_int(float f) {
    int i;
    std::memcpy(&i, &f, 4);
    return i;
}

inline uint32_t emu_bits(float v) { return static_cast<uint32_t>(__float_as_int(v)); }
inline float emu_float(uint32_t u) { return __int_as_float(static_cast<int>(u)); }

inline float __shfl_xor_sync(unsigned mask, float v, int lane_mask, int width = 32) {
    (void)width;
    return emu_float(emu::shuffle(mask, emu_bits(v), emu::lane() ^ lane_mask));
}
inline int __shfl_xor_sync(unsigned mask, int v, int lane_mask, int width = 32) {
    (void)width;
    return static_cast<int>(emu::shuffle(mask, static_cast<uint32_t>(v), emu::lane() ^ lane_mask));
}
inline float __shfl_sync(unsigned mask, float v, int src, int width = 32) {
    (void)width;
    return emu_float(emu::shuffle(mask, emu_bits(v), src & 31));
}
inline float __shfl_down_sync(unsigned mask, float v, unsigned delta, int width = 32) {
    (void)width;
    int src = emu::lane() + static_cast<int>(delta);
    return emu_float(emu::shuffle(mask, emu_bits(v), src < 32 ? src : emu::lane()));
}

#endif // LTSB_EMU_H
