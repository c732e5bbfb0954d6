//go:build !noasm

package cpu

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly helpers of vec_amd64.s.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The assembly helpers. Lengths named n8 are multiples of 8 (at least 8); strides
// named ld…Bytes are in bytes.

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

// acc4xWAVX2 (W = 24, 16, 8): acc[i·ldacc+c] += Σ_{j<kc} p[i·ldp+j·pStep]·v[j·ldv+c],
// i < 4, c < W, kc ≥ 1.
//
//go:noescape
func acc4x24AVX2(p *float32, ldpBytes, pStepBytes int, v *float32, ldvBytes int, kc int, acc *float32, ldaccBytes int)

//go:noescape
func acc4x16AVX2(p *float32, ldpBytes, pStepBytes int, v *float32, ldvBytes int, kc int, acc *float32, ldaccBytes int)

//go:noescape
func acc4x8AVX2(p *float32, ldpBytes, pStepBytes int, v *float32, ldvBytes int, kc int, acc *float32, ldaccBytes int)

// lanes6AVX2: s[r·16+i] (+)= Σ_{l<n} a[l·16+i]·b[r·bRow+l·bStep], r < 6, i < 16, n ≥ 1
// (added to s when acc).
//
//go:noescape
func lanes6AVX2(a, b *float32, bRowBytes, bStepBytes, n int, s *float32, acc bool)

// lanes4AVX2 is lanes6AVX2 for four rows.
//
//go:noescape
func lanes4AVX2(a, b *float32, bRowBytes, bStepBytes, n int, s *float32, acc bool)

// lanes1AVX2 is lanes6AVX2 for one row.
//
//go:noescape
func lanes1AVX2(a, b *float32, bStepBytes, n int, s *float32, acc bool)

// colScale16AVX2: s[j·16+i] *= f[i], j < rows (≥ 1).
//
//go:noescape
func colScale16AVX2(s *float32, rows int, f *[16]float32)

// colMax16AVX2: m[i] = max(m[i], s[j·16+i]) over j < rows (rows ≥ 1).
//
//go:noescape
func colMax16AVX2(s *float32, rows int, m *[16]float32)

// colExp16AVX2: s[j·16+i] = e^(scale·s[j·16+i] - shift[i]), sum[i] += it, j < rows (≥ 1).
//
//go:noescape
func colExp16AVX2(s *float32, rows int, scale float32, shift, sum *[16]float32)

// transpose8x8AVX2: dst[c·ldd+r] = src[r·lds+c] for r, c < 8.
//
//go:noescape
func transpose8x8AVX2(src *float32, ldsBytes int, dst *float32, lddBytes int)
