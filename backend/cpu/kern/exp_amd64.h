// Vector exp for the AVX2 code of kern and of backend/cpu (Cephes expf): x = n·ln2 + r
// with |r| ≤ ln2/2, a degree-6 polynomial for e^r, and 2^n put into the exponent bits.
// Relative error ≤ 2 ulp for x in [-87.33, 88.37]; below that the result is 0 (true
// values are subnormal), above it +Inf (true overflow starts at 88.72), NaN stays NaN.
//
// The one copy: backend/cpu's assembly includes it as "kern/exp_amd64.h". The go
// command hashes a header only into its own package, so backend/cpu is rebuilt after an
// edit here because kern's object changes with it: keep every macro here one that kern's
// assembly uses too.

// float32 constants, 4 bytes each.
DATA expconst<>+0(SB)/4, $0x42b0c0a5  // hi: 88.3762626
DATA expconst<>+4(SB)/4, $0xc2aeac50  // lo: -87.3365448
DATA expconst<>+8(SB)/4, $0x3fb8aa3b  // log2(e)
DATA expconst<>+12(SB)/4, $0x3f318000 // ln2 high part 0.693359375
DATA expconst<>+16(SB)/4, $0xb95e8083 // ln2 low part -2.12194440e-4
DATA expconst<>+20(SB)/4, $0x3f800000 // 1
DATA expconst<>+24(SB)/4, $0x39506967 // p5 1.9875691500e-4
DATA expconst<>+28(SB)/4, $0x3ab743ce // p4 1.3981999507e-3
DATA expconst<>+32(SB)/4, $0x3c088908 // p3 8.3334519073e-3
DATA expconst<>+36(SB)/4, $0x3d2aa9c1 // p2 4.1665795894e-2
DATA expconst<>+40(SB)/4, $0x3e2aaaaa // p1 1.6666665459e-1
DATA expconst<>+44(SB)/4, $0x3f000000 // p0 5.0000001201e-1
DATA expconst<>+48(SB)/4, $0xbfcc422a // GELU k1: -2·√(2/π)
DATA expconst<>+52(SB)/4, $0xbd922279 // GELU k2: -2·√(2/π)·0.044715
DATA expconst<>+56(SB)/4, $0x7f800000 // +Inf
DATA expconst<>+60(SB)/4, $127        // exponent bias (int32)
GLOBL expconst<>(SB), RODATA|NOPTR, $64

// EXPSETUP loads the constants EXP keeps in registers: Y8 hi, Y9 lo, Y10 log2e,
// Y11 ln2hi, Y12 ln2lo, Y13 1, Y14 int 127, Y15 +Inf.
#define EXPSETUP \
	VBROADCASTSS expconst<>+0(SB), Y8   \
	VBROADCASTSS expconst<>+4(SB), Y9   \
	VBROADCASTSS expconst<>+8(SB), Y10  \
	VBROADCASTSS expconst<>+12(SB), Y11 \
	VBROADCASTSS expconst<>+16(SB), Y12 \
	VBROADCASTSS expconst<>+20(SB), Y13 \
	VPBROADCASTD expconst<>+60(SB), Y14 \
	VBROADCASTSS expconst<>+56(SB), Y15

// EXP sets x = exp(x) using the temporaries r, p, t, m (EXPSETUP first).
#define EXP(x, r, p, t, m) \
	VMINPS       x, Y8, r                 \ // clamp; a NaN x passes through
	VMAXPS       r, Y9, r                 \
	VMULPS       Y10, r, t                \
	VROUNDPS     $0, t, t                 \ // n = round(x·log2e)
	VFNMADD231PS Y11, t, r                \ // r = x - n·ln2, in two parts
	VFNMADD231PS Y12, t, r                \
	VBROADCASTSS expconst<>+24(SB), p     \
	VBROADCASTSS expconst<>+28(SB), m     \
	VFMADD213PS  m, r, p                  \
	VBROADCASTSS expconst<>+32(SB), m     \
	VFMADD213PS  m, r, p                  \
	VBROADCASTSS expconst<>+36(SB), m     \
	VFMADD213PS  m, r, p                  \
	VBROADCASTSS expconst<>+40(SB), m     \
	VFMADD213PS  m, r, p                  \
	VBROADCASTSS expconst<>+44(SB), m     \
	VFMADD213PS  m, r, p                  \
	VMULPS       r, r, m                  \
	VFMADD213PS  r, m, p                  \ // p = poly·r² + r
	VADDPS       Y13, p, p                \ // e^r
	VCVTPS2DQ    t, t                     \
	VPADDD       Y14, t, t                \
	VPSLLD       $23, t, t                \ // 2^n
	VMULPS       t, p, p                  \
	VCMPPS       $1, Y9, x, m             \ // x < lo: 0
	VANDNPS      p, m, p                  \
	VCMPPS       $0x0e, Y8, x, m          \ // x > hi: +Inf
	VBLENDVPS    m, Y15, p, x
