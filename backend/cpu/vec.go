package cpu

import (
	"fmt"
	"math"
)

// The vector helpers of the ops in this package. Each has a plain Go version (the
// *Generic function, whose loop is its definition) and, on amd64 with AVX2+FMA, an
// assembly one (vec_amd64.s) that the wrapper below picks when useAVX2 is set. The
// wrappers are plain functions, not function values, so that scratch on a caller's
// stack stays there (the assembly is //go:noescape); they check every index the
// assembly will touch, as it does not.
//
// The tests hold both versions to float64 references (vec_test.go).

// dot is Σ a[i]·b[i] over len(a) (b at least as long).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	n8 := len(a) &^ 7
	if useAVX2 && n8 > 0 {
		return dotAVX2(&a[0], &b[0], n8) + dotGeneric(a[n8:], b[n8:])
	}
	return dotGeneric(a, b)
}

// dotGeneric is dot with four accumulators so the adds pipeline.
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// scal is x[i] *= alpha.
func scal(alpha float32, x []float32) {
	n8 := len(x) &^ 7
	if useAVX2 && n8 > 0 {
		scaleAVX2(&x[0], n8, alpha)
		x = x[n8:]
	}
	for i := range x {
		x[i] *= alpha
	}
}

// addTo is dst[i] += src[i] over len(dst) (src at least as long).
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	n8 := len(dst) &^ 7
	if useAVX2 && n8 > 0 {
		addAVX2(&dst[0], &src[0], n8)
		dst, src = dst[n8:], src[n8:]
	}
	for i, v := range src {
		dst[i] += v
	}
}

// addConst is dst[i] = src[i] + c over len(dst) (src at least as long; dst may be src).
func addConst(dst, src []float32, c float32) {
	src = src[:len(dst)]
	n8 := len(dst) &^ 7
	if useAVX2 && n8 > 0 {
		addConstAVX2(&dst[0], &src[0], n8, c)
		dst, src = dst[n8:], src[n8:]
	}
	for i, v := range src {
		dst[i] = v + c
	}
}

// maxOf is the largest value of x (not empty; NaN compares as smaller than anything).
func maxOf(x []float32) float32 {
	n8 := len(x) &^ 7
	m := float32(math.Inf(-1))
	if useAVX2 && n8 > 0 {
		m = maxAVX2(&x[0], n8)
		x = x[n8:]
	}
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

// expScaleShift sets x[i] = e^(scale·x[i] - shift) and returns the sum of the new
// values (float32; meant for rows of at most a few thousand scores).
func expScaleShift(x []float32, scale, shift float32) float32 {
	if !useAVX2 || len(x) == 0 {
		return expScaleShiftGeneric(x, scale, shift)
	}
	n8 := len(x) &^ 7
	var s float32
	if n8 > 0 {
		s = expScaleShiftAVX2(&x[0], n8, scale, shift)
	}
	if n8 < len(x) {
		// The tail through the same vector code, so every element has one accuracy;
		// -Inf pads add e^-Inf = 0.
		var t [8]float32
		for i := range t {
			t[i] = float32(math.Inf(-1))
		}
		copy(t[:], x[n8:])
		s += expScaleShiftAVX2(&t[0], 8, scale, shift)
		copy(x[n8:], t[:])
	}
	return s
}

func expScaleShiftGeneric(x []float32, scale, shift float32) float32 {
	var s float32
	for i, v := range x {
		e := exp32(scale*v - shift)
		x[i] = e
		s += e
	}
	return s
}

// expSum is Σ e^(x[i] - shift) in float64, x unchanged: the normaliser of a
// vocabulary-wide softmax, where a float32 sum would lose digits.
func expSum(x []float32, shift float32) float64 {
	n8 := len(x) &^ 7
	if !useAVX2 {
		return expSumGeneric(x, shift)
	}
	var s float64
	if n8 > 0 {
		s = expSumAVX2(&x[0], n8, shift)
	}
	if n8 < len(x) {
		var t [8]float32
		for i := range t {
			t[i] = float32(math.Inf(-1))
		}
		copy(t[:], x[n8:])
		s += expSumAVX2(&t[0], 8, shift)
	}
	return s
}

func expSumGeneric(x []float32, shift float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(exp32(v - shift))
	}
	return s
}

// sumSq returns Σ x[i] and Σ x[i]² in float64 (every square of a float32 is exact in
// float64, so the variance E[x²] - mean² keeps its digits unless the mean is more than
// about 10⁴ standard deviations).
func sumSq(x []float32) (sum, sq float64) {
	n8 := len(x) &^ 7
	if useAVX2 && n8 > 0 {
		sum, sq = sumSqAVX2(&x[0], n8)
		x = x[n8:]
	}
	for _, v := range x {
		f := float64(v)
		sum += f
		sq += f * f
	}
	return sum, sq
}

// normRow is y[i] = (x[i] - mean)·rstd·g[i] + b[i] over len(y).
func normRow(y, x, g, b []float32, mean, rstd float32) {
	x, g, b = x[:len(y)], g[:len(y)], b[:len(y)]
	n8 := len(y) &^ 7
	if useAVX2 && n8 > 0 {
		normRowAVX2(&y[0], &x[0], &g[0], &b[0], n8, mean, rstd)
		y, x, g, b = y[n8:], x[n8:], g[n8:], b[n8:]
	}
	for i, v := range x {
		y[i] = (v-mean)*rstd*g[i] + b[i]
	}
}

// dotTiles computes a block of dot products between rows of two matrices:
//
//	s[i·lds + j] = Σ_{l<n} q[qo + i·ldq + l]·k[ko + j·ldk + l]    i < rows, j < cols
//
// ldk may be negative (k's rows walked backwards: Transformer-XL's R(δ) for δ going
// down as the key goes up). The assembly does 4×3 tiles over n rounded down to 8 and
// the rest in Go.
func dotTiles(s []float32, lds int, q []float32, qo, ldq int, k []float32, ko, ldk int, rows, cols, n int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	checkRows("dotTiles s", s, 0, lds, rows, cols)
	checkRows("dotTiles q", q, qo, ldq, rows, n)
	checkRows("dotTiles k", k, ko, ldk, cols, n)
	n8 := n &^ 7
	if !useAVX2 || n8 == 0 {
		dotTilesGeneric(s, lds, q, qo, ldq, k, ko, ldk, rows, cols, n)
		return
	}
	const f = 4 // bytes per float32
	i := 0
	for ; i+4 <= rows; i += 4 {
		qp := &q[qo+i*ldq]
		j := 0
		for ; j+3 <= cols; j += 3 {
			dot4x3AVX2(qp, f*ldq, &k[ko+j*ldk], f*ldk, n8, &s[i*lds+j], f*lds)
		}
		for ; j < cols; j++ {
			dot4x1AVX2(qp, f*ldq, &k[ko+j*ldk], n8, &s[i*lds+j], f*lds)
		}
	}
	for ; i < rows; i++ {
		for j := range cols {
			s[i*lds+j] = dotAVX2(&q[qo+i*ldq], &k[ko+j*ldk], n8)
		}
	}
	if n8 < n {
		for i := range rows {
			qi := q[qo+i*ldq+n8 : qo+i*ldq+n]
			for j := range cols {
				s[i*lds+j] += dotGeneric(qi, k[ko+j*ldk+n8:])
			}
		}
	}
}

func dotTilesGeneric(s []float32, lds int, q []float32, qo, ldq int, k []float32, ko, ldk int, rows, cols, n int) {
	for i := range rows {
		qi := q[qo+i*ldq : qo+i*ldq+n]
		for j := range cols {
			s[i*lds+j] = dotGeneric(qi, k[ko+j*ldk:])
		}
	}
}

// accTiles adds a product of a small matrix with rows of a large one:
//
//	acc[i·ldacc + c] += Σ_{j<kc} p[i·ldp + j]·v[vo + j·ldv + c]    i < rows, c < cols
//
// (attention's probabilities times the value rows). The assembly does 4-row tiles 24,
// 16 or 8 columns wide; the rest is Go.
func accTiles(acc []float32, ldacc int, p []float32, ldp int, v []float32, vo, ldv int, rows, kc, cols int) {
	if rows <= 0 || kc <= 0 || cols <= 0 {
		return
	}
	checkRows("accTiles acc", acc, 0, ldacc, rows, cols)
	checkRows("accTiles p", p, 0, ldp, rows, kc)
	checkRows("accTiles v", v, vo, ldv, kc, cols)
	if !useAVX2 {
		accTilesGeneric(acc, ldacc, p, ldp, v, vo, ldv, rows, kc, cols)
		return
	}
	const f = 4
	i := 0
	for ; i+4 <= rows; i += 4 {
		c := 0
		for ; c+24 <= cols; c += 24 {
			acc4x24AVX2(&p[i*ldp], f*ldp, &v[vo+c], f*ldv, kc, &acc[i*ldacc+c], f*ldacc)
		}
		if c+16 <= cols {
			acc4x16AVX2(&p[i*ldp], f*ldp, &v[vo+c], f*ldv, kc, &acc[i*ldacc+c], f*ldacc)
			c += 16
		}
		if c+8 <= cols {
			acc4x8AVX2(&p[i*ldp], f*ldp, &v[vo+c], f*ldv, kc, &acc[i*ldacc+c], f*ldacc)
			c += 8
		}
		if c < cols {
			accTilesGeneric(acc[i*ldacc+c:], ldacc, p[i*ldp:], ldp, v, vo+c, ldv, 4, kc, cols-c)
		}
	}
	if i < rows {
		accTilesGeneric(acc[i*ldacc:], ldacc, p[i*ldp:], ldp, v, vo, ldv, rows-i, kc, cols)
	}
}

func accTilesGeneric(acc []float32, ldacc int, p []float32, ldp int, v []float32, vo, ldv int, rows, kc, cols int) {
	for i := range rows {
		a := acc[i*ldacc : i*ldacc+cols]
		for j, pj := range p[i*ldp : i*ldp+kc] {
			if pj == 0 {
				continue
			}
			vj := v[vo+j*ldv : vo+j*ldv+cols]
			for c, x := range vj {
				a[c] += pj * x
			}
		}
	}
}

// checkRows panics unless x holds rows of width cols starting at off, ld apart (ld may
// be negative): a programming error, caught before the assembly reads or writes.
func checkRows(name string, x []float32, off, ld, rows, cols int) {
	lo, hi := off, off+(rows-1)*ld
	if hi < lo {
		lo, hi = hi, lo
	}
	if lo < 0 || hi+cols > len(x) {
		panic(fmt.Sprintf("cpu: %s: %d rows of %d at %d, %d apart, do not fit %d values", name, rows, cols, off, ld, len(x)))
	}
}

// exp32 is e^x in float32 arithmetic (Cephes expf: range reduction by ln 2 in two parts,
// a degree-5 polynomial, then the exponent bits), within 2 ulp of math.Exp over the
// range it returns normal numbers for. Below -87.33 it returns 0 rather than a
// denormal, which softmax sums cannot tell apart and which would slow every later
// operation on it.
func exp32(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		c1    = 0.693359375
		c2    = -2.12194440e-4
	)
	switch {
	case x != x:
		return x
	case x < -87.33:
		return 0
	case x > 88.72:
		return float32(math.Inf(1))
	}
	// n = x/ln 2 rounded to nearest (conversion truncates toward zero).
	t := x * log2e
	var k int32
	if t < 0 {
		k = int32(t - 0.5)
	} else {
		k = int32(t + 0.5)
	}
	n := float32(k)
	r := x - n*c1 - n*c2
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	p = p*r*r + r + 1
	if k > 127 { // 2^128 is not a float32; it still is a factor 2 of one
		return 2 * p * math.Float32frombits(uint32(k+126)<<23)
	}
	return p * math.Float32frombits(uint32(k+127)<<23)
}
