//go:build !noasm

package cpu

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly helpers of vec_amd64.s.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The assembly helpers. Lengths named n8 are multiples of 8 (at least 8); strides
// named ld…Bytes are in bytes.

//go:noescape
func dotAVX2(x, y *float32, n8 int) float32

//go:noescape
func scaleAVX2(x *float32, n8 int, alpha float32)

//go:noescape
func addAVX2(dst, src *float32, n8 int)

//go:noescape
func addConstAVX2(dst, src *float32, n8 int, c float32)

//go:noescape
func maxAVX2(x *float32, n8 int) float32

//go:noescape
func expScaleShiftAVX2(x *float32, n8 int, scale, shift float32) float32

//go:noescape
func expSumAVX2(x *float32, n8 int, shift float32) float64

//go:noescape
func sumSqAVX2(x *float32, n8 int) (sum, sq float64)

//go:noescape
func normRowAVX2(y, x, gain, bias *float32, n8 int, mean, rstd float32)

// dot4x3AVX2: s[i·lds+j] = Σ_{l<n8} q[i·ldq+l]·k[j·ldk+l], i < 4, j < 3.
//
//go:noescape
func dot4x3AVX2(q *float32, ldqBytes int, k *float32, ldkBytes int, n8 int, s *float32, ldsBytes int)

// dot4x1AVX2: s[i·lds] = Σ_{l<n8} q[i·ldq+l]·k[l], i < 4.
//
//go:noescape
func dot4x1AVX2(q *float32, ldqBytes int, k *float32, n8 int, s *float32, ldsBytes int)

// acc4xWAVX2 (W = 24, 16, 8): acc[i·ldacc+c] += Σ_{j<kc} p[i·ldp+j]·v[j·ldv+c], i < 4,
// c < W, kc ≥ 1.
//
//go:noescape
func acc4x24AVX2(p *float32, ldpBytes int, v *float32, ldvBytes int, kc int, acc *float32, ldaccBytes int)

//go:noescape
func acc4x16AVX2(p *float32, ldpBytes int, v *float32, ldvBytes int, kc int, acc *float32, ldaccBytes int)

//go:noescape
func acc4x8AVX2(p *float32, ldpBytes int, v *float32, ldvBytes int, kc int, acc *float32, ldaccBytes int)
