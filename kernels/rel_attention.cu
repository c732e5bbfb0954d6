// rel_attention.cu: Transformer-XL's fused relative-position attention with memory
// (model.RelAttention), the "direct formula" of rel_shift: the positional term of
// query t and key j reads row δ = M + t - j of R, so neither the T×K score matrix nor
// the shifted BD matrix is ever stored.
//
// Versions:
//   1. rel_attention_f32: one block per (query tile of 4, head, batch row), one warp
//      per query, online softmax over chunks of 32 keys (one key a lane), as
//      causal_attention_f32. Shared memory per warp: (q + r_w_bias)·scale,
//      (q + r_r_bias)·scale, the output accumulator and the chunk's probabilities.
// Possible next versions: K/V/R tiles in shared memory; bf16 inputs.
#include "common.cuh"

#define RATT_WARPS 4 // queries per block; the launcher uses blockDim.x = 32·RATT_WARPS

// M = K - T memory rows; HD = H·Dh. For query t (context index M + t), key j ≤ M + t:
//   δ = M + t - j
//   s[j] = ((q[t] + rwb[h])·kc[j] + (q[t] + rrb[h])·r[δ]) · scale
//   out[b, t, h·Dh ..] = Σ_j softmax(s)[j] · vc[j]
//   out (B, T, HD)   q (B, T, HD)   kv (B, K, 2·HD): keys in columns 0..HD-1, values after
//   r (K, HD)   rwb, rrb (H, Dh) or null (zero)
// grid: (ceil(T / RATT_WARPS), H, B); block: 32·RATT_WARPS;
// dynamic shared memory: RATT_WARPS · (3·Dh + 32) floats.
extern "C" __global__ void __launch_bounds__(128) rel_attention_f32(float* out, const float* q, const float* kv,
                                             const float* r, const float* rwb, const float* rrb,
                                             int B, int T, int K, int H, int Dh, float scale) {
    LTSB_DYNAMIC_SMEM(smem);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int t = blockIdx.x * RATT_WARPS + warp, h = blockIdx.y, b = blockIdx.z;
    if (t >= T || b >= B) return; // the whole warp; this kernel has no block barrier
    const int HD = H * Dh, M = K - T, last = M + t;
    float* qw = smem + warp * (3 * Dh + 32); // (Dh) (q + r_w_bias)·scale
    float* qr = qw + Dh;                     // (Dh) (q + r_r_bias)·scale
    float* os = qr + Dh;                     // (Dh) output accumulator
    float* ps = os + Dh;                     // (32) probabilities of the current chunk
    const float* qt = q + ((long long)b * T + t) * HD + h * Dh;
    for (int d = lane; d < Dh; d += 32) {
        const float x = qt[d];
        qw[d] = (x + (rwb ? rwb[h * Dh + d] : 0.0f)) * scale;
        qr[d] = (x + (rrb ? rrb[h * Dh + d] : 0.0f)) * scale;
        os[d] = 0.0f;
    }
    __syncwarp();
    const long long ld = 2LL * HD;
    const float* kb = kv + (long long)b * K * ld + h * Dh;
    const float* rb = r + h * Dh;
    float m = ltsb_neg_inf();
    float l = 0.0f;
    for (int j0 = 0; j0 <= last; j0 += 32) {
        const int j = j0 + lane;
        float s = ltsb_neg_inf();
        if (j <= last) {
            const float* kj = kb + (long long)j * ld;
            const float* rd = rb + (long long)(last - j) * HD;
            float acc = 0.0f;
            for (int d = 0; d < Dh; ++d) acc += qw[d] * kj[d] + qr[d] * rd[d];
            s = acc;
        }
        const float mn = fmaxf(m, warp_max(s));
        const float alpha = expf(m - mn);
        const float p = j <= last ? expf(s - mn) : 0.0f;
        l = l * alpha + p;
        ps[lane] = p;
        __syncwarp();
        const int nj = min(32, last - j0 + 1);
        const float* v = kb + (long long)j0 * ld + HD;
        for (int d = lane; d < Dh; d += 32) {
            float acc = os[d] * alpha;
            for (int jj = 0; jj < nj; ++jj) acc += ps[jj] * v[(long long)jj * ld + d];
            os[d] = acc;
        }
        __syncwarp();
        m = mn;
    }
    const float inv = 1.0f / warp_sum(l);
    float* o = out + ((long long)b * T + t) * HD + h * Dh;
    for (int d = lane; d < Dh; d += 32) o[d] = os[d] * inv;
}
