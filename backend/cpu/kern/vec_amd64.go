//go:build !noasm

package kern

// asmVec selects the AVX2+FMA helpers: 8 lanes at a time, the tail of each slice
// (len mod 8) done by the generic loop. A variable so the tests can run the generic
// helpers on the same machine.
var asmVec = hasAVX2FMA

// rowsPath sends one-row products with a [k, n] B to the rows path (gemm_rows.go). A
// variable so the tests can run the blocked path on the same products.
var rowsPath = true

func dot(x, y []float32) float32 {
	n8 := len(x) &^ 7
	switch {
	case !asmVec || n8 == 0:
		return dotGeneric(x, y)
	case n8 == len(x):
		return dotAVX2(&x[0], &y[0], n8)
	}
	return dotAVX2(&x[0], &y[0], n8) + dotGeneric(x[n8:], y[n8:])
}

func scale(alpha float32, x []float32) {
	n8 := len(x) &^ 7
	if asmVec && n8 > 0 {
		scaleAVX2(alpha, &x[0], n8)
		x = x[n8:]
	}
	scaleGeneric(alpha, x)
}

func dot4(a, b []float32, ldb int) (out [4]float32) {
	k := len(a)
	k8 := k &^ 7
	if !asmVec || k8 == 0 {
		return dot4Generic(a, b, ldb)
	}
	_ = b[3*ldb+k-1]
	dot4AVX2(&a[0], &b[0], 4*ldb, k8, &out)
	if k8 < k {
		for q := range out {
			out[q] += dotGeneric(a[k8:], b[q*ldb+k8:q*ldb+k])
		}
	}
	return out
}

func axpy(alpha float32, x, y []float32) {
	n8 := len(x) &^ 7
	if asmVec && n8 > 0 {
		axpyAVX2(alpha, &x[0], &y[0], n8)
		x, y = x[n8:], y[n8:]
	}
	axpyGeneric(alpha, x, y)
}

//go:noescape
func axpyAVX2(alpha float32, x, y *float32, n8 int)

// rowsAdd is rowsAddGeneric: with asmVec the AVX2 loop on the multiple-of-32 columns,
// the generic one on the rest.
func rowsAdd(c, a, b []float32, ldb int) {
	n32, k := len(c)&^31, len(a)
	if !asmVec || n32 == 0 || k == 0 {
		rowsAddGeneric(c, a, b, ldb)
		return
	}
	_ = b[(k-1)*ldb+n32-1]
	rowsAddAVX2(&c[0], n32, &a[0], k, &b[0], ldb*4)
	if n32 < len(c) {
		rowsAddGeneric(c[n32:], a, b[n32:], ldb)
	}
}

//go:noescape
func rowsAddAVX2(c *float32, n32 int, a *float32, k int, b *float32, ldbBytes int)

//go:noescape
func dotAVX2(x, y *float32, n8 int) float32

//go:noescape
func scaleAVX2(alpha float32, x *float32, n8 int)

//go:noescape
func dot4AVX2(a, b *float32, ldbBytes, k8 int, out *[4]float32)
