// gemm.cu: the CUDA backend's own SGEMM, used when no cuBLAS can be loaded (a machine
// with the driver alone), so that every model still runs; the environment of each result
// names it, and its latencies are not cuBLAS's.
//
// Versions:
//   1. sgemm_tiled_f32: 64×64 tiles of C per block of 256 threads, op(A) and B staged
//      through shared memory 16 steps of k at a time, a 4×4 register block per thread,
//      fp32 accumulation.
// Possible next versions: double-buffered tiles, float4 loads, tensor cores (tf32).
#include "common.cuh"

#define GEMM_TILE 64
#define GEMM_TK 16

// cuBLAS's column-major convention (see backend/cuda/gemm_map.go), alpha 1:
//   C[i + j·ldc] = Σ_p op(A)(i, p)·B[p + j·ldb] + beta·C[i + j·ldc]      i < m, j < n
//   op(A)(i, p) = A[p + i·lda] if transa, else A[i + p·lda]
// grid: (ceil(m / 64), ceil(n / 64)); block: 256 threads. With beta 0, C is not read.
extern "C" __global__ void __launch_bounds__(256) sgemm_tiled_f32(const float* A, const float* B, float* C,
                                                                 int transa, int m, int n, int k, int lda, int ldb,
                                                                 int ldc, float beta) {
    __shared__ float As[GEMM_TK][GEMM_TILE + 1];
    __shared__ float Bs[GEMM_TK][GEMM_TILE + 1];
    const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    const int bm = blockIdx.x * GEMM_TILE, bn = blockIdx.y * GEMM_TILE;
    float acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) acc[r][c] = 0.0f;
    for (int p0 = 0; p0 < k; p0 += GEMM_TK) {
        for (int e = threadIdx.x; e < GEMM_TK * GEMM_TILE; e += blockDim.x) {
            // op(A)'s tile, i fastest; B's tile, p fastest (its contiguous direction).
            const int ii = e % GEMM_TILE, pa = e / GEMM_TILE;
            const int i = bm + ii, p = p0 + pa;
            float a = 0.0f;
            if (i < m && p < k) a = transa ? A[(long long)i * lda + p] : A[(long long)p * lda + i];
            As[pa][ii] = a;
            const int pb = e % GEMM_TK, jj = e / GEMM_TK;
            const int j = bn + jj, q = p0 + pb;
            Bs[pb][jj] = (j < n && q < k) ? B[(long long)j * ldb + q] : 0.0f;
        }
        __syncthreads();
        for (int pp = 0; pp < GEMM_TK; pp++) {
            float a[4], b[4];
            for (int r = 0; r < 4; r++) a[r] = As[pp][tx + 16 * r];
            for (int c = 0; c < 4; c++) b[c] = Bs[pp][ty + 16 * c];
            for (int r = 0; r < 4; r++)
                for (int c = 0; c < 4; c++) acc[r][c] += a[r] * b[c];
        }
        __syncthreads();
    }
    for (int c = 0; c < 4; c++) {
        const int j = bn + ty + 16 * c;
        if (j >= n) continue;
        for (int r = 0; r < 4; r++) {
            const int i = bm + tx + 16 * r;
            if (i >= m) continue;
            float* o = C + (long long)j * ldc + i;
            *o = beta == 0.0f ? acc[r][c] : acc[r][c] + beta * *o;
        }
    }
}
