//go:build !noasm

package kern

import "golang.org/x/sys/cpu"

//go:generate go run gen_arm64.go

// neonKernel is the 8×12 NEON micro-kernel: 24 four-lane accumulators, A's 8 values in
// two registers used by element (FMLA Vd.4S, Vn.4S, Vm.S[i]), B's 12 in three.
var neonKernel = gemmKernel{id: "neon", name: "arm64 NEON 8×12", mr: 8, nr: 12, micro: microNEON, raw: gemm8x12NEON}

// Every arm64 CPU has Advanced SIMD; the check keeps an odd emulator honest.
var hasNEON = cpu.ARM64.HasASIMD

// asmVec selects the NEON helpers: 4 lanes at a time, the tail of each slice (len mod
// 4) done by the generic loop (exp's tail through the vector code, as on amd64). A
// variable so the tests can run the generic helpers on the same machine.
var asmVec = hasNEON

// rowsPath is false: one-row products keep the NEON blocked path until a NEON rows loop
// has been measured against it on an ARM board.
var rowsPath = false

func dot(x, y []float32) float32 {
	n16 := len(x) &^ 15
	if !asmVec || n16 == 0 {
		return dotGeneric(x, y)
	}
	var part [4]float32
	dotNEON(&x[0], &y[0], n16, &part)
	return (part[0] + part[1]) + (part[2] + part[3]) + dotGeneric(x[n16:], y[n16:])
}

func scale(alpha float32, x []float32) {
	n4 := len(x) &^ 3
	if asmVec && n4 > 0 {
		scaleNEON(alpha, &x[0], n4)
		x = x[n4:]
	}
	scaleGeneric(alpha, x)
}

func dot4(a, b []float32, ldb int) (out [4]float32) {
	for q := range out {
		out[q] = dot(a, b[q*ldb:q*ldb+len(a)])
	}
	return out
}

func rowsAdd(c, a, b []float32, ldb int) { rowsAddGeneric(c, a, b, ldb) }

func axpy(alpha float32, x, y []float32) { axpyGeneric(alpha, x, y) }

func asmKernels() []*gemmKernel {
	if hasNEON {
		return []*gemmKernel{&neonKernel}
	}
	return nil
}

// epilogueRow finishes row i, columns j0.. of C: with asmVec, the vector epilogue on the
// multiple-of-4 head of the row and the plain one on the rest.
func epilogueRow(ci []float32, i, j0 int, ep *Epilogue) {
	n4 := len(ci) &^ 3
	if !asmVec || n4 == 0 {
		applyEpilogue(ci, i, j0, ep)
		return
	}
	mode := int(ep.Act) << 2
	bias, res := &ci[0], &ci[0] // not read unless mode says so
	if ep.Bias != nil {
		mode |= 1
		_ = ep.Bias[j0+n4-1]
		bias = &ep.Bias[j0]
	}
	if ep.Residual != nil {
		mode |= 2
		_ = ep.Residual[i*ep.LDR+j0+n4-1]
		res = &ep.Residual[i*ep.LDR+j0]
	}
	epilogueRowNEON(&ci[0], bias, res, n4, mode)
	if n4 < len(ci) {
		applyEpilogue(ci[n4:], i, j0+n4, ep)
	}
}

func microNEON(kc int, a, b []float32, bs int, c []float32, ldc int, acc bool) {
	gemm8x12NEON(kc, &a[0], &b[0], 4*bs, &c[0], 4*ldc, acc)
}

// gemm8x12NEON is microNEON on raw pointers; strides in bytes.
//
//go:noescape
func gemm8x12NEON(kc int, a, b *float32, bsBytes int, c *float32, ldcBytes int, acc bool)

//go:noescape
func dotNEON(x, y *float32, n16 int, sum *[4]float32)

//go:noescape
func scaleNEON(alpha float32, x *float32, n4 int)

//go:noescape
func epilogueRowNEON(c, bias, res *float32, n4, mode int)
