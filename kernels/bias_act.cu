// bias_act.cu: the epilogue of a matrix product (model.MatMul's bias, activation and
// residual), run after the cuBLAS GEMM has written out = A·op(W).
//
// Versions:
//   1. bias_act_residual_f32: one thread per element, in place on the GEMM output.
// Possible next versions: fold into the GEMM with cuBLASLt epilogues; bf16.
#include "common.cuh"

// out[m, n] = act(out[m, n] + bias[n]) + res[m, n]      m < M, n < N
//   out (M, ldc)   bias (N) or null   res (M, ldr) or null
//   act: 0 none, 1 gelu_new (tanh approximation), 2 relu
// grid: ceil(M·N / blockDim.x), any block size.
extern "C" __global__ void __launch_bounds__(256) bias_act_residual_f32(float* out, const float* bias, const float* res,
                                                 int M, int N, int ldc, int ldr, int act) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)M * N) return;
    const long long m = i / N;
    const int n = (int)(i % N);
    float* o = out + m * ldc + n;
    float x = *o;
    if (bias) x += bias[n];
    if (act == 1) {
        x = gelu_new(x);
    } else if (act == 2) {
        x = fmaxf(x, 0.0f);
    }
    if (res) x += res[m * ldr + n];
    *o = x;
}
