//go:build !noasm

#include "textflag.h"
#include "kern/exp_amd64.h"

// ACCARGS loads the arguments of the acc4xW kernels: SI p, R8 ldp, R9 3·ldp, R13 the
// step of p from one key to the next, DI v, R10 ldv, CX kc, DX acc, R11 ldacc,
// R12 3·ldacc.
#define ACCARGS \
	MOVQ p+0(FP), SI            \
	MOVQ ldpBytes+8(FP), R8     \
	MOVQ pStepBytes+16(FP), R13 \
	MOVQ v+24(FP), DI           \
	MOVQ ldvBytes+32(FP), R10   \
	MOVQ kc+40(FP), CX          \
	MOVQ acc+48(FP), DX         \
	MOVQ ldaccBytes+56(FP), R11 \
	LEAQ (R8)(R8*2), R9         \
	LEAQ (R11)(R11*2), R12

// HSUM0 leaves the sum of Y0's eight lanes in X0's low lane (Y1 is clobbered).
#define HSUM0 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VHADDPS      X0, X0, X0 \
	VHADDPS      X0, X0, X0

// func addAVX2(dst, src *float32, n8 int)
TEXT ·addAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n8+16(FP), CX
	SHRQ $3, CX

addloop:
	VMOVUPS (SI), Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     addloop
	VZEROUPPER
	RET

// func addConstAVX2(dst, src *float32, n8 int, c float32)
TEXT ·addConstAVX2(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n8+16(FP), CX
	VBROADCASTSS c+24(FP), Y2
	SHRQ         $3, CX
	TESTQ        $1, CX
	JZ           acpairs
	VADDPS       (SI), Y2, Y0
	VMOVUPS      Y0, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DI

acpairs:
	SHRQ $1, CX
	JZ   acdone

acloop:
	VADDPS  (SI), Y2, Y0
	VADDPS  32(SI), Y2, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     acloop

acdone:
	VZEROUPPER
	RET

// func maxAVX2(x *float32, n8 int) float32
//
// The largest of x[i], i < n8 (a multiple of 8, at least 8), NaN ignored; -Inf when
// every value is NaN. VMAXPS returns its second source when either is NaN, so the
// accumulators (seeded with -Inf) are that source and a NaN in x never enters them.
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), SI
	MOVQ         n8+8(FP), CX
	SHRQ         $3, CX
	MOVL         $0xff800000, AX // -Inf
	MOVL         AX, X0
	VBROADCASTSS X0, Y0
	VMOVAPS      Y0, Y2

maxloop:
	VMOVUPS (SI), Y1
	VMAXPS  Y0, Y1, Y0 // Y0 = Y1 > Y0 ? Y1 : Y0
	ADDQ    $32, SI
	DECQ    CX
	JZ      maxdone
	VMOVUPS (SI), Y3
	VMAXPS  Y2, Y3, Y2
	ADDQ    $32, SI
	DECQ    CX
	JNZ     maxloop

maxdone:
	VMAXPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VMAXPS       X1, X0, X0
	VMOVSS       X0, ret+16(FP)
	VZEROUPPER
	RET

// func expScaleShiftAVX2(x *float32, n8 int, scale, shift float32) float32
//
// x[i] = exp(scale·x[i] - shift); returns the sum of the results.
TEXT ·expScaleShiftAVX2(SB), NOSPLIT, $0-28
	MOVQ         x+0(FP), DI
	MOVQ         n8+8(FP), CX
	VBROADCASTSS scale+16(FP), Y5
	VBROADCASTSS shift+20(FP), Y7
	VXORPS       Y6, Y6, Y6
	SHRQ         $3, CX
	EXPSETUP

essloop:
	VMOVUPS     (DI), Y0
	VFMSUB213PS Y7, Y5, Y0 // Y0 = Y0·scale - shift
	EXP(Y0, Y1, Y2, Y3, Y4)
	VMOVUPS     Y0, (DI)
	VADDPS      Y0, Y6, Y6
	ADDQ        $32, DI
	DECQ        CX
	JNZ         essloop

	VMOVAPS Y6, Y0
	HSUM0
	VMOVSS  X0, ret+24(FP)
	VZEROUPPER
	RET

// func expSumAVX2(x *float32, n8 int, shift float32) float64
//
// Σ exp(x[i] - shift), each group of eight summed in float64.
TEXT ·expSumAVX2(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), DI
	MOVQ         n8+8(FP), CX
	VBROADCASTSS shift+16(FP), Y7
	VXORPD       Y5, Y5, Y5
	VXORPD       Y6, Y6, Y6
	SHRQ         $3, CX
	EXPSETUP

esloop:
	VMOVUPS      (DI), Y0
	VSUBPS       Y7, Y0, Y0
	EXP(Y0, Y1, Y2, Y3, Y4)
	VEXTRACTF128 $1, Y0, X1
	VCVTPS2PD    X0, Y2
	VCVTPS2PD    X1, Y3
	VADDPD       Y2, Y5, Y5
	VADDPD       Y3, Y6, Y6
	ADDQ         $32, DI
	DECQ         CX
	JNZ          esloop

	VADDPD       Y6, Y5, Y5
	VEXTRACTF128 $1, Y5, X6
	VADDPD       X6, X5, X5
	VHADDPD      X5, X5, X5
	VMOVSD       X5, ret+24(FP)
	VZEROUPPER
	RET

// func sumSqAVX2(x *float32, n8 int) (sum, sq float64)
//
// Four float64 accumulators for each sum, sixteen floats a step, so the adds overlap.
TEXT ·sumSqAVX2(SB), NOSPLIT, $0-32
	MOVQ   x+0(FP), SI
	MOVQ   n8+8(FP), CX
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	SHRQ   $3, CX
	TESTQ  $1, CX
	JZ     sspairs
	VCVTPS2PD   (SI), Y2
	VCVTPS2PD   16(SI), Y3
	VADDPD      Y2, Y4, Y4
	VADDPD      Y3, Y5, Y5
	VFMADD231PD Y2, Y2, Y6
	VFMADD231PD Y3, Y3, Y7
	ADDQ        $32, SI

sspairs:
	SHRQ $1, CX
	JZ   ssdone

ssloop:
	VCVTPS2PD   (SI), Y0
	VCVTPS2PD   16(SI), Y1
	VCVTPS2PD   32(SI), Y2
	VCVTPS2PD   48(SI), Y3
	VADDPD      Y0, Y4, Y4
	VADDPD      Y1, Y5, Y5
	VADDPD      Y2, Y8, Y8
	VADDPD      Y3, Y9, Y9
	VFMADD231PD Y0, Y0, Y6
	VFMADD231PD Y1, Y1, Y7
	VFMADD231PD Y2, Y2, Y10
	VFMADD231PD Y3, Y3, Y11
	ADDQ        $64, SI
	DECQ        CX
	JNZ         ssloop

ssdone:
	VADDPD       Y8, Y4, Y4
	VADDPD       Y9, Y5, Y5
	VADDPD       Y10, Y6, Y6
	VADDPD       Y11, Y7, Y7
	VADDPD       Y5, Y4, Y4
	VEXTRACTF128 $1, Y4, X5
	VADDPD       X5, X4, X4
	VHADDPD      X4, X4, X4
	VMOVSD       X4, sum+16(FP)
	VADDPD       Y7, Y6, Y6
	VEXTRACTF128 $1, Y6, X7
	VADDPD       X7, X6, X6
	VHADDPD      X6, X6, X6
	VMOVSD       X6, sq+24(FP)
	VZEROUPPER
	RET

// func normRowAVX2(y, x, gain, bias *float32, n8 int, mean, rstd float32)
//
// y[i] = (x[i] - mean)·rstd·g[i] + b[i].
TEXT ·normRowAVX2(SB), NOSPLIT, $0-48
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         gain+16(FP), R8
	MOVQ         bias+24(FP), R9
	MOVQ         n8+32(FP), CX
	VBROADCASTSS mean+40(FP), Y6
	VBROADCASTSS rstd+44(FP), Y7
	SHRQ         $3, CX

nrloop:
	VMOVUPS     (SI), Y0
	VSUBPS      Y6, Y0, Y0
	VMULPS      Y7, Y0, Y0
	VMOVUPS     (R9), Y1
	VFMADD231PS (R8), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	ADDQ        $32, R8
	ADDQ        $32, R9
	DECQ        CX
	JNZ         nrloop
	VZEROUPPER
	RET

// func dot4x3AVX2(q *float32, ldqBytes int, k *float32, ldkBytes int, n8 int, s *float32, ldsBytes int)
//
// Twelve accumulators (4 rows of q × 3 rows of k), three k vectors and one q vector:
// all sixteen registers, 12 FMAs per 7 loads. The sums leave in row-major order of the
// tile, four per register, through three horizontal-add trees.
TEXT ·dot4x3AVX2(SB), NOSPLIT, $0-56
	MOVQ   q+0(FP), SI
	MOVQ   ldqBytes+8(FP), R8
	MOVQ   k+16(FP), DI
	MOVQ   ldkBytes+24(FP), R10
	MOVQ   n8+32(FP), CX
	MOVQ   s+40(FP), DX
	MOVQ   ldsBytes+48(FP), R11
	LEAQ   (R8)(R8*2), R9
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	SHRQ   $3, CX

d43loop:
	VMOVUPS     (DI), Y12
	VMOVUPS     (DI)(R10*1), Y13
	VMOVUPS     (DI)(R10*2), Y14
	VMOVUPS     (SI), Y15
	VFMADD231PS Y12, Y15, Y0
	VFMADD231PS Y13, Y15, Y1
	VFMADD231PS Y14, Y15, Y2
	VMOVUPS     (SI)(R8*1), Y15
	VFMADD231PS Y12, Y15, Y3
	VFMADD231PS Y13, Y15, Y4
	VFMADD231PS Y14, Y15, Y5
	VMOVUPS     (SI)(R8*2), Y15
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VFMADD231PS Y14, Y15, Y8
	VMOVUPS     (SI)(R9*1), Y15
	VFMADD231PS Y12, Y15, Y9
	VFMADD231PS Y13, Y15, Y10
	VFMADD231PS Y14, Y15, Y11
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         d43loop

	// X0 = [s00 s01 s02 s10], X4 = [s11 s12 s20 s21], X8 = [s22 s30 s31 s32].
	VHADDPS      Y1, Y0, Y0
	VHADDPS      Y3, Y2, Y2
	VHADDPS      Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      Y5, Y4, Y4
	VHADDPS      Y7, Y6, Y6
	VHADDPS      Y6, Y4, Y4
	VEXTRACTF128 $1, Y4, X5
	VADDPS       X5, X4, X4
	VHADDPS      Y9, Y8, Y8
	VHADDPS      Y11, Y10, Y10
	VHADDPS      Y10, Y8, Y8
	VEXTRACTF128 $1, Y8, X9
	VADDPS       X9, X8, X8

	VMOVSS     X0, (DX)
	VEXTRACTPS $1, X0, 4(DX)
	VEXTRACTPS $2, X0, 8(DX)
	ADDQ       R11, DX
	VEXTRACTPS $3, X0, (DX)
	VMOVSS     X4, 4(DX)
	VEXTRACTPS $1, X4, 8(DX)
	ADDQ       R11, DX
	VEXTRACTPS $2, X4, (DX)
	VEXTRACTPS $3, X4, 4(DX)
	VMOVSS     X8, 8(DX)
	ADDQ       R11, DX
	VEXTRACTPS $1, X8, (DX)
	VEXTRACTPS $2, X8, 4(DX)
	VEXTRACTPS $3, X8, 8(DX)
	VZEROUPPER
	RET

// func dot4x1AVX2(q *float32, ldqBytes int, k *float32, n8 int, s *float32, ldsBytes int)
TEXT ·dot4x1AVX2(SB), NOSPLIT, $0-48
	MOVQ   q+0(FP), SI
	MOVQ   ldqBytes+8(FP), R8
	MOVQ   k+16(FP), DI
	MOVQ   n8+24(FP), CX
	MOVQ   s+32(FP), DX
	MOVQ   ldsBytes+40(FP), R11
	LEAQ   (R8)(R8*2), R9
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	SHRQ   $3, CX

d41loop:
	VMOVUPS     (DI), Y12
	VFMADD231PS (SI), Y12, Y0
	VFMADD231PS (SI)(R8*1), Y12, Y1
	VFMADD231PS (SI)(R8*2), Y12, Y2
	VFMADD231PS (SI)(R9*1), Y12, Y3
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         d41loop

	VHADDPS      Y1, Y0, Y0
	VHADDPS      Y3, Y2, Y2
	VHADDPS      Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVSS       X0, (DX)
	ADDQ         R11, DX
	VEXTRACTPS   $1, X0, (DX)
	ADDQ         R11, DX
	VEXTRACTPS   $2, X0, (DX)
	ADDQ         R11, DX
	VEXTRACTPS   $3, X0, (DX)
	VZEROUPPER
	RET

// func acc4x24AVX2(p *float32, ldpBytes, pStepBytes int, v *float32, ldvBytes int, kc int, acc *float32, ldaccBytes int)
//
// The 4×24 tile of acc in twelve registers; per key, three vectors of v and a broadcast
// of each row's probability.
TEXT ·acc4x24AVX2(SB), NOSPLIT, $0-64
	ACCARGS
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS 64(DX), Y2
	VMOVUPS (DX)(R11*1), Y3
	VMOVUPS 32(DX)(R11*1), Y4
	VMOVUPS 64(DX)(R11*1), Y5
	VMOVUPS (DX)(R11*2), Y6
	VMOVUPS 32(DX)(R11*2), Y7
	VMOVUPS 64(DX)(R11*2), Y8
	VMOVUPS (DX)(R12*1), Y9
	VMOVUPS 32(DX)(R12*1), Y10
	VMOVUPS 64(DX)(R12*1), Y11

a24loop:
	VMOVUPS      (DI), Y12
	VMOVUPS      32(DI), Y13
	VMOVUPS      64(DI), Y14
	VBROADCASTSS (SI), Y15
	VFMADD231PS  Y12, Y15, Y0
	VFMADD231PS  Y13, Y15, Y1
	VFMADD231PS  Y14, Y15, Y2
	VBROADCASTSS (SI)(R8*1), Y15
	VFMADD231PS  Y12, Y15, Y3
	VFMADD231PS  Y13, Y15, Y4
	VFMADD231PS  Y14, Y15, Y5
	VBROADCASTSS (SI)(R8*2), Y15
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VFMADD231PS  Y14, Y15, Y8
	VBROADCASTSS (SI)(R9*1), Y15
	VFMADD231PS  Y12, Y15, Y9
	VFMADD231PS  Y13, Y15, Y10
	VFMADD231PS  Y14, Y15, Y11
	ADDQ         R13, SI
	ADDQ         R10, DI
	DECQ         CX
	JNZ          a24loop

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, (DX)(R11*1)
	VMOVUPS Y4, 32(DX)(R11*1)
	VMOVUPS Y5, 64(DX)(R11*1)
	VMOVUPS Y6, (DX)(R11*2)
	VMOVUPS Y7, 32(DX)(R11*2)
	VMOVUPS Y8, 64(DX)(R11*2)
	VMOVUPS Y9, (DX)(R12*1)
	VMOVUPS Y10, 32(DX)(R12*1)
	VMOVUPS Y11, 64(DX)(R12*1)
	VZEROUPPER
	RET

// func acc4x16AVX2(p *float32, ldpBytes, pStepBytes int, v *float32, ldvBytes int, kc int, acc *float32, ldaccBytes int)
TEXT ·acc4x16AVX2(SB), NOSPLIT, $0-64
	ACCARGS
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS (DX)(R11*1), Y3
	VMOVUPS 32(DX)(R11*1), Y4
	VMOVUPS (DX)(R11*2), Y6
	VMOVUPS 32(DX)(R11*2), Y7
	VMOVUPS (DX)(R12*1), Y9
	VMOVUPS 32(DX)(R12*1), Y10

a16loop:
	VMOVUPS      (DI), Y12
	VMOVUPS      32(DI), Y13
	VBROADCASTSS (SI), Y15
	VFMADD231PS  Y12, Y15, Y0
	VFMADD231PS  Y13, Y15, Y1
	VBROADCASTSS (SI)(R8*1), Y14
	VFMADD231PS  Y12, Y14, Y3
	VFMADD231PS  Y13, Y14, Y4
	VBROADCASTSS (SI)(R8*2), Y15
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS (SI)(R9*1), Y14
	VFMADD231PS  Y12, Y14, Y9
	VFMADD231PS  Y13, Y14, Y10
	ADDQ         R13, SI
	ADDQ         R10, DI
	DECQ         CX
	JNZ          a16loop

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y3, (DX)(R11*1)
	VMOVUPS Y4, 32(DX)(R11*1)
	VMOVUPS Y6, (DX)(R11*2)
	VMOVUPS Y7, 32(DX)(R11*2)
	VMOVUPS Y9, (DX)(R12*1)
	VMOVUPS Y10, 32(DX)(R12*1)
	VZEROUPPER
	RET

// func acc4x8AVX2(p *float32, ldpBytes, pStepBytes int, v *float32, ldvBytes int, kc int, acc *float32, ldaccBytes int)
TEXT ·acc4x8AVX2(SB), NOSPLIT, $0-64
	ACCARGS
	VMOVUPS (DX), Y0
	VMOVUPS (DX)(R11*1), Y3
	VMOVUPS (DX)(R11*2), Y6
	VMOVUPS (DX)(R12*1), Y9

a8loop:
	VMOVUPS     (DI), Y12
	VBROADCASTSS (SI), Y15
	VFMADD231PS Y12, Y15, Y0
	VBROADCASTSS (SI)(R8*1), Y14
	VFMADD231PS Y12, Y14, Y3
	VBROADCASTSS (SI)(R8*2), Y13
	VFMADD231PS Y12, Y13, Y6
	VBROADCASTSS (SI)(R9*1), Y11
	VFMADD231PS Y12, Y11, Y9
	ADDQ        R13, SI
	ADDQ        R10, DI
	DECQ        CX
	JNZ         a8loop

	VMOVUPS Y0, (DX)
	VMOVUPS Y3, (DX)(R11*1)
	VMOVUPS Y6, (DX)(R11*2)
	VMOVUPS Y9, (DX)(R12*1)
	VZEROUPPER
	RET

// func lanes6AVX2(a, b *float32, bRowBytes, bStepBytes, n int, s *float32, acc bool)
//
// s[r·16 + i] (+)= Σ_{l<n} a[l·16 + i]·b[r·bRow + l·bStep] for six rows r and sixteen
// lanes i (added to s when acc): twelve accumulators (6 rows × 2 vectors of lanes), per
// l two loads of a's row and a broadcast of each row's element of b; no horizontal sums.
TEXT ·lanes6AVX2(SB), NOSPLIT, $0-49
	MOVQ    a+0(FP), SI
	MOVQ    b+8(FP), DI
	MOVQ    bRowBytes+16(FP), R8
	MOVQ    bStepBytes+24(FP), R11
	MOVQ    n+32(FP), CX
	MOVQ    s+40(FP), DX
	LEAQ    (DI)(R8*2), R9
	ADDQ    R8, R9
	MOVBLZX acc+48(FP), AX
	TESTQ   AX, AX
	JZ      l6zero
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS 64(DX), Y2
	VMOVUPS 96(DX), Y3
	VMOVUPS 128(DX), Y4
	VMOVUPS 160(DX), Y5
	VMOVUPS 192(DX), Y6
	VMOVUPS 224(DX), Y7
	VMOVUPS 256(DX), Y8
	VMOVUPS 288(DX), Y9
	VMOVUPS 320(DX), Y10
	VMOVUPS 352(DX), Y11
	JMP     l6loop

l6zero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

l6loop:
	VMOVUPS      (SI), Y12
	VMOVUPS      32(SI), Y13
	VBROADCASTSS (DI), Y14
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	VBROADCASTSS (DI)(R8*1), Y15
	VFMADD231PS  Y12, Y15, Y2
	VFMADD231PS  Y13, Y15, Y3
	VBROADCASTSS (DI)(R8*2), Y14
	VFMADD231PS  Y12, Y14, Y4
	VFMADD231PS  Y13, Y14, Y5
	VBROADCASTSS (R9), Y15
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS (R9)(R8*1), Y14
	VFMADD231PS  Y12, Y14, Y8
	VFMADD231PS  Y13, Y14, Y9
	VBROADCASTSS (R9)(R8*2), Y15
	VFMADD231PS  Y12, Y15, Y10
	VFMADD231PS  Y13, Y15, Y11
	ADDQ         $64, SI
	ADDQ         R11, DI
	ADDQ         R11, R9
	DECQ         CX
	JNZ          l6loop

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	VMOVUPS Y4, 128(DX)
	VMOVUPS Y5, 160(DX)
	VMOVUPS Y6, 192(DX)
	VMOVUPS Y7, 224(DX)
	VMOVUPS Y8, 256(DX)
	VMOVUPS Y9, 288(DX)
	VMOVUPS Y10, 320(DX)
	VMOVUPS Y11, 352(DX)
	VZEROUPPER
	RET

// func lanes4AVX2(a, b *float32, bRowBytes, bStepBytes, n int, s *float32, acc bool)
//
// lanes6AVX2 for four rows: eight accumulators.
TEXT ·lanes4AVX2(SB), NOSPLIT, $0-49
	MOVQ    a+0(FP), SI
	MOVQ    b+8(FP), DI
	MOVQ    bRowBytes+16(FP), R8
	MOVQ    bStepBytes+24(FP), R11
	MOVQ    n+32(FP), CX
	MOVQ    s+40(FP), DX
	LEAQ    (DI)(R8*2), R9
	ADDQ    R8, R9
	MOVBLZX acc+48(FP), AX
	TESTQ   AX, AX
	JZ      l4zero
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS 64(DX), Y2
	VMOVUPS 96(DX), Y3
	VMOVUPS 128(DX), Y4
	VMOVUPS 160(DX), Y5
	VMOVUPS 192(DX), Y6
	VMOVUPS 224(DX), Y7
	JMP     l4loop

l4zero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

l4loop:
	VMOVUPS      (SI), Y12
	VMOVUPS      32(SI), Y13
	VBROADCASTSS (DI), Y14
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	VBROADCASTSS (DI)(R8*1), Y15
	VFMADD231PS  Y12, Y15, Y2
	VFMADD231PS  Y13, Y15, Y3
	VBROADCASTSS (DI)(R8*2), Y14
	VFMADD231PS  Y12, Y14, Y4
	VFMADD231PS  Y13, Y14, Y5
	VBROADCASTSS (R9), Y15
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	ADDQ         $64, SI
	ADDQ         R11, DI
	ADDQ         R11, R9
	DECQ         CX
	JNZ          l4loop

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	VMOVUPS Y4, 128(DX)
	VMOVUPS Y5, 160(DX)
	VMOVUPS Y6, 192(DX)
	VMOVUPS Y7, 224(DX)
	VZEROUPPER
	RET

// func lanes1AVX2(a, b *float32, bStepBytes, n int, s *float32, acc bool)
//
// lanes6AVX2 for one row, two partial sums per vector so the FMAs overlap.
TEXT ·lanes1AVX2(SB), NOSPLIT, $0-41
	MOVQ    a+0(FP), SI
	MOVQ    b+8(FP), DI
	MOVQ    bStepBytes+16(FP), R11
	MOVQ    n+24(FP), CX
	MOVQ    s+32(FP), DX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	MOVBLZX acc+40(FP), AX
	TESTQ   AX, AX
	JZ      l1zero
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1

l1zero:
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	TESTQ  $1, CX
	JZ     l1pairs
	VBROADCASTSS (DI), Y14
	VFMADD231PS  (SI), Y14, Y0
	VFMADD231PS  32(SI), Y14, Y1
	ADDQ         $64, SI
	ADDQ         R11, DI

l1pairs:
	SHRQ $1, CX
	JZ   l1done

l1loop:
	VBROADCASTSS (DI), Y14
	VBROADCASTSS (DI)(R11*1), Y15
	VFMADD231PS  (SI), Y14, Y0
	VFMADD231PS  32(SI), Y14, Y1
	VFMADD231PS  64(SI), Y15, Y2
	VFMADD231PS  96(SI), Y15, Y3
	ADDQ         $128, SI
	LEAQ         (DI)(R11*2), DI
	DECQ         CX
	JNZ          l1loop

l1done:
	VADDPS  Y2, Y0, Y0
	VADDPS  Y3, Y1, Y1
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VZEROUPPER
	RET

// func colScale16AVX2(s *float32, rows int, f *[16]float32)
//
// s[j·16 + i] *= f[i] for j < rows.
TEXT ·colScale16AVX2(SB), NOSPLIT, $0-24
	MOVQ    s+0(FP), DI
	MOVQ    rows+8(FP), CX
	MOVQ    f+16(FP), DX
	VMOVUPS (DX), Y2
	VMOVUPS 32(DX), Y3

csloop:
	VMULPS  (DI), Y2, Y0
	VMULPS  32(DI), Y3, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, DI
	DECQ    CX
	JNZ     csloop
	VZEROUPPER
	RET

// func colMax16AVX2(s *float32, rows int, m *[16]float32)
//
// m[i] = max(m[i], s[j·16 + i] for j < rows).
TEXT ·colMax16AVX2(SB), NOSPLIT, $0-24
	MOVQ    s+0(FP), SI
	MOVQ    rows+8(FP), CX
	MOVQ    m+16(FP), DX
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1

cmloop:
	VMAXPS (SI), Y0, Y0
	VMAXPS 32(SI), Y1, Y1
	ADDQ   $64, SI
	DECQ   CX
	JNZ    cmloop

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VZEROUPPER
	RET

// func colExp16AVX2(s *float32, rows int, scale float32, shift, sum *[16]float32)
//
// s[j·16 + i] = exp(scale·s[j·16 + i] - shift[i]) for j < rows; sum[i] += the new values.
TEXT ·colExp16AVX2(SB), NOSPLIT, $0-40
	MOVQ         s+0(FP), DI
	MOVQ         rows+8(FP), CX
	VBROADCASTSS scale+16(FP), Y7
	MOVQ         shift+24(FP), R8
	MOVQ         sum+32(FP), DX
	VMOVUPS      (DX), Y5
	VMOVUPS      32(DX), Y6
	EXPSETUP

celoop:
	VMOVUPS     (DI), Y0
	VFMSUB213PS (R8), Y7, Y0 // Y0 = Y0·scale - shift[0:8]
	EXP(Y0, Y1, Y2, Y3, Y4)
	VMOVUPS     Y0, (DI)
	VADDPS      Y0, Y5, Y5
	VMOVUPS     32(DI), Y0
	VFMSUB213PS 32(R8), Y7, Y0
	EXP(Y0, Y1, Y2, Y3, Y4)
	VMOVUPS     Y0, 32(DI)
	VADDPS      Y0, Y6, Y6
	ADDQ        $64, DI
	DECQ        CX
	JNZ         celoop

	VMOVUPS Y5, (DX)
	VMOVUPS Y6, 32(DX)
	VZEROUPPER
	RET

// func transpose8x8AVX2(src *float32, ldsBytes int, dst *float32, lddBytes int)
//
// dst[c·ldd + r] = src[r·lds + c] for r, c < 8: unpack pairs, shuffle quads, swap
// 128-bit halves.
TEXT ·transpose8x8AVX2(SB), NOSPLIT, $0-32
	MOVQ    src+0(FP), SI
	MOVQ    ldsBytes+8(FP), R8
	MOVQ    dst+16(FP), DI
	MOVQ    lddBytes+24(FP), R9
	LEAQ    (R8)(R8*2), R10
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R8*1), Y1
	VMOVUPS (SI)(R8*2), Y2
	VMOVUPS (SI)(R10*1), Y3
	LEAQ    (SI)(R8*4), SI
	VMOVUPS (SI), Y4
	VMOVUPS (SI)(R8*1), Y5
	VMOVUPS (SI)(R8*2), Y6
	VMOVUPS (SI)(R10*1), Y7

	VUNPCKLPS Y1, Y0, Y8  // r0 r1 interleaved, low pairs
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0 // columns 0 (and 4) of rows 0-3
	VSHUFPS $0xee, Y10, Y8, Y1 // columns 1 (and 5)
	VSHUFPS $0x44, Y11, Y9, Y2 // columns 2 (and 6)
	VSHUFPS $0xee, Y11, Y9, Y3 // columns 3 (and 7)
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xee, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xee, Y15, Y13, Y7

	LEAQ       (R9)(R9*2), R10
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS    Y8, (DI)
	VMOVUPS    Y9, (DI)(R9*1)
	VMOVUPS    Y10, (DI)(R9*2)
	VMOVUPS    Y11, (DI)(R10*1)
	LEAQ       (DI)(R9*4), DI
	VMOVUPS    Y12, (DI)
	VMOVUPS    Y13, (DI)(R9*1)
	VMOVUPS    Y14, (DI)(R9*2)
	VMOVUPS    Y15, (DI)(R10*1)
	VZEROUPPER
	RET
