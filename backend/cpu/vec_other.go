//go:build noasm || !amd64

package cpu

// useAVX2 is false: this build has no assembly helpers, and the stubs below are never
// called. (A variable, as on amd64, so the tests can switch paths the same way.)
var useAVX2 = false

func addAVX2(dst, src *float32, n8 int)                                  { panic("no assembly") }
func addConstAVX2(dst, src *float32, n8 int, c float32)                  { panic("no assembly") }
func maxAVX2(x *float32, n8 int) float32                                 { panic("no assembly") }
func expScaleShiftAVX2(x *float32, n8 int, scale, shift float32) float32 { panic("no assembly") }
func expSumAVX2(x *float32, n8 int, shift float32) float64               { panic("no assembly") }
func sumSqAVX2(x *float32, n8 int) (sum, sq float64)                     { panic("no assembly") }
func normRowAVX2(y, x, gain, bias *float32, n8 int, mean, rstd float32)  { panic("no assembly") }
func dot4x3AVX2(q *float32, ldq int, k *float32, ldk int, n8 int, s *float32, lds int) {
	panic("no assembly")
}
func dot4x1AVX2(q *float32, ldq int, k *float32, n8 int, s *float32, lds int) { panic("no assembly") }
func acc4x24AVX2(p *float32, ldp, pStep int, v *float32, ldv int, kc int, acc *float32, ldacc int) {
	panic("no assembly")
}
func acc4x16AVX2(p *float32, ldp, pStep int, v *float32, ldv int, kc int, acc *float32, ldacc int) {
	panic("no assembly")
}
func acc4x8AVX2(p *float32, ldp, pStep int, v *float32, ldv int, kc int, acc *float32, ldacc int) {
	panic("no assembly")
}
func colMax16AVX2(s *float32, rows int, m *[16]float32) { panic("no assembly") }
func colExp16AVX2(s *float32, rows int, scale float32, shift, sum *[16]float32) {
	panic("no assembly")
}

func transpose8x8AVX2(src *float32, lds int, dst *float32, ldd int)      { panic("no assembly") }
func lanes6AVX2(a, b *float32, bRow, bStep, n int, s *float32, acc bool) { panic("no assembly") }
func lanes1AVX2(a, b *float32, bStep, n int, s *float32, acc bool)       { panic("no assembly") }
func colScale16AVX2(s *float32, rows int, f *[16]float32)                { panic("no assembly") }
func lanes4AVX2(a, b *float32, bRow, bStep, n int, s *float32, acc bool) { panic("no assembly") }
