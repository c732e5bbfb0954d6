package cpu

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/backend/cpu/kern"
)

// The vector helpers of the ops in this package. Each has a plain Go version (the
// *Generic function, whose loop is its definition) and, on amd64 with AVX2+FMA, an
// assembly one (vec_amd64.s) that the wrapper below picks when useAVX2 is set. The
// wrappers are plain functions, not function values, so that scratch on a caller's
// stack stays there (the assembly is //go:noescape); they check every index the
// assembly will touch, as it does not.
//
// The tests hold both versions to float64 references (vec_test.go).

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

// maxOf is the largest value of x, NaN values ignored: -Inf when x is empty or all NaN.
// (A row holding NaN still comes out NaN from the exp that follows, as e^NaN is NaN.)
func maxOf(x []float32) float32 {
	n8 := len(x) &^ 7
	m := float32(math.Inf(-1))
	if useAVX2 && n8 > 0 {
		m = maxAVX2(&x[0], n8)
		x = x[n8:]
	}
	for _, v := range x {
		if v > m {
			m = v
		}
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
// down as the key goes up). The assembly does 4×3 tiles over n rounded down to 8, Go
// their last terms, and kern.Dot the rows left over.
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
	if n8 < n { // the last n mod 8 terms of the tiles' dot products
		for r := range i {
			qr := q[qo+r*ldq+n8 : qo+r*ldq+n]
			for j := range cols {
				kj := k[ko+j*ldk+n8:][:len(qr)]
				var t float32
				for l, x := range qr {
					t += x * kj[l]
				}
				s[r*lds+j] += t
			}
		}
	}
	if i < rows {
		dotTilesGeneric(s[i*lds:], lds, q, qo+i*ldq, ldq, k, ko, ldk, rows-i, cols, n)
	}
}

// dotTilesGeneric is dotTiles one kern.Dot at a time.
func dotTilesGeneric(s []float32, lds int, q []float32, qo, ldq int, k []float32, ko, ldk int, rows, cols, n int) {
	for i := range rows {
		qi := q[qo+i*ldq : qo+i*ldq+n]
		for j := range cols {
			s[i*lds+j] = kern.Dot(qi, k[ko+j*ldk:])
		}
	}
}

// accTiles adds a product of a small matrix with rows of a large one:
//
//	acc[i·ldacc + c] += Σ_{j<kc} p[i·ldp + j·pStep]·v[vo + j·ldv + c]    i < rows, c < cols
//
// (attention's probabilities times the value rows; pStep 1 for probabilities stored by
// query, ldp 1 for probabilities stored by key). The assembly does 4-row tiles 24, 16
// or 8 columns wide; the rest is Go.
func accTiles(acc []float32, ldacc int, p []float32, ldp, pStep int, v []float32, vo, ldv int, rows, kc, cols int) {
	if rows <= 0 || kc <= 0 || cols <= 0 {
		return
	}
	checkRows("accTiles acc", acc, 0, ldacc, rows, cols)
	if ldp < 0 || pStep < 0 || (rows-1)*ldp+(kc-1)*pStep >= len(p) {
		panic(fmt.Sprintf("cpu: accTiles p: %d×%d probabilities %d and %d apart do not fit %d values", rows, kc, ldp, pStep, len(p)))
	}
	checkRows("accTiles v", v, vo, ldv, kc, cols)
	if !useAVX2 {
		accTilesGeneric(acc, ldacc, p, ldp, pStep, v, vo, ldv, rows, kc, cols)
		return
	}
	const f = 4
	i := 0
	for ; i+4 <= rows; i += 4 {
		c := 0
		pi := &p[i*ldp]
		for ; c+24 <= cols; c += 24 {
			acc4x24AVX2(pi, f*ldp, f*pStep, &v[vo+c], f*ldv, kc, &acc[i*ldacc+c], f*ldacc)
		}
		if c+16 <= cols {
			acc4x16AVX2(pi, f*ldp, f*pStep, &v[vo+c], f*ldv, kc, &acc[i*ldacc+c], f*ldacc)
			c += 16
		}
		if c+8 <= cols {
			acc4x8AVX2(pi, f*ldp, f*pStep, &v[vo+c], f*ldv, kc, &acc[i*ldacc+c], f*ldacc)
			c += 8
		}
		if c < cols {
			accTilesGeneric(acc[i*ldacc+c:], ldacc, p[i*ldp:], ldp, pStep, v, vo+c, ldv, 4, kc, cols-c)
		}
	}
	if i < rows {
		accTilesGeneric(acc[i*ldacc:], ldacc, p[i*ldp:], ldp, pStep, v, vo, ldv, rows-i, kc, cols)
	}
}

func accTilesGeneric(acc []float32, ldacc int, p []float32, ldp, pStep int, v []float32, vo, ldv int, rows, kc, cols int) {
	for i := range rows {
		a := acc[i*ldacc : i*ldacc+cols]
		for j := range kc {
			pj := p[i*ldp+j*pStep]
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

// lanes is the query block of the transposed attention helpers: scores are stored by
// key, lanes queries to a row (two 8-float vectors).
const lanes = 16

// lanesTiles multiplies with a lanes-wide matrix a stored by rows of lanes (a[l·lanes + i]):
//
//	s[r·lanes + i] (+)= Σ_{l<n} a[l·lanes + i]·b[bo + r·bRow + l·bStep]    r < rows, i < lanes
//
// added to s when acc. Attention uses it twice with the block's queries across the
// lanes: scores (a the queries transposed, b the key rows: bRow = ldk, bStep = 1) and
// the output transposed (a the probabilities by key, b the value rows: bRow = 1,
// bStep = ldv). Tiles of six (or four) rows need no horizontal sums; any n works.
func lanesTiles(s, a, b []float32, bo, bRow, bStep, rows, n int, acc bool) {
	if rows <= 0 || n <= 0 {
		return
	}
	if len(s) < rows*lanes || len(a) < n*lanes || bRow < 0 || bStep < 0 || bo < 0 || bo+(rows-1)*bRow+(n-1)*bStep >= len(b) {
		panic(fmt.Sprintf("cpu: lanesTiles: %d rows × %d: s has %d values, a %d, b %d from %d (%d, %d apart)",
			rows, n, len(s), len(a), len(b), bo, bRow, bStep))
	}
	if !useAVX2 {
		lanesTilesGeneric(s, a, b, bo, bRow, bStep, rows, n, acc)
		return
	}
	r := 0
	for ; r+6 <= rows; r += 6 {
		lanes6AVX2(&a[0], &b[bo+r*bRow], 4*bRow, 4*bStep, n, &s[r*lanes], acc)
	}
	if r+4 <= rows {
		lanes4AVX2(&a[0], &b[bo+r*bRow], 4*bRow, 4*bStep, n, &s[r*lanes], acc)
		r += 4
	}
	for ; r < rows; r++ {
		lanes1AVX2(&a[0], &b[bo+r*bRow], 4*bStep, n, &s[r*lanes], acc)
	}
}

func lanesTilesGeneric(s, a, b []float32, bo, bRow, bStep, rows, n int, acc bool) {
	for r := range rows {
		row := s[r*lanes : (r+1)*lanes]
		if !acc {
			clear(row)
		}
		for l := range n {
			x := b[bo+r*bRow+l*bStep]
			al := a[l*lanes : (l+1)*lanes]
			for i := range row {
				row[i] += al[i] * x
			}
		}
	}
}

// colScale sets s[j·lanes + i] *= f[i] over j < rows.
func colScale(s []float32, rows int, f *[lanes]float32) {
	if rows <= 0 {
		return
	}
	_ = s[rows*lanes-1]
	if useAVX2 {
		colScale16AVX2(&s[0], rows, f)
		return
	}
	for j := range rows {
		for i := range lanes {
			s[j*lanes+i] *= f[i]
		}
	}
}

// transpose writes a block transposed: dst[c·ldd + r] = src[so + r·lds + c] for
// r < rows, c < cols (8×8 blocks in assembly, the edges in Go).
func transpose(dst []float32, ldd int, src []float32, so, lds, rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	checkRows("transpose dst", dst, 0, ldd, cols, rows)
	checkRows("transpose src", src, so, lds, rows, cols)
	r8, c8 := 0, 0
	if useAVX2 {
		r8, c8 = rows&^7, cols&^7
		for r := 0; r < r8; r += 8 {
			for c := 0; c < c8; c += 8 {
				transpose8x8AVX2(&src[so+r*lds+c], 4*lds, &dst[c*ldd+r], 4*ldd)
			}
		}
	}
	for r := range rows {
		c0 := c8
		if r >= r8 {
			c0 = 0
		}
		for c, x := range src[so+r*lds+c0 : so+r*lds+cols] {
			dst[(c0+c)*ldd+r] = x
		}
	}
}

// colMax sets m[i] = max(m[i], s[j·lanes + i]) over j < rows.
func colMax(s []float32, rows int, m *[lanes]float32) {
	if rows <= 0 {
		return
	}
	_ = s[rows*lanes-1]
	if useAVX2 {
		colMax16AVX2(&s[0], rows, m)
		return
	}
	for j := range rows {
		for i, x := range s[j*lanes : (j+1)*lanes] {
			m[i] = max(m[i], x)
		}
	}
}

// colExp sets s[j·lanes + i] = e^(scale·s[j·lanes + i] - shift[i]) over j < rows and
// adds the new values to sum[i].
func colExp(s []float32, rows int, scale float32, shift, sum *[lanes]float32) {
	if rows <= 0 {
		return
	}
	_ = s[rows*lanes-1]
	if useAVX2 {
		colExp16AVX2(&s[0], rows, scale, shift, sum)
		return
	}
	for j := range rows {
		row := s[j*lanes : (j+1)*lanes]
		for i, x := range row {
			e := exp32(scale*x - shift[i])
			row[i] = e
			sum[i] += e
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
