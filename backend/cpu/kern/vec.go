package kern

import (
	"fmt"
	"math"
)

// Vector helpers for attention, normalisation and the GEMM's dot-product path. Each has
// a plain Go version (the *Generic function: its doc comment's loop) and, where the CPU
// has the features, an assembly one. The unexported dispatchers (dot, axpy, scale,
// maxOf, expShiftSum, dot4, epilogueRow; one set per architecture) call the assembly
// when asmVec is set. They are plain functions, not function values, so that a slice of
// a caller's stack array passed to them stays on the stack (the assembly is
// //go:noescape); the tests run both versions by switching asmVec.

// Dot returns Σ x[i]·y[i] over i < len(x); y must be at least as long. The result may
// differ from the sequential loop by the rounding of another summation order (the
// versions sum in several lanes).
func Dot(x, y []float32) float32 {
	checkLen("Dot", x, y)
	return dot(x, y[:len(x)])
}

// Axpy is `for i, v := range x { y[i] += alpha * v }`.
func Axpy(alpha float32, x, y []float32) {
	checkLen("Axpy", x, y)
	axpy(alpha, x, y[:len(x)])
}

// Scale is `for i := range x { x[i] *= alpha }`.
func Scale(alpha float32, x []float32) { scale(alpha, x) }

// ExpInPlace sets x[i] = e^x[i]. The generic version rounds math.Exp; the assembly
// ones are within 2 ulp (relative 2.4e-7; the tests measure ≤ 1 ulp) for x in
// [-87.33, 88.37], give 0 below it (where the true value is subnormal) and +Inf above
// it (true overflow starts at 88.72). NaN stays NaN, e^-Inf = 0, e^+Inf = +Inf.
func ExpInPlace(x []float32) { expShiftSum(x, 0) }

// SoftmaxInPlace sets x to softmax(x) = e^(x[i]-max)/Σ e^(x[j]-max), the max subtracted
// so no term overflows; each result has the ExpInPlace error plus a few ulp from the
// sum. A row holding NaN becomes NaN; an empty row is left alone.
func SoftmaxInPlace(x []float32) {
	if len(x) == 0 {
		return
	}
	m := maxOf(x)
	if math.IsInf(float64(m), -1) {
		m = 0 // all -Inf (a fully masked row): e^-Inf = 0 everywhere, sum 0, result NaN
	}
	s := expShiftSum(x, m)
	scale(1/s, x)
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
	for i, v := range x {
		y[i] += alpha * v
	}
}

func scaleGeneric(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// maxGeneric is the largest value of x, NaN if x holds one; x is not empty.
func maxGeneric(x []float32) float32 {
	m := x[0]
	for _, v := range x {
		if v > m || v != v {
			m = v
			if v != v {
				return v
			}
		}
	}
	return m
}

// expShiftSumGeneric sets x[i] = e^(x[i]-shift) and returns the sum of the new values.
func expShiftSumGeneric(x []float32, shift float32) float32 {
	var s float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - shift)))
		x[i] = e
		s += e
	}
	return s
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
