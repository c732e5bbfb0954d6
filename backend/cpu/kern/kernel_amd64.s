//go:build !noasm

#include "textflag.h"

// One step l of the 6×16 tile: B row l in Y12:Y13, A(r, l) broadcast into Y14/Y15
// (alternating so a broadcast need not wait for the FMAs of the previous row).
#define STEP(aoff) \
	PREFETCHT0   (BX)(R13*1)         \
	VMOVUPS      (BX), Y12           \
	VMOVUPS      32(BX), Y13         \
	VBROADCASTSS (aoff+0)(AX), Y14   \
	VFMADD231PS  Y12, Y14, Y0        \
	VFMADD231PS  Y13, Y14, Y1        \
	VBROADCASTSS (aoff+4)(AX), Y15   \
	VFMADD231PS  Y12, Y15, Y2        \
	VFMADD231PS  Y13, Y15, Y3        \
	VBROADCASTSS (aoff+8)(AX), Y14   \
	VFMADD231PS  Y12, Y14, Y4        \
	VFMADD231PS  Y13, Y14, Y5        \
	VBROADCASTSS (aoff+12)(AX), Y15  \
	VFMADD231PS  Y12, Y15, Y6        \
	VFMADD231PS  Y13, Y15, Y7        \
	VBROADCASTSS (aoff+16)(AX), Y14  \
	VFMADD231PS  Y12, Y14, Y8        \
	VFMADD231PS  Y13, Y14, Y9        \
	VBROADCASTSS (aoff+20)(AX), Y15  \
	VFMADD231PS  Y12, Y15, Y10       \
	VFMADD231PS  Y13, Y15, Y11       \
	ADDQ         R8, BX

// Row r of the tile to C at DX (C += when acc), then DX to the next row.
#define STOREROW(y0, y1) \
	TESTB   R10B, R10B   \
	JZ      3(PC)        \
	VADDPS  (DX), y0, y0 \
	VADDPS  32(DX), y1, y1 \
	VMOVUPS y0, (DX)     \
	VMOVUPS y1, 32(DX)   \
	ADDQ    R9, DX

// func gemm6x16AVX2(kc int, a, b *float32, bsBytes int, c *float32, ldcBytes int, acc bool)
TEXT ·gemm6x16AVX2(SB), NOSPLIT, $0-49
	MOVQ    kc+0(FP), CX
	MOVQ    a+8(FP), AX
	MOVQ    b+16(FP), BX
	MOVQ    bsBytes+24(FP), R8
	MOVQ    c+32(FP), DX
	MOVQ    ldcBytes+40(FP), R9
	MOVBLZX acc+48(FP), R10
	LEAQ    (R8*8), R13 // B prefetch distance: 8 steps

	// Warm the C tile while the products run.
	MOVQ       DX, R11
	PREFETCHT0 (R11)
	PREFETCHT0 60(R11)
	ADDQ       R9, R11
	PREFETCHT0 (R11)
	PREFETCHT0 60(R11)
	ADDQ       R9, R11
	PREFETCHT0 (R11)
	PREFETCHT0 60(R11)
	ADDQ       R9, R11
	PREFETCHT0 (R11)
	PREFETCHT0 60(R11)
	ADDQ       R9, R11
	PREFETCHT0 (R11)
	PREFETCHT0 60(R11)
	ADDQ       R9, R11
	PREFETCHT0 (R11)
	PREFETCHT0 60(R11)

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

	MOVQ CX, R12
	SHRQ $2, R12
	JZ   tail

loop4:
	PREFETCHT0 384(AX)
	STEP(0)
	STEP(24)
	STEP(48)
	STEP(72)
	ADDQ $96, AX
	DECQ R12
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   store

loop1:
	STEP(0)
	ADDQ $24, AX
	DECQ CX
	JNZ  loop1

store:
	STOREROW(Y0, Y1)
	STOREROW(Y2, Y3)
	STOREROW(Y4, Y5)
	STOREROW(Y6, Y7)
	STOREROW(Y8, Y9)
	STOREROW(Y10, Y11)
	VZEROUPPER
	RET
