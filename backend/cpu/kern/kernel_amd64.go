//go:build !noasm

package kern

import "golang.org/x/sys/cpu"

// avx2Kernel is the 4×24 AVX2+FMA micro-kernel: twelve 8-lane accumulators (4 rows × 3
// vectors), three B vectors and one broadcast of A per row each step: all 16 YMM
// registers, 12 FMAs for 3 loads and 4 broadcasts. (A 6×16 tile needs 6 broadcasts per
// 12 FMAs and ran about 5 % slower on Zen 3 with operands in L1.)
var avx2Kernel = gemmKernel{name: "amd64 AVX2+FMA 4×24", mr: 4, nr: 24, micro: microAVX2, raw: gemm4x24AVX2}

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
	gemm4x24AVX2(kc, &a[0], &b[0], 4*bs, &c[0], 4*ldc, acc)
}

// gemm4x24AVX2 is microAVX2 on raw pointers; strides in bytes.
//
//go:noescape
func gemm4x24AVX2(kc int, a, b *float32, bsBytes int, c *float32, ldcBytes int, acc bool)
