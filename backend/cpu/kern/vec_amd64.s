//go:build !noasm

#include "textflag.h"

// Horizontal sum of Y0 into X0's low lane.
#define HSUM \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VHADDPS      X0, X0, X0 \
	VHADDPS      X0, X0, X0

// func dotAVX2(x, y *float32, n8 int) float32
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   n8+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ   CX, DX
	SHRQ   $5, DX
	JZ     dottail

dot32:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VMOVUPS     64(SI), Y6
	VMOVUPS     96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ        $128, SI
	ADDQ        $128, DI
	DECQ        DX
	JNZ         dot32

dottail:
	ANDQ $31, CX
	SHRQ $3, CX
	JZ   dotsum

dot8:
	VMOVUPS     (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         dot8

dotsum:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM
	MOVSS  X0, ret+24(FP)
	VZEROUPPER
	RET

// func scaleAVX2(alpha float32, x *float32, n8 int)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-24
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ         x+8(FP), DI
	MOVQ         n8+16(FP), CX
	SHRQ         $3, CX
	JZ           scaledone

scale8:
	VMULPS  (DI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     scale8

scaledone:
	VZEROUPPER
	RET

// func dot4AVX2(a, b *float32, ldbBytes, k8 int, out *[4]float32)
//
// out[q] = Σ a[l]·b[q·ldb+l] for q < 4, l < k8 (a multiple of 8): one row of A against
// four rows of an [n, k] B, each read in order.
TEXT ·dot4AVX2(SB), NOSPLIT, $0-40
	MOVQ   a+0(FP), SI
	MOVQ   b+8(FP), BX
	MOVQ   ldbBytes+16(FP), DI
	MOVQ   k8+24(FP), CX
	MOVQ   out+32(FP), DX
	LEAQ   (BX)(DI*1), R8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ   CX, R9
	SHRQ   $4, R9
	JZ     dot4tail

dot4loop:
	VMOVUPS     (SI), Y8
	VMOVUPS     32(SI), Y9
	VFMADD231PS (BX), Y8, Y0
	VFMADD231PS 32(BX), Y9, Y4
	VFMADD231PS (R8), Y8, Y1
	VFMADD231PS 32(R8), Y9, Y5
	VFMADD231PS (BX)(DI*2), Y8, Y2
	VFMADD231PS 32(BX)(DI*2), Y9, Y6
	VFMADD231PS (R8)(DI*2), Y8, Y3
	VFMADD231PS 32(R8)(DI*2), Y9, Y7
	ADDQ        $64, SI
	ADDQ        $64, BX
	ADDQ        $64, R8
	DECQ        R9
	JNZ         dot4loop

dot4tail:
	TESTQ $8, CX
	JZ    dot4sum
	VMOVUPS     (SI), Y8
	VFMADD231PS (BX), Y8, Y0
	VFMADD231PS (R8), Y8, Y1
	VFMADD231PS (BX)(DI*2), Y8, Y2
	VFMADD231PS (R8)(DI*2), Y8, Y3

dot4sum:
	VADDPS       Y4, Y0, Y0
	VADDPS       Y5, Y1, Y1
	VADDPS       Y6, Y2, Y2
	VADDPS       Y7, Y3, Y3
	VHADDPS      Y1, Y0, Y0
	VHADDPS      Y3, Y2, Y2
	VHADDPS      Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVUPS      X0, (DX)
	VZEROUPPER
	RET

// func rowsAddAVX2(c *float32, n32 int, a *float32, k int, b *float32, ldbBytes int)
//
// c[j] += Σ a[l]·b[l·ldb+j] for j < n32 (a multiple of 32), l < k (at least 1): row
// by row, 32 columns of c at a time, so b is read in memory order (one stream: with
// four rows at a time the four interleaved streams ran 10-35 % slower where rows are
// short).
TEXT ·rowsAddAVX2(SB), NOSPLIT, $0-48
	MOVQ c+0(FP), DI
	MOVQ n32+8(FP), CX
	SHLQ $2, CX
	MOVQ a+16(FP), SI
	MOVQ k+24(FP), R10
	MOVQ b+32(FP), BX
	MOVQ ldbBytes+40(FP), R8

rowsrow:
	VBROADCASTSS (SI), Y12
	XORQ         AX, AX

rowscol:
	VMOVUPS     (DI)(AX*1), Y0
	VMOVUPS     32(DI)(AX*1), Y1
	VMOVUPS     64(DI)(AX*1), Y2
	VMOVUPS     96(DI)(AX*1), Y3
	VFMADD231PS (BX)(AX*1), Y12, Y0
	VFMADD231PS 32(BX)(AX*1), Y12, Y1
	VFMADD231PS 64(BX)(AX*1), Y12, Y2
	VFMADD231PS 96(BX)(AX*1), Y12, Y3
	VMOVUPS     Y0, (DI)(AX*1)
	VMOVUPS     Y1, 32(DI)(AX*1)
	VMOVUPS     Y2, 64(DI)(AX*1)
	VMOVUPS     Y3, 96(DI)(AX*1)
	ADDQ        $128, AX
	CMPQ        AX, CX
	JLT         rowscol

	ADDQ $4, SI
	ADDQ R8, BX
	DECQ R10
	JNZ  rowsrow
	VZEROUPPER
	RET

// func axpyAVX2(alpha float32, x, y *float32, n8 int)
//
// y[i] += alpha·x[i] for i < n8 (a multiple of 8).
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DI
	MOVQ         n8+24(FP), CX
	SHRQ         $3, CX
	JZ           axpydone

axpy8:
	VMOVUPS     (DI), Y1
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         axpy8

axpydone:
	VZEROUPPER
	RET
