package kern

import "fmt"

// Vector helpers for attention, normalisation and the GEMM's dot-product path. Each has
// a plain Go version (the *Generic function: its doc comment's loop) and, where the CPU
// has the features, an assembly one. The unexported dispatchers (dot, scale, dot4,
// epilogueRow; one set per architecture) call the assembly when asmVec is set. They are
// plain functions, not function values, so that a slice of a caller's stack array
// passed to them stays on the stack (the assembly is //go:noescape); the tests run both
// versions by switching asmVec.

// Dot returns Σ x[i]·y[i] over i < len(x); y must be at least as long. The result may
// differ from the sequential loop by the rounding of another summation order (the
// versions sum in several lanes).
func Dot(x, y []float32) float32 {
	checkLen("Dot", x, y)
	return dot(x, y[:len(x)])
}

// Scale is `for i := range x { x[i] *= alpha }`.
func Scale(alpha float32, x []float32) { scale(alpha, x) }

// Axpy is `for i := range x { y[i] += alpha·x[i] }`; y must be at least as long as x.
func Axpy(alpha float32, x, y []float32) {
	checkLen("Axpy", x, y)
	axpy(alpha, x, y[:len(x)])
}

func checkLen(name string, x, y []float32) {
	if len(y) < len(x) {
		panic(fmt.Sprintf("kern: %s y has %d values, x has %d", name, len(y), len(x)))
	}
}

// dotGeneric is Σ x[i]·y[i] with four accumulators, so the adds pipeline.
func dotGeneric(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func axpyGeneric(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

func scaleGeneric(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// dot4Generic returns Σ_l a[l]·b[q·ldb+l] for q < 4, l < len(a): one row against four
// rows.
func dot4Generic(a, b []float32, ldb int) (out [4]float32) {
	k := len(a)
	for q := range out {
		out[q] = dotGeneric(a, b[q*ldb:q*ldb+k])
	}
	return out
}
