// common.cuh: helpers shared by every kernel file: -inf, warp and block reductions,
// the online (max, sum-of-exp) pair used by the softmax kernels, gelu_new.
//
// Rules every kernel here follows (the CPU emulation in emu/ checks them):
//   - blockDim.x is a multiple of 32, at most the kernel's __launch_bounds__ (which caps
//     its registers so that such a block always fits on an SM), blockDim.y = blockDim.z = 1;
//   - a warp is either wholly active or wholly returned when it reaches a shuffle or a
//     __syncwarp (full mask 0xffffffff everywhere);
//   - a block reaches __syncthreads with every thread (no early return before one);
//   - sizes and indices that can pass 2^31 elements are computed in 64 bits.
// Element type: fp32 (suffix _f32). bf16 versions will take the suffix _bf16 and the
// same argument lists, with the accumulation kept in fp32.
#ifndef LTSB_COMMON_CUH
#define LTSB_COMMON_CUH

#ifndef LTSB_EMULATION
// Dynamic shared memory, sized by the launch (a macro so the CPU emulation can
// substitute its own buffer).
#define LTSB_DYNAMIC_SMEM(name) extern __shared__ float name[]
#endif

#define LTSB_FULL_MASK 0xffffffffu

__device__ __forceinline__ float ltsb_neg_inf() { return -__int_as_float(0x7f800000); }

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(LTSB_FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(LTSB_FULL_MASK, v, o));
    return v;
}

// online_add folds x into a running maximum m and sum s of exp(· - m).
__device__ __forceinline__ void online_add(float& m, float& s, float x) {
    if (x == ltsb_neg_inf()) return;
    if (x > m) {
        s = s * expf(m - x) + 1.0f;
        m = x;
    } else {
        s += expf(x - m);
    }
}

// online_merge folds the pair (m2, s2) into (m, s).
__device__ __forceinline__ void online_merge(float& m, float& s, float m2, float s2) {
    float mn = fmaxf(m, m2);
    if (mn == ltsb_neg_inf()) return; // both empty
    s = s * expf(m - mn) + s2 * expf(m2 - mn);
    m = mn;
}

__device__ __forceinline__ void warp_max_sum(float& m, float& s) {
    for (int o = 16; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(LTSB_FULL_MASK, m, o);
        float s2 = __shfl_xor_sync(LTSB_FULL_MASK, s, o);
        online_merge(m, s, m2, s2);
    }
}

// block_max_sum combines every thread's (m, s) and returns the block's pair to every
// thread. scratch: shared, 64 floats. Every thread of the block must call it.
__device__ __forceinline__ void block_max_sum(float& m, float& s, float* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    warp_max_sum(m, s);
    __syncthreads(); // a previous call may still be reading scratch
    if (lane == 0) {
        scratch[warp] = m;
        scratch[32 + warp] = s;
    }
    __syncthreads();
    m = lane < nwarps ? scratch[lane] : ltsb_neg_inf();
    s = lane < nwarps ? scratch[32 + lane] : 0.0f;
    warp_max_sum(m, s);
}

// gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
__device__ __forceinline__ float gelu_new(float x) {
    const float c = 0.7978845608028654f;
    return 0.5f * x * (1.0f + tanhf(c * (x + 0.044715f * x * x * x)));
}

#endif // LTSB_COMMON_CUH
