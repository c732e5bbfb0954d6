//go:build !noasm

#include "textflag.h"

// One step l of the 4×24 tile: B row l (at boff from BX) in Y12:Y14, A(r, l) broadcast
// into Y15. Four broadcasts per 12 FMAs: a broadcast from memory takes a slot on an FP
// pipe on Zen, so the 6×16 shape (six per 12) leaves the FMA pipes idle more often. A
// packed panel's rows are 96 bytes apart, so its four steps of a round read B at fixed
// offsets and BX moves once a round (2-3 % of the peak faster than moving it by the
// stride each step, which B read in place needs).
#define STEP(aoff, boff) \
	VMOVUPS      (boff+0)(BX), Y12   \
	VMOVUPS      (boff+32)(BX), Y13  \
	VMOVUPS      (boff+64)(BX), Y14  \
	VBROADCASTSS (aoff+0)(AX), Y15   \
	VFMADD231PS  Y12, Y15, Y0        \
	VFMADD231PS  Y13, Y15, Y1        \
	VFMADD231PS  Y14, Y15, Y2        \
	VBROADCASTSS (aoff+4)(AX), Y15   \
	VFMADD231PS  Y12, Y15, Y3        \
	VFMADD231PS  Y13, Y15, Y4        \
	VFMADD231PS  Y14, Y15, Y5        \
	VBROADCASTSS (aoff+8)(AX), Y15   \
	VFMADD231PS  Y12, Y15, Y6        \
	VFMADD231PS  Y13, Y15, Y7        \
	VFMADD231PS  Y14, Y15, Y8        \
	VBROADCASTSS (aoff+12)(AX), Y15  \
	VFMADD231PS  Y12, Y15, Y9        \
	VFMADD231PS  Y13, Y15, Y10       \
	VFMADD231PS  Y14, Y15, Y11

// Row r of the tile to C at DX (C += when acc), then DX to the next row.
#define STOREROW(y0, y1, y2) \
	TESTB   R10B, R10B     \
	JZ      4(PC)          \
	VADDPS  (DX), y0, y0   \
	VADDPS  32(DX), y1, y1 \
	VADDPS  64(DX), y2, y2 \
	VMOVUPS y0, (DX)       \
	VMOVUPS y1, 32(DX)     \
	VMOVUPS y2, 64(DX)     \
	ADDQ    R9, DX

// func gemm4x24AVX2(kc int, a, b *float32, bsBytes int, c *float32, ldcBytes int, acc bool)
TEXT ·gemm4x24AVX2(SB), NOSPLIT, $0-49
	MOVQ    kc+0(FP), CX
	MOVQ    a+8(FP), AX
	MOVQ    b+16(FP), BX
	MOVQ    bsBytes+24(FP), R8
	MOVQ    c+32(FP), DX
	MOVQ    ldcBytes+40(FP), R9
	MOVBLZX acc+48(FP), R10

	// Warm the C tile while the products run.
	MOVQ       DX, R11
	PREFETCHT0 (R11)
	PREFETCHT0 92(R11)
	ADDQ       R9, R11
	PREFETCHT0 (R11)
	PREFETCHT0 92(R11)
	ADDQ       R9, R11
	PREFETCHT0 (R11)
	PREFETCHT0 92(R11)
	ADDQ       R9, R11
	PREFETCHT0 (R11)
	PREFETCHT0 92(R11)

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
	CMPQ R8, $96
	JNE  loop4

	// A packed panel: one pointer update per four steps.
loopp:
	PREFETCHT0 256(AX)
	STEP(0, 0)
	STEP(16, 96)
	STEP(32, 192)
	STEP(48, 288)
	ADDQ $384, BX
	ADDQ $64, AX
	DECQ R12
	JNZ  loopp
	JMP  tail

loop4:
	PREFETCHT0 256(AX)
	STEP(0, 0)
	ADDQ R8, BX
	STEP(16, 0)
	ADDQ R8, BX
	STEP(32, 0)
	ADDQ R8, BX
	STEP(48, 0)
	ADDQ R8, BX
	ADDQ $64, AX
	DECQ R12
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   store

loop1:
	STEP(0, 0)
	ADDQ R8, BX
	ADDQ $16, AX
	DECQ CX
	JNZ  loop1

store:
	STOREROW(Y0, Y1, Y2)
	STOREROW(Y3, Y4, Y5)
	STOREROW(Y6, Y7, Y8)
	STOREROW(Y9, Y10, Y11)
	VZEROUPPER
	RET
