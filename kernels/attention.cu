// attention.cu: GPT-2's fused causal multi-head self-attention (model.CausalAttention):
// scores, causal mask, softmax and the weighted sum of values in one kernel, with no
// T×T matrix in global memory.
//
// Versions:
//   1. causal_attention_f32: one block per (query tile of 4, head, batch row), one
//      warp per query. The warp keeps q·(1/√Dh) and the output accumulator in shared
//      memory and walks the keys 0..t in chunks of 32, one key a lane: each lane forms
//      its score, the warp takes the chunk maximum, rescales the running sums (online
//      softmax, as in flash attention) and accumulates the chunk's values with lanes
//      over the head dimension (coalesced reads of v). Keys and values are read from
//      global memory (L1/L2), not staged in shared memory.
// Possible next versions: stage K/V tiles in shared memory for the 4 warps of a block;
// tensor-core (mma) tiles; bf16 inputs with fp32 accumulation.
#include "common.cuh"

#define ATT_WARPS 4 // queries per block; the launcher uses blockDim.x = 32·ATT_WARPS

// For query t of batch row b and head h (Dh = head width, D = H·Dh):
//   s[j] = q[t]·k[j] · scale   for j ≤ t       q = qkv[b, t, h·Dh ..], k = qkv[b, j, D + h·Dh ..]
//   p = softmax(s)            out[b, t, h·Dh ..] = Σ_j p[j] · v[j],  v = qkv[b, j, 2D + h·Dh ..]
//   out (B, T, D)   qkv (B, T, 3D)
// grid: (ceil(T / ATT_WARPS), H, B); block: 32·ATT_WARPS;
// dynamic shared memory: ATT_WARPS · (2·Dh + 32) floats.
extern "C" __global__ void __launch_bounds__(128) causal_attention_f32(float* out, const float* qkv, int B, int T, int H,
                                                int Dh, float scale) {
    LTSB_DYNAMIC_SMEM(smem);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int t = blockIdx.x * ATT_WARPS + warp, h = blockIdx.y, b = blockIdx.z;
    if (t >= T || b >= B) return; // the whole warp; this kernel has no block barrier
    const int D = H * Dh;
    const long long ld = 3LL * D;
    float* qs = smem + warp * (2 * Dh + 32); // (Dh) scaled query
    float* os = qs + Dh;                     // (Dh) output accumulator
    float* ps = os + Dh;                     // (32) probabilities of the current chunk
    const float* base = qkv + (long long)b * T * ld + h * Dh;
    const float* q = base + (long long)t * ld;
    for (int d = lane; d < Dh; d += 32) {
        qs[d] = q[d] * scale;
        os[d] = 0.0f;
    }
    __syncwarp();
    float m = ltsb_neg_inf(); // running maximum, the same in every lane
    float l = 0.0f;           // this lane's part of the running sum of exp(s - m)
    for (int j0 = 0; j0 <= t; j0 += 32) {
        const int j = j0 + lane;
        float s = ltsb_neg_inf();
        if (j <= t) {
            const float* k = base + (long long)j * ld + D;
            float acc = 0.0f;
            for (int d = 0; d < Dh; ++d) acc += qs[d] * k[d];
            s = acc;
        }
        const float mn = fmaxf(m, warp_max(s)); // finite: key j0 ≤ t is in the chunk
        const float alpha = expf(m - mn);       // 0 on the first chunk
        const float p = j <= t ? expf(s - mn) : 0.0f;
        l = l * alpha + p;
        ps[lane] = p;
        __syncwarp();
        const int nj = min(32, t - j0 + 1);
        const float* v = base + (long long)j0 * ld + 2 * D;
        for (int d = lane; d < Dh; d += 32) {
            float acc = os[d] * alpha;
            for (int jj = 0; jj < nj; ++jj) acc += ps[jj] * v[(long long)jj * ld + d];
            os[d] = acc;
        }
        __syncwarp(); // ps is rewritten by the next chunk
        m = mn;
    }
    const float inv = 1.0f / warp_sum(l);
    float* o = out + ((long long)b * T + t) * D + h * Dh;
    for (int d = lane; d < Dh; d += 32) o[d] = os[d] * inv;
}
