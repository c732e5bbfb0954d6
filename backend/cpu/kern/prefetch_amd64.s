//go:build !noasm

#include "textflag.h"

// func prefetchRows(p *float32, strideBytes, rows, widthBytes int)
TEXT ·prefetchRows(SB), NOSPLIT, $0-32
	MOVQ  p+0(FP), SI
	MOVQ  strideBytes+8(FP), R8
	MOVQ  rows+16(FP), CX
	MOVQ  widthBytes+24(FP), R9
	TESTQ CX, CX
	JLE   done
	DECQ  R9 // offset of a row's last byte

row:
	XORQ AX, AX

line:
	PREFETCHT1 (SI)(AX*1)
	ADDQ       $64, AX
	CMPQ       AX, R9
	JLT        line
	PREFETCHT1 (SI)(R9*1) // the line of the last byte
	ADDQ       R8, SI
	DECQ       CX
	JNZ        row

done:
	RET
