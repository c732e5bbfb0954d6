// copy.cu: strided copies of row blocks: the memory concatenation, the memory update
// and the last-position pick of the graph (model.ConcatMem, model.MemUpdate,
// model.TakeLast).
//
// Versions:
//   1. copy_rows_f32: one thread per element of a (batch, row, column) box.
// Possible next versions: vectorised float4 copies when strides allow; bf16.
#include "common.cuh"

// dst[b·dsb + r·dsr + c] = src[b·ssb + r·ssr + c]      b < nb, r < nr, c < cols
// grid: (ceil(nr·cols / blockDim.x), nb); any block size. dst and src do not overlap.
extern "C" __global__ void __launch_bounds__(256) copy_rows_f32(float* dst, const float* src, int nb, int nr, int cols,
                                         int dsb, int dsr, int ssb, int ssr) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const int b = blockIdx.y;
    if (i >= (long long)nr * cols || b >= nb) return;
    const long long r = i / cols, c = i % cols;
    dst[(long long)b * dsb + r * dsr + c] = src[(long long)b * ssb + r * ssr + c];
}
