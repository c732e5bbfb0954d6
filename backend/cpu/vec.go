package cpu

import "math"

// dot is Σ a[i]·b[i] over len(a) (b at least as long), with four accumulators so the
// adds pipeline.
func dot(a, b []float32) float32 {
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

// axpy is y[i] += alpha·x[i] over len(y) (x at least as long).
func axpy(alpha float32, x, y []float32) {
	x = x[:len(y)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// scal is x[i] *= alpha.
func scal(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
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
