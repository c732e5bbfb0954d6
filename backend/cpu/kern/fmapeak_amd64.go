//go:build !noasm

package kern

// fmaPeakAVX2Flops and fmaPeakAVX512Flops are the kernels' peak loops (gemmKernel.peak):
// each runs iters rounds and returns the flops done.
//
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
