//go:build !noasm

#include "textflag.h"

// The 12×32 AVX-512 tile: row r of C in Z(2r), Z(2r+1) (24 accumulators), B row l in
// Z30:Z31, A(r, l) broadcast into Z29. 2 loads and 12 broadcasts per 24 FMAs; with
// 12 rows a 192-token product is 16 full tiles.
#define ROW(aoff, c0, c1) \
	VBROADCASTSS aoff(AX), Z29 \
	VFMADD231PS  Z30, Z29, c0  \
	VFMADD231PS  Z31, Z29, c1

// One step l of the tile: B row l at boff from BX, A column l at aoff from AX.
#define STEP(aoff, boff) \
	VMOVUPS (boff+0)(BX), Z30    \
	VMOVUPS (boff+64)(BX), Z31   \
	ROW(aoff+0, Z0, Z1)          \
	ROW(aoff+4, Z2, Z3)          \
	ROW(aoff+8, Z4, Z5)          \
	ROW(aoff+12, Z6, Z7)         \
	ROW(aoff+16, Z8, Z9)         \
	ROW(aoff+20, Z10, Z11)       \
	ROW(aoff+24, Z12, Z13)       \
	ROW(aoff+28, Z14, Z15)       \
	ROW(aoff+32, Z16, Z17)       \
	ROW(aoff+36, Z18, Z19)       \
	ROW(aoff+40, Z20, Z21)       \
	ROW(aoff+44, Z22, Z23)

// Prefetch the 128 bytes of C row at R11 (two lines, three where the row is not 64-byte
// aligned), then R11 to the next row.
#define PFROW \
	PREFETCHT0 (R11)    \
	PREFETCHT0 64(R11)  \
	PREFETCHT0 124(R11) \
	ADDQ       R9, R11

// Row of the tile to C at DX (C += in ADDROW), then DX to the next row.
#define ADDROW(c0, c1) \
	VADDPS  (DX), c0, c0   \
	VADDPS  64(DX), c1, c1 \
	VMOVUPS c0, (DX)       \
	VMOVUPS c1, 64(DX)     \
	ADDQ    R9, DX

#define SETROW(c0, c1) \
	VMOVUPS c0, (DX)   \
	VMOVUPS c1, 64(DX) \
	ADDQ    R9, DX

#define ZERO2(c0, c1) \
	VPXORD c0, c0, c0 \
	VPXORD c1, c1, c1

// func gemm12x32AVX512(kc int, a, b *float32, bsBytes int, c *float32, ldcBytes int, acc bool)
TEXT ·gemm12x32AVX512(SB), NOSPLIT, $0-49
	MOVQ    kc+0(FP), CX
	MOVQ    a+8(FP), AX
	MOVQ    b+16(FP), BX
	MOVQ    bsBytes+24(FP), R8
	MOVQ    c+32(FP), DX
	MOVQ    ldcBytes+40(FP), R9
	MOVBLZX acc+48(FP), R10

	// Warm the C tile while the products run.
	MOVQ DX, R11
	PFROW
	PFROW
	PFROW
	PFROW
	PFROW
	PFROW
	PFROW
	PFROW
	PFROW
	PFROW
	PFROW
	PFROW

	ZERO2(Z0, Z1)
	ZERO2(Z2, Z3)
	ZERO2(Z4, Z5)
	ZERO2(Z6, Z7)
	ZERO2(Z8, Z9)
	ZERO2(Z10, Z11)
	ZERO2(Z12, Z13)
	ZERO2(Z14, Z15)
	ZERO2(Z16, Z17)
	ZERO2(Z18, Z19)
	ZERO2(Z20, Z21)
	ZERO2(Z22, Z23)

	MOVQ CX, R12
	SHRQ $2, R12
	JZ   tail
	CMPQ R8, $128
	JNE  loop4

	// A packed panel (rows 128 bytes apart): one pointer update per four steps.
loopp:
	PREFETCHT0 768(AX)
	STEP(0, 0)
	STEP(48, 128)
	STEP(96, 256)
	STEP(144, 384)
	ADDQ       $512, BX
	ADDQ       $192, AX
	DECQ       R12
	JNZ        loopp
	JMP        tail

	// B read in place: rows bsBytes apart.
loop4:
	PREFETCHT0 768(AX)
	STEP(0, 0)
	ADDQ       R8, BX
	STEP(48, 0)
	ADDQ       R8, BX
	STEP(96, 0)
	ADDQ       R8, BX
	STEP(144, 0)
	ADDQ       R8, BX
	ADDQ       $192, AX
	DECQ       R12
	JNZ        loop4

tail:
	ANDQ $3, CX
	JZ   store

loop1:
	STEP(0, 0)
	ADDQ R8, BX
	ADDQ $48, AX
	DECQ CX
	JNZ  loop1

store:
	TESTB R10B, R10B
	JZ    set
	ADDROW(Z0, Z1)
	ADDROW(Z2, Z3)
	ADDROW(Z4, Z5)
	ADDROW(Z6, Z7)
	ADDROW(Z8, Z9)
	ADDROW(Z10, Z11)
	ADDROW(Z12, Z13)
	ADDROW(Z14, Z15)
	ADDROW(Z16, Z17)
	ADDROW(Z18, Z19)
	ADDROW(Z20, Z21)
	ADDROW(Z22, Z23)
	VZEROUPPER
	RET

set:
	SETROW(Z0, Z1)
	SETROW(Z2, Z3)
	SETROW(Z4, Z5)
	SETROW(Z6, Z7)
	SETROW(Z8, Z9)
	SETROW(Z10, Z11)
	SETROW(Z12, Z13)
	SETROW(Z14, Z15)
	SETROW(Z16, Z17)
	SETROW(Z18, Z19)
	SETROW(Z20, Z21)
	SETROW(Z22, Z23)
	VZEROUPPER
	RET
