//go:build !noasm

#include "textflag.h"

// LOADROWS loads 8 floats from each of rows P, P+ld, P+2ld, Q, P+4ld, Q+2ld, R, R+ld
// (Q = P+3ld, R = P+6ld) into Y0..Y7.
#define LOADROWS(P, Q, R) \
	VMOVUPS (P), Y0       \
	VMOVUPS (P)(DI*1), Y1 \
	VMOVUPS (P)(DI*2), Y2 \
	VMOVUPS (Q), Y3       \
	VMOVUPS (P)(DI*4), Y4 \
	VMOVUPS (Q)(DI*2), Y5 \
	VMOVUPS (R), Y6       \
	VMOVUPS (R)(DI*1), Y7

// TRANSPOSE8 turns rows Y0..Y7 (8 values of l each) into columns: afterwards Y8+i holds
// the 8 rows' values at l = i for i in 0..3 and Y12+i those at l = 4+i.
#define TRANSPOSE8 \
	VUNPCKLPS  Y1, Y0, Y8           \
	VUNPCKHPS  Y1, Y0, Y9           \
	VUNPCKLPS  Y3, Y2, Y10          \
	VUNPCKHPS  Y3, Y2, Y11          \
	VUNPCKLPS  Y5, Y4, Y12          \
	VUNPCKHPS  Y5, Y4, Y13          \
	VUNPCKLPS  Y7, Y6, Y14          \
	VUNPCKHPS  Y7, Y6, Y15          \
	VSHUFPS    $0x44, Y10, Y8, Y0   \
	VSHUFPS    $0xEE, Y10, Y8, Y1   \
	VSHUFPS    $0x44, Y11, Y9, Y2   \
	VSHUFPS    $0xEE, Y11, Y9, Y3   \
	VSHUFPS    $0x44, Y14, Y12, Y4  \
	VSHUFPS    $0xEE, Y14, Y12, Y5  \
	VSHUFPS    $0x44, Y15, Y13, Y6  \
	VSHUFPS    $0xEE, Y15, Y13, Y7  \
	VPERM2F128 $0x20, Y4, Y0, Y8    \
	VPERM2F128 $0x20, Y5, Y1, Y9    \
	VPERM2F128 $0x20, Y6, Y2, Y10   \
	VPERM2F128 $0x20, Y7, Y3, Y11   \
	VPERM2F128 $0x31, Y4, Y0, Y12   \
	VPERM2F128 $0x31, Y5, Y1, Y13   \
	VPERM2F128 $0x31, Y6, Y2, Y14   \
	VPERM2F128 $0x31, Y7, Y3, Y15

// STORECOLS writes the 8 transposed vectors at off, off+64, …, off+448 from DX (rows of
// a 16-wide panel).
#define STORECOLS(off) \
	VMOVUPS Y8, (off+0)(DX)    \
	VMOVUPS Y9, (off+64)(DX)   \
	VMOVUPS Y10, (off+128)(DX) \
	VMOVUPS Y11, (off+192)(DX) \
	VMOVUPS Y12, (off+256)(DX) \
	VMOVUPS Y13, (off+320)(DX) \
	VMOVUPS Y14, (off+384)(DX) \
	VMOVUPS Y15, (off+448)(DX)

// func packPanelT16AVX2(panel, b *float32, ldbBytes, kc8 int)
//
// panel[l·16+q] = b[q·ldb+l] for q < 16, l < kc8 (a multiple of 8).
TEXT ·packPanelT16AVX2(SB), NOSPLIT, $0-32
	MOVQ panel+0(FP), DX
	MOVQ b+8(FP), SI
	MOVQ ldbBytes+16(FP), DI
	MOVQ kc8+24(FP), CX
	SHRQ $3, CX
	JZ   done
	LEAQ (DI)(DI*2), AX
	LEAQ (SI)(AX*1), R8  // row 3
	LEAQ (R8)(AX*1), R9  // row 6
	LEAQ (SI)(DI*8), R10 // row 8
	LEAQ (R10)(AX*1), R11 // row 11
	LEAQ (R11)(AX*1), R12 // row 14

loop:
	LOADROWS(SI, R8, R9)
	TRANSPOSE8
	STORECOLS(0)
	LOADROWS(R10, R11, R12)
	TRANSPOSE8
	STORECOLS(32)
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $512, DX
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET

// func packRows16AVX2(dst, src *float32, ldbBytes, kc, panels, panelBytes int)
//
// dst[p·panelBytes/4 + l·16 + q] = src[l·ldb + p·16 + q] for l < kc, p < panels, q < 16:
// full 16-column panels of a [k, n] B, read row by row, the row four ahead prefetched.
TEXT ·packRows16AVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ldbBytes+16(FP), R8
	MOVQ kc+24(FP), CX
	MOVQ panels+32(FP), R9
	MOVQ panelBytes+40(FP), R10
	LEAQ (R8*4), R11
	TESTQ CX, CX
	JZ   rowsdone
	TESTQ R9, R9
	JZ   rowsdone

rowloop:
	MOVQ SI, AX
	MOVQ DI, BX
	MOVQ R9, DX

panelloop:
	PREFETCHT0 (AX)(R11*1)
	VMOVUPS    (AX), Y0
	VMOVUPS    32(AX), Y1
	VMOVUPS    Y0, (BX)
	VMOVUPS    Y1, 32(BX)
	ADDQ       $64, AX
	ADDQ       R10, BX
	DECQ       DX
	JNZ        panelloop

	ADDQ R8, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  rowloop

rowsdone:
	VZEROUPPER
	RET
