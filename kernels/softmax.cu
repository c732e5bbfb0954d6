// softmax.cu: log-softmax over rows (model.LogSoftmax) and the projected adaptive
// log-softmax's combination of head and tail clusters (model.AdaptiveLogSoftmax).
//
// Versions:
//   1. log_softmax_f32: one block per row; one pass keeps a running (max, Σexp) pair
//      per thread (online softmax), a block reduction combines them, a second pass
//      writes x - logsumexp. In place when out = x.
//      adaptive_log_softmax_f32: one block per row over the column bands: the head
//      band [0, e1) together with the cluster logits gives logsumexp_head; each tail
//      band c gives logsumexp_c and is shifted by cluster[c-1] - logsumexp_head -
//      logsumexp_c; the head band is shifted last. Everything stays in registers, so
//      nothing is stored outside the logits, in place.
// Possible next versions: several blocks per row for very wide bands (a second
// reduction kernel); bf16 logits.
#include "common.cuh"

// out[r, :] = x[r, :] - log Σ exp x[r, :]
//   out, x (rows, V)   out may be x
// grid: rows; block: a multiple of 32 threads (launcher: 256 or 1024).
extern "C" __global__ void __launch_bounds__(1024) log_softmax_f32(float* out, const float* x, int rows, int V) {
    __shared__ float scratch[64];
    const int r = blockIdx.x;
    if (r >= rows) return; // the whole block
    const float* xr = x + (long long)r * V;
    float* o = out + (long long)r * V;
    float m = ltsb_neg_inf(), s = 0.0f;
    for (int i = threadIdx.x; i < V; i += blockDim.x) online_add(m, s, xr[i]);
    block_max_sum(m, s, scratch); // also orders every read above before the writes below
    const float lse = m + logf(s);
    for (int i = threadIdx.x; i < V; i += blockDim.x) o[i] = xr[i] - lse;
}

// In place on one row n of logits (N, V), with cluster (N, nc) the cluster logits and
// ends = [0, e1, .., e_nc, V] (e_{nc+1} = V; unused e's are ignored), nc ≤ 6:
//   lse_h = logsumexp(concat(logits[n, 0:e1], cluster[n, :]))
//   logits[n, v] -= lse_h                                          v < e1
//   logits[n, v] += cluster[n, c-1] - lse_h - logsumexp(logits[n, e_c:e_{c+1}])  e_c ≤ v < e_{c+1}
// grid: N; block: a multiple of 32 threads (launcher: 256 or 1024).
extern "C" __global__ void __launch_bounds__(1024) adaptive_log_softmax_f32(float* logits, const float* cluster, int N, int V,
                                                    int nc, int e1, int e2, int e3, int e4, int e5,
                                                    int e6, int e7) {
    __shared__ float scratch[64];
    const int n = blockIdx.x;
    if (n >= N) return; // the whole block
    const int ends[8] = {0, e1, e2, e3, e4, e5, e6, e7};
    float* row = logits + (long long)n * V;
    const float* cl = cluster + (long long)n * nc;
    const int head = ends[1];
    float m = ltsb_neg_inf(), s = 0.0f;
    for (int i = threadIdx.x; i < head + nc; i += blockDim.x) online_add(m, s, i < head ? row[i] : cl[i - head]);
    block_max_sum(m, s, scratch);
    const float lse_h = m + logf(s);
    for (int c = 1; c <= nc; ++c) {
        const int lo = ends[c], hi = c == nc ? V : ends[c + 1];
        float mc = ltsb_neg_inf(), sc = 0.0f;
        for (int i = lo + threadIdx.x; i < hi; i += blockDim.x) online_add(mc, sc, row[i]);
        block_max_sum(mc, sc, scratch);
        const float shift = cl[c - 1] - lse_h - (mc + logf(sc));
        for (int i = lo + threadIdx.x; i < hi; i += blockDim.x) row[i] += shift;
    }
    for (int i = threadIdx.x; i < head; i += blockDim.x) row[i] -= lse_h;
}
