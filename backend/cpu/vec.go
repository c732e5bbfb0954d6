package cpu

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
