//go:build !noasm

package kern

import "golang.org/x/sys/cpu"

// fmaPeak runs iters rounds of 12 independent 8-lane FMAs (enough to fill two FMA pipes
// of latency 4) and returns the flops done, so benchmarks can state the machine's peak
// rather than guess its clock; 0 without AVX2 and FMA.
func fmaPeak(iters int) int {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return 0
	}
	fmaPeakAVX2(iters)
	return iters * 12 * 16
}

//go:noescape
func fmaPeakAVX2(iters int)
