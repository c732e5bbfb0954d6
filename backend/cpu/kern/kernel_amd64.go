//go:build !noasm

package kern

import "golang.org/x/sys/cpu"

// avx512Kernel is the 12×32 AVX-512 micro-kernel: 24 sixteen-lane accumulators (12
// rows × 2 vectors), two B vectors and one broadcast of A per row each step. On a Zen 5
// whose 512-bit FMA throughput is that of 256-bit (the FMA peak meter measures both
// alike there), 8×32, 12×32, 14×32 and 6×64 all ran at 98–99 % of the peak on L1
// operands, and FMAs that broadcast A from memory themselves (.BCST) at 96 %; 12×32
// cuts a 192-token product into 16 full tiles of rows (14 leaves a ragged one).
var avx512Kernel = gemmKernel{id: "avx512", name: "amd64 AVX-512 12×32", mr: 12, nr: 32, micro: microAVX512, raw: gemm12x32AVX512, peak: fmaPeakAVX512Flops}

// avx2Kernel is the 4×24 AVX2+FMA micro-kernel: twelve 8-lane accumulators (4 rows × 3
// vectors), three B vectors and one broadcast of A per row each step: all 16 YMM
// registers, 12 FMAs for 3 loads and 4 broadcasts. (A 6×16 tile needs 6 broadcasts per
// 12 FMAs and ran about 5 % slower on Zen 3 with operands in L1.)
var avx2Kernel = gemmKernel{id: "avx2", name: "amd64 AVX2+FMA 4×24", mr: 4, nr: 24, micro: microAVX2, raw: gemm4x24AVX2, peak: fmaPeakAVX2Flops}

var (
	hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	// x/sys/cpu reports AVX-512 only where the OS saves the ZMM and mask registers.
	hasAVX512 = cpu.X86.HasAVX512F && hasAVX2FMA
)

// asmKernels lists the assembly micro-kernels this CPU runs, fastest first.
func asmKernels() []*gemmKernel {
	var ks []*gemmKernel
	if hasAVX512 {
		ks = append(ks, &avx512Kernel)
	}
	if hasAVX2FMA {
		ks = append(ks, &avx2Kernel)
	}
	return ks
}

func microAVX2(kc int, a, b []float32, bs int, c []float32, ldc int, acc bool) {
	gemm4x24AVX2(kc, &a[0], &b[0], 4*bs, &c[0], 4*ldc, acc)
}

func microAVX512(kc int, a, b []float32, bs int, c []float32, ldc int, acc bool) {
	gemm12x32AVX512(kc, &a[0], &b[0], 4*bs, &c[0], 4*ldc, acc)
}

// gemm4x24AVX2 is microAVX2 on raw pointers; strides in bytes.
//
//go:noescape
func gemm4x24AVX2(kc int, a, b *float32, bsBytes int, c *float32, ldcBytes int, acc bool)

// gemm12x32AVX512 is microAVX512 on raw pointers; strides in bytes.
//
//go:noescape
func gemm12x32AVX512(kc int, a, b *float32, bsBytes int, c *float32, ldcBytes int, acc bool)
