// sinusoid.cu: Transformer-XL's relative position embeddings (model.Sinusoid),
// computed in float64 and rounded, as the reference does.
//
// Versions:
//   1. sinusoid_f32: one thread per (δ, j) pair, writing the sine and the cosine.
#include "common.cuh"

// out[δ, j] = sin(δ·f_j), out[δ, D/2 + j] = cos(δ·f_j), f_j = 1 / 10000^(2j/D)
//   out (P, D), D even
// grid: ceil(P·D/2 / blockDim.x), any block size.
extern "C" __global__ void __launch_bounds__(256) sinusoid_f32(float* out, int P, int D) {
    const int half = D / 2;
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)P * half) return;
    const long long p = i / half;
    const int j = (int)(i % half);
    const double f = 1.0 / pow(10000.0, (2.0 * j) / (double)D);
    const double a = (double)p * f;
    out[p * D + j] = (float)sin(a);
    out[p * D + half + j] = (float)cos(a);
}
