//go:build !noasm

#include "textflag.h"
#include "exp_amd64.h"

// func epilogueRowAVX2(c, bias, res *float32, n8, mode int)
//
// For i < n8 (a multiple of 8): c[i] = act(c[i] + bias[i]) + res[i], with bias when
// mode&1, res when mode&2, act = mode>>2 (0 none, 1 GELU, 2 ReLU). GELU is computed as
// x/(1 + exp(-2u)), u = √(2/π)·(x + 0.044715·x³), the same function as 0.5·x·(1+tanh u).
TEXT ·epilogueRowAVX2(SB), NOSPLIT, $0-40
	MOVQ   c+0(FP), DI
	MOVQ   bias+8(FP), SI
	MOVQ   res+16(FP), R8
	MOVQ   n8+24(FP), CX
	MOVQ   mode+32(FP), DX
	SHRQ   $3, CX
	JZ     done
	EXPSETUP
	VXORPS Y6, Y6, Y6
	MOVQ   DX, R9
	SHRQ   $2, R9

loop:
	VMOVUPS (DI), Y0
	TESTQ   $1, DX
	JZ      nobias
	VADDPS  (SI), Y0, Y0
	ADDQ    $32, SI

nobias:
	CMPQ R9, $1
	JNE  notgelu
	VMULPS       Y0, Y0, Y1
	VBROADCASTSS expconst<>+52(SB), Y2
	VBROADCASTSS expconst<>+48(SB), Y3
	VFMADD213PS  Y3, Y2, Y1 // k1 + k2·x²
	VMULPS       Y0, Y1, Y1 // -2u
	EXP(Y1, Y2, Y3, Y4, Y5)
	VADDPS       Y13, Y1, Y1
	VDIVPS       Y1, Y0, Y0
	JMP          actdone

notgelu:
	CMPQ   R9, $2
	JNE    actdone
	VMAXPS Y0, Y6, Y0 // max(0, x); a NaN x passes through

actdone:
	TESTQ  $2, DX
	JZ     nores
	VADDPS (R8), Y0, Y0
	ADDQ   $32, R8

nores:
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET
