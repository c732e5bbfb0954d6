// embedding.cu: token embeddings (model.Embed, model.AdaptiveEmbed).
//
// Versions:
//   1. embed_f32: one thread per output element, gather + learned position.
//      adaptive_embed_f32: one block (4 warps) per token and per cluster launch; a
//      block whose token is in another cluster returns at once. Each warp computes
//      output features i = warp, warp + 4, ... as the dot product of projection row i
//      with the token's table row (lanes over the embedding width: coalesced reads),
//      so no [N, d_emb] gather buffer is needed outside the planned arena.
// Possible next versions: stage the table row in shared memory; bf16 tables.
#include "common.cuh"

// out[n, d] = table[ids[n], d] + pos[n % T, d]   (pos may be null)
//   out   (N, D)     ids (N)     table (V, D)     pos (≥T, D)
// grid: ceil(N·D / blockDim.x), any block size.
extern "C" __global__ void __launch_bounds__(256) embed_f32(float* out, const int* ids, const float* table,
                                     const float* pos, int N, int T, int D) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)N * D) return;
    const int n = (int)(i / D), d = (int)(i % D);
    float v = table[(long long)ids[n] * D + d];
    if (pos) v += pos[(long long)(n % T) * D + d];
    out[i] = v;
}

// For every token n with lo ≤ v = ids[n] < hi (cluster c of the adaptive embedding):
//   e = table[v - lo, :]                                    (demb)
//   out[n, i] = scale · Σ_k proj[i, k] · e[k] (+ pos[n % T, i])   with proj (D, demb)
//   out[n, i] = scale · e[i] (+ pos[n % T, i])                   without (demb = D)
//   out (N, D)   ids (N)   table (hi-lo, demb)   proj (D, demb) or null   pos (≥T, D) or null
// grid: N blocks; block: a multiple of 32 threads (the launcher uses 128).
extern "C" __global__ void __launch_bounds__(128) adaptive_embed_f32(float* out, const int* ids, const float* table,
                                              const float* proj, const float* pos, int N, int T,
                                              int D, int demb, int lo, int hi, float scale) {
    const int n = blockIdx.x;
    if (n >= N) return;
    const int v = ids[n];
    if (v < lo || v >= hi) return; // the same for the whole block
    const float* e = table + (long long)(v - lo) * demb;
    float* o = out + (long long)n * D;
    const float* p = pos ? pos + (long long)(n % T) * D : nullptr;
    if (!proj) {
        for (int i = threadIdx.x; i < D; i += blockDim.x) {
            float x = scale * e[i];
            if (p) x += p[i];
            o[i] = x;
        }
        return;
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    for (int i = warp; i < D; i += nwarps) {
        const float* pr = proj + (long long)i * demb;
        float s = 0.0f;
        for (int k = lane; k < demb; k += 32) s += pr[k] * e[k];
        s = warp_sum(s);
        if (lane == 0) {
            float x = scale * s;
            if (p) x += p[i];
            o[i] = x;
        }
    }
}
