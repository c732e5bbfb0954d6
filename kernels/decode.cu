// decode.cu: the cached (incremental) forward pass: the keys and values of the new
// positions go into a layer's KV cache (model.KVAppend), and the new queries attend
// over the cache (model.CachedAttention), GPT-2's plain scores or Transformer-XL's with
// the relative-position term and a memory window.
//
// The cache of a layer is [B, 2, H, Cap, Dh] (H heads of Dh, the layer's own): for
// sequence b its keys, then its values, head by head, each head's slots in order;
// absolute position p lives in slot p mod Cap (a ring: a Transformer-XL memory slides
// through it without being moved). One head's keys are one stretch of memory.
//
// Versions:
//   1. kv_append_f32: one thread per element of the new keys and values.
//      cached_attention_f32: one block per (query tile of 4, head, batch row), one warp
//      per query, online softmax over chunks of 32 cached keys (one key a lane), as
//      rel_attention_f32, with each key's slot taken modulo Cap. A decode step (T = 1)
//      keeps one warp of the block busy.
//   2. The cache head-major ([B, 2, H, Cap, Dh], was [B, Cap, 2·HD]): a head's keys
//      and values are each one stretch of memory (on the CPU, from memory, 4× faster
//      to read than Dh floats of every row); kv_append_f32 takes H.
// Possible next versions: split the keys of one query over the warps of a block (or
// over blocks, flash-decoding) when T is small; K/V tiles in shared memory; bf16 cache.
#include "common.cuh"

#define DEC_WARPS 4 // queries per block of cached_attention_f32; blockDim.x = 32·DEC_WARPS

// For t < T, c < 2·HD, with Dh = HD / H, kv = c / HD, h = (c mod HD) / Dh, d = c mod Dh:
//   cache[b, kv, h, (start + t) mod cap, d] = src[b, t, (kv ? voff : koff) + h·Dh + d]
//   src (B, T, LD)   cache (B, 2, H, cap, Dh)
// grid: (ceil(T·2·HD / blockDim.x), B); any block size.
extern "C" __global__ void __launch_bounds__(256) kv_append_f32(float* cache, const float* src, int B, int T, int LD,
                                                               int koff, int voff, int HD, int H, int start, int cap) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const int b = blockIdx.y;
    const long long w = 2LL * HD;
    if (i >= (long long)T * w || b >= B) return;
    const long long t = i / w, c = i % w;
    const int Dh = HD / H;
    const long long kv = c / HD, h = (c % HD) / Dh, d = c % Dh;
    const long long slot = ((long long)start + t) % cap;
    const long long col = (kv ? voff : koff) + (c % HD);
    cache[(((long long)b * 2 + kv) * H + h) * cap * Dh + slot * Dh + d] = src[((long long)b * T + t) * LD + col];
}

// Query t of batch row b (absolute position now = start + t) and head h see the keys at
// absolute positions p = start - past .. now, in slot p mod cap. With q = Q[b, t, h·Dh ..]
// (rows of Q ldq floats apart), k[p] = cache[b, 0, h, p mod cap], v[p] = cache[b, 1, h,
// p mod cap]:
//   r null (GPT-2):          s[p] = q·k[p] · scale
//   r (Transformer-XL):      s[p] = ((q + rwb[h])·k[p] + (q + rrb[h])·r[δ]) · scale,
//                            δ = now - p, r (≥ past + T, HD); rwb, rrb (H, Dh) or null (zero)
//   out[b, t, h·Dh ..] = Σ_p softmax(s)[p] · v[p]          out (B, T, HD)
// grid: (ceil(T / DEC_WARPS), H, B); block: 32·DEC_WARPS;
// dynamic shared memory: DEC_WARPS · (2·Dh + 32) floats, DEC_WARPS · (3·Dh + 32) with r.
extern "C" __global__ void __launch_bounds__(128) cached_attention_f32(
    float* out, const float* q, const float* cache, const float* r, const float* rwb, const float* rrb, int B, int T,
    int H, int Dh, int ldq, int past, int start, int cap, float scale) {
    LTSB_DYNAMIC_SMEM(smem);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int t = blockIdx.x * DEC_WARPS + warp, h = blockIdx.y, b = blockIdx.z;
    if (t >= T || b >= B) return; // the whole warp; this kernel has no block barrier
    const int HD = H * Dh;
    const int n = past + t + 1;                         // visible keys
    const long long lo = (long long)start - past;       // the first one's absolute position
    const long long now = (long long)start + t;         // this query's
    float* qw = smem + warp * ((r ? 3 : 2) * Dh + 32); // (Dh) (q + r_w_bias)·scale
    float* os = qw + Dh;                                // (Dh) output accumulator
    float* ps = os + Dh;                                // (32) probabilities of the current chunk
    float* qr = ps + 32;                                // (Dh, with r) (q + r_r_bias)·scale
    const float* qt = q + ((long long)b * T + t) * ldq + h * Dh;
    for (int d = lane; d < Dh; d += 32) {
        const float x = qt[d];
        if (r) {
            qw[d] = (x + (rwb ? rwb[h * Dh + d] : 0.0f)) * scale;
            qr[d] = (x + (rrb ? rrb[h * Dh + d] : 0.0f)) * scale;
        } else {
            qw[d] = x * scale;
        }
        os[d] = 0.0f;
    }
    __syncwarp();
    const float* kb = cache + ((long long)b * 2 * H + h) * cap * Dh;       // head h's keys, slot by slot
    const float* vb = cache + ((long long)b * 2 * H + H + h) * cap * Dh;   // and values
    float m = ltsb_neg_inf();
    float l = 0.0f;
    for (int j0 = 0; j0 < n; j0 += 32) {
        const int j = j0 + lane;
        float s = ltsb_neg_inf();
        if (j < n) {
            const long long pos = lo + j;
            const float* kj = kb + (pos % cap) * Dh;
            float acc = 0.0f;
            if (r) {
                const float* rd = r + (now - pos) * HD + h * Dh;
                for (int d = 0; d < Dh; ++d) acc += qw[d] * kj[d] + qr[d] * rd[d];
            } else {
                for (int d = 0; d < Dh; ++d) acc += qw[d] * kj[d];
            }
            s = acc;
        }
        const float mn = fmaxf(m, warp_max(s)); // finite: key j0 < n is in the chunk
        const float alpha = expf(m - mn);       // 0 on the first chunk
        const float p = j < n ? expf(s - mn) : 0.0f;
        l = l * alpha + p;
        ps[lane] = p;
        __syncwarp();
        const int nj = min(32, n - j0);
        const long long slot0 = (lo + j0) % cap;
        for (int d = lane; d < Dh; d += 32) {
            float acc = os[d] * alpha;
            long long slot = slot0;
            for (int jj = 0; jj < nj; ++jj) {
                acc += ps[jj] * vb[slot * Dh + d];
                if (++slot == cap) slot = 0;
            }
            os[d] = acc;
        }
        __syncwarp(); // ps is rewritten by the next chunk
        m = mn;
    }
    const float inv = 1.0f / warp_sum(l);
    float* o = out + ((long long)b * T + t) * HD + h * Dh;
    for (int d = lane; d < Dh; d += 32) o[d] = os[d] * inv;
}
