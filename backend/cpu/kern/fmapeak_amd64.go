//go:build !noasm

package kern

// fmaPeak runs iters rounds of an FMA loop in the vector width of the kernel Gemm uses
// and returns the flops done, so benchmarks state a kernel's speed against the peak it
// can reach rather than guess the clock; 0 where that kernel has no such loop.
func fmaPeak(iters int) int {
	if activeKernel.peak == nil {
		return 0
	}
	return activeKernel.peak(iters)
}

// fmaPeakAVX2Flops: 12 independent 8-lane FMAs a round (enough to fill two FMA pipes of
// latency 4).
func fmaPeakAVX2Flops(iters int) int {
	fmaPeakAVX2(iters)
	return iters * 12 * 16
}

// fmaPeakAVX512Flops: 12 independent 16-lane FMAs a round.
func fmaPeakAVX512Flops(iters int) int {
	fmaPeakAVX512(iters)
	return iters * 12 * 32
}

//go:noescape
func fmaPeakAVX2(iters int)

//go:noescape
func fmaPeakAVX512(iters int)
