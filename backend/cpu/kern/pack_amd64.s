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

// func packT8AVX2(dst *float32, dstStrideBytes int, b *float32, ldbBytes, kc8 int)
//
// dst[l·stride/4 + q] = b[q·ldb+l] for q < 8, l < kc8 (a multiple of 8): eight rows of an
// [n, k] B transposed into eight columns of a panel, 8×8 at a time in registers.
TEXT ·packT8AVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DX
	MOVQ dstStrideBytes+8(FP), R10
	MOVQ b+16(FP), SI
	MOVQ ldbBytes+24(FP), DI
	MOVQ kc8+32(FP), CX
	SHRQ $3, CX
	JZ   done
	LEAQ (DI)(DI*2), AX
	LEAQ (SI)(AX*1), R8  // row 3
	LEAQ (R8)(AX*1), R9  // row 6

loop:
	LOADROWS(SI, R8, R9)
	TRANSPOSE8
	MOVQ    DX, AX
	VMOVUPS Y8, (AX)
	ADDQ    R10, AX
	VMOVUPS Y9, (AX)
	ADDQ    R10, AX
	VMOVUPS Y10, (AX)
	ADDQ    R10, AX
	VMOVUPS Y11, (AX)
	ADDQ    R10, AX
	VMOVUPS Y12, (AX)
	ADDQ    R10, AX
	VMOVUPS Y13, (AX)
	ADDQ    R10, AX
	VMOVUPS Y14, (AX)
	ADDQ    R10, AX
	VMOVUPS Y15, (AX)
	LEAQ    (DX)(R10*8), DX
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET

// func packRowsAVX2(dst, src *float32, ldbBytes, kc, panels, panelBytes, vecs int)
//
// dst[p·panelBytes/4 + l·8·vecs + q] = src[l·ldb + p·8·vecs + q] for l < kc, p < panels,
// q < 8·vecs: full panels of a [k, n] B, read row by row, the row four ahead prefetched.
TEXT ·packRowsAVX2(SB), NOSPLIT, $0-56
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  ldbBytes+16(FP), R8
	MOVQ  kc+24(FP), CX
	MOVQ  panels+32(FP), R9
	MOVQ  panelBytes+40(FP), R10
	MOVQ  vecs+48(FP), R12
	LEAQ  (R8*4), R11
	TESTQ CX, CX
	JZ    rowsdone
	TESTQ R9, R9
	JZ    rowsdone
	TESTQ R12, R12
	JZ    rowsdone

rowloop:
	MOVQ SI, AX
	MOVQ DI, BX
	MOVQ R9, DX

panelloop:
	PREFETCHT0 (AX)(R11*1)
	XORQ       R13, R13

vecloop:
	VMOVUPS (AX)(R13*1), Y0
	VMOVUPS Y0, (BX)(R13*1)
	ADDQ    $32, R13
	DECQ    R12
	JNZ     vecloop
	MOVQ    vecs+48(FP), R12
	ADDQ    R13, AX
	ADDQ    R10, BX
	DECQ    DX
	JNZ     panelloop

	ADDQ R8, SI
	SHLQ $5, R12
	ADDQ R12, DI
	SHRQ $5, R12
	DECQ CX
	JNZ  rowloop

rowsdone:
	VZEROUPPER
	RET

// func packA4AVX2(dst, a *float32, ldaBytes, kc8 int)
//
// dst[l·4+r] = a[r·lda+l] for r < 4, l < kc8 (a multiple of 8): four rows of A into an
// mr = 4 panel, 4×8 at a time in registers.
TEXT ·packA4AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DX
	MOVQ a+8(FP), SI
	MOVQ ldaBytes+16(FP), DI
	MOVQ kc8+24(FP), CX
	SHRQ $3, CX
	JZ   a4done
	LEAQ (DI)(DI*2), R8 // 3·lda

a4loop:
	VMOVUPS    (SI), Y0          // row 0, l = 0..7
	VMOVUPS    (SI)(DI*1), Y1    // row 1
	VMOVUPS    (SI)(DI*2), Y2    // row 2
	VMOVUPS    (SI)(R8*1), Y3    // row 3
	VUNPCKLPS  Y1, Y0, Y4        // r0 r1 at l = 0,1 | 4,5
	VUNPCKHPS  Y1, Y0, Y5        // r0 r1 at l = 2,3 | 6,7
	VUNPCKLPS  Y3, Y2, Y6        // r2 r3 at l = 0,1 | 4,5
	VUNPCKHPS  Y3, Y2, Y7        // r2 r3 at l = 2,3 | 6,7
	VSHUFPS    $0x44, Y6, Y4, Y8 // l = 0 | 4
	VSHUFPS    $0xEE, Y6, Y4, Y9 // l = 1 | 5
	VSHUFPS    $0x44, Y7, Y5, Y10 // l = 2 | 6
	VSHUFPS    $0xEE, Y7, Y5, Y11 // l = 3 | 7
	VPERM2F128 $0x20, Y9, Y8, Y0  // l = 0, 1
	VPERM2F128 $0x20, Y11, Y10, Y1 // l = 2, 3
	VPERM2F128 $0x31, Y9, Y8, Y2  // l = 4, 5
	VPERM2F128 $0x31, Y11, Y10, Y3 // l = 6, 7
	VMOVUPS    Y0, (DX)
	VMOVUPS    Y1, 32(DX)
	VMOVUPS    Y2, 64(DX)
	VMOVUPS    Y3, 96(DX)
	ADDQ       $128, DX
	ADDQ       $32, SI
	DECQ       CX
	JNZ        a4loop

a4done:
	VZEROUPPER
	RET

// func packA4sAVX2(dst, a *float32, ldaBytes, dstStrideBytes, kc8 int)
//
// dst[l·s+r] = a[r·lda+l] for r < 4, l < kc8 (a multiple of 8), s = dstStrideBytes/4:
// four rows of A into rows r..r+3 of a panel of s rows, 4×8 at a time in registers.
TEXT ·packA4sAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DX
	MOVQ a+8(FP), SI
	MOVQ ldaBytes+16(FP), DI
	MOVQ dstStrideBytes+24(FP), R9
	MOVQ kc8+32(FP), CX
	SHRQ $3, CX
	JZ   a4sdone
	LEAQ (DI)(DI*2), R8 // 3·lda
	LEAQ (R9)(R9*2), R10 // 3·s
	MOVQ R9, R11
	SHLQ $2, R11        // 4·s

a4sloop:
	VMOVUPS      (SI), Y0
	VMOVUPS      (SI)(DI*1), Y1
	VMOVUPS      (SI)(DI*2), Y2
	VMOVUPS      (SI)(R8*1), Y3
	VUNPCKLPS    Y1, Y0, Y4
	VUNPCKHPS    Y1, Y0, Y5
	VUNPCKLPS    Y3, Y2, Y6
	VUNPCKHPS    Y3, Y2, Y7
	VSHUFPS      $0x44, Y6, Y4, Y8  // l = 0 | 4
	VSHUFPS      $0xEE, Y6, Y4, Y9  // l = 1 | 5
	VSHUFPS      $0x44, Y7, Y5, Y10 // l = 2 | 6
	VSHUFPS      $0xEE, Y7, Y5, Y11 // l = 3 | 7
	VMOVUPS      X8, (DX)
	VMOVUPS      X9, (DX)(R9*1)
	VMOVUPS      X10, (DX)(R9*2)
	VMOVUPS      X11, (DX)(R10*1)
	ADDQ         R11, DX
	VEXTRACTF128 $1, Y8, (DX)
	VEXTRACTF128 $1, Y9, (DX)(R9*1)
	VEXTRACTF128 $1, Y10, (DX)(R9*2)
	VEXTRACTF128 $1, Y11, (DX)(R10*1)
	ADDQ         R11, DX
	ADDQ         $32, SI
	DECQ         CX
	JNZ          a4sloop

a4sdone:
	VZEROUPPER
	RET
