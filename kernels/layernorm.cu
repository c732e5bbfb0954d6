// layernorm.cu: LayerNorm over the last axis (model.LayerNorm), biased variance.
//
// Versions:
//   1. layernorm_f32: one warp per row, three passes over the row (mean, then the sum
//      of squared deviations, then the output), so the variance is computed from
//      centred values as the float64 reference does. The row stays in L1/L2 between
//      passes. out may be x (each lane reads its elements before writing them).
// Possible next versions: keep the row in registers for D ≤ 1024; bf16 in/out.
#include "common.cuh"

// out[r, :] = (x[r, :] - mean) / sqrt(var + eps) · g + b
//   out, x (rows, D)   g, b (D) (null: 1 and 0)
// grid: ceil(rows / (blockDim.x/32)); block: a multiple of 32 threads (launcher: 256).
extern "C" __global__ void __launch_bounds__(256) layernorm_f32(float* out, const float* x, const float* g,
                                         const float* b, int rows, int D, float eps) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int r = blockIdx.x * (blockDim.x >> 5) + warp;
    if (r >= rows) return; // the whole warp
    const float* xr = x + (long long)r * D;
    float s = 0.0f;
    for (int i = lane; i < D; i += 32) s += xr[i];
    const float mean = warp_sum(s) / (float)D;
    float v = 0.0f;
    for (int i = lane; i < D; i += 32) {
        const float d = xr[i] - mean;
        v += d * d;
    }
    const float rstd = 1.0f / sqrtf(warp_sum(v) / (float)D + eps);
    float* o = out + (long long)r * D;
    for (int i = lane; i < D; i += 32) {
        float y = (xr[i] - mean) * rstd;
        if (g) y *= g[i];
        if (b) y += b[i];
        o[i] = y;
    }
}
