//go:build !noasm

package kern

import "golang.org/x/sys/cpu"

// avx2Kernel is the 6×16 AVX2+FMA micro-kernel: twelve 8-lane accumulators (6 rows × 2
// vectors), two B vectors and one broadcast of A per row each step: 15 of the 16 YMM
// registers, 12 FMAs for 2 loads and 6 broadcasts, which keeps both FMA pipes busy.
var avx2Kernel = gemmKernel{name: "amd64 AVX2+FMA 6×16", mr: 6, nr: 16, micro: microAVX2}

var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

func init() {
	if hasAVX2FMA {
		activeKernel = &avx2Kernel
	}
}

func asmKernels() []*gemmKernel {
	if hasAVX2FMA {
		return []*gemmKernel{&avx2Kernel}
	}
	return nil
}

func microAVX2(kc int, a, b []float32, bs int, c []float32, ldc int, acc bool) {
	gemm6x16AVX2(kc, &a[0], &b[0], 4*bs, &c[0], 4*ldc, acc)
}

// gemm6x16AVX2 is microAVX2 on raw pointers; strides in bytes.
//
//go:noescape
func gemm6x16AVX2(kc int, a, b *float32, bsBytes int, c *float32, ldcBytes int, acc bool)
