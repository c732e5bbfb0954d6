package safetensors

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Bit patterns below are worked out by hand from IEEE 754 binary16 (1 sign, 5 exponent
// bits biased by 15, 10 mantissa bits) and bfloat16 (the top 16 bits of binary32).

func TestFloat32ToF16(t *testing.T) {
	p := func(e int) float32 { return float32(math.Ldexp(1, e)) }
	cases := []struct {
		name string
		in   float32
		want uint16
	}{
		{"zero", 0, 0x0000},
		{"negative zero", float32(math.Copysign(0, -1)), 0x8000},
		{"one", 1, 0x3c00},
		{"minus two", -2, 0xc000},
		{"half", 0.5, 0x3800},
		{"0.1", 0.1, 0x2e66},
		{"pi", math.Pi, 0x4248},
		{"max", 65504, 0x7bff},
		{"minus max", -65504, 0xfbff},
		{"below overflow midpoint", 65519, 0x7bff},
		{"overflow midpoint ties to inf", 65520, 0x7c00},
		{"overflow", 1e5, 0x7c00},
		{"inf", float32(math.Inf(1)), 0x7c00},
		{"minus inf", float32(math.Inf(-1)), 0xfc00},
		{"quiet NaN", math.Float32frombits(0x7fc00000), 0x7e00},
		{"smallest normal", p(-14), 0x0400},
		{"largest subnormal", 1023 * p(-24), 0x03ff},
		{"smallest subnormal", p(-24), 0x0001},
		{"half the smallest subnormal ties to zero", p(-25), 0x0000},
		{"three quarters of a unit rounds up", 0.75 * p(-24), 0x0001},
		{"1.125 units rounds down", 1.125 * p(-24), 0x0001},
		{"subnormal tie to even up", 1.5 * p(-24), 0x0002},
		{"subnormal tie to even down", 2.5 * p(-24), 0x0002},
		{"a quarter unit rounds to zero", p(-26), 0x0000},
		{"subnormal carry into smallest normal", 1023.5 * p(-24), 0x0400},
		{"float32 subnormal", math.Float32frombits(0x00000123), 0x0000},
		{"normal tie to even down", 1 + p(-11), 0x3c00},
		{"normal tie to even up", 1 + 3*p(-11), 0x3c02},
		{"just above the tie", 1 + p(-11) + p(-20), 0x3c01},
		{"just below the tie", 1 + p(-11) - p(-23), 0x3c00},
		{"negative tie", -(1 + 3*p(-11)), 0xbc02},
	}
	for _, c := range cases {
		if got := Float32ToF16(c.in); got != c.want {
			t.Errorf("%s: Float32ToF16(%g) = %#04x, want %#04x", c.name, c.in, got, c.want)
		}
	}
	// A signalling NaN whose payload lives only in the low bits must not become inf.
	if h := Float32ToF16(math.Float32frombits(0x7f800001)); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Errorf("signalling NaN -> %#04x, not a NaN", h)
	}
}

func TestF16ToFloat32(t *testing.T) {
	cases := []struct {
		in   uint16
		want float32
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x3555, 0.33325195}, {0x7bff, 65504},
		{0x0001, 5.9604645e-08}, {0x03ff, 6.097555e-05}, {0x0400, 6.1035156e-05},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	}
	for _, c := range cases {
		if got := F16ToFloat32(c.in); got != c.want {
			t.Errorf("F16ToFloat32(%#04x) = %g, want %g", c.in, got, c.want)
		}
	}
	if got := F16ToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("F16ToFloat32(0x8000) = %g, want -0", got)
	}
	if got := F16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("F16ToFloat32(0x7e00) = %g, want NaN", got)
	}
}

// TestF16AllBitPatterns checks every binary16 value against the definition
// (-1)^s × 2^(e-15) × (1 + m/1024), or m × 2^-24 for e = 0, and that narrowing the
// widened value gives the same bits back.
func TestF16AllBitPatterns(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		s, e, m := h>>15, int(h>>10)&0x1f, float64(h&0x3ff)
		got := F16ToFloat32(h)
		var want float64
		switch {
		case e == 0x1f && m != 0:
			if !math.IsNaN(float64(got)) {
				t.Fatalf("%#04x -> %g, want NaN", h, got)
			}
			if back := Float32ToF16(got); back != h|0x200 {
				t.Fatalf("NaN %#04x -> %#04x, want the payload kept and quiet %#04x", h, back, h|0x200)
			}
			continue
		case e == 0x1f:
			want = math.Inf(1)
		case e == 0:
			want = math.Ldexp(m, -24)
		default:
			want = math.Ldexp(1+m/1024, e-15)
		}
		if s == 1 {
			want = -want
		}
		if float64(got) != want || math.Signbit(float64(got)) != (s == 1) {
			t.Fatalf("F16ToFloat32(%#04x) = %g, want %g", h, got, want)
		}
		if back := Float32ToF16(got); back != h {
			t.Fatalf("Float32ToF16(F16ToFloat32(%#04x)) = %#04x", h, back)
		}
	}
}

// TestFloat32ToF16Nearest checks rounding on random float32 values: the result must be
// at least as close as both neighbouring binary16 values, and even on a tie.
func TestFloat32ToF16Nearest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		// Exponents from deep below the subnormal range to above the largest normal.
		x := float32(math.Ldexp(1+r.Float64(), r.IntN(48)-32))
		if r.IntN(4) == 0 { // exact ties and near-ties are rare at random; make some
			x = math.Float32frombits(math.Float32bits(x)&^0x1fff | 0x1000)
		}
		h := Float32ToF16(x)
		if x >= 65520 {
			if h != 0x7c00 {
				t.Fatalf("Float32ToF16(%g) = %#04x, want inf", x, h)
			}
			continue
		}
		d := func(c uint16) float64 { return math.Abs(float64(F16ToFloat32(c)) - float64(x)) }
		if h >= 0x7c00 {
			t.Fatalf("Float32ToF16(%g) = %#04x, overflowed", x, h)
		}
		if h > 0 && d(h-1) < d(h) || d(h+1) < d(h) {
			t.Fatalf("Float32ToF16(%g) = %#04x, not the nearest", x, h)
		}
		if (h > 0 && d(h-1) == d(h) || d(h+1) == d(h)) && h&1 == 1 {
			t.Fatalf("Float32ToF16(%g) = %#04x, a tie not rounded to even", x, h)
		}
		if neg := Float32ToF16(-x); neg != h|0x8000 {
			t.Fatalf("Float32ToF16(%g) = %#04x, want %#04x", -x, neg, h|0x8000)
		}
	}
}

func TestFloat32ToBF16(t *testing.T) {
	p := func(e int) float32 { return float32(math.Ldexp(1, e)) }
	cases := []struct {
		name string
		in   float32
		want uint16
	}{
		{"zero", 0, 0x0000},
		{"one", 1, 0x3f80},
		{"minus two", -2, 0xc000},
		{"pi truncates", math.Pi, 0x4049},
		{"tie to even down", 1 + p(-8), 0x3f80},
		{"tie to even up", 1 + 3*p(-8), 0x3f82},
		{"above the tie", 1 + p(-8) + p(-20), 0x3f81},
		{"max float32 rounds to inf", math.MaxFloat32, 0x7f80},
		{"inf", float32(math.Inf(1)), 0x7f80},
		{"minus inf", float32(math.Inf(-1)), 0xff80},
		{"quiet NaN", math.Float32frombits(0x7fc00000), 0x7fc0},
		{"signalling NaN stays NaN", math.Float32frombits(0x7f800001), 0x7fc0},
		{"subnormal", math.Float32frombits(0x00012345), 0x0001},
		{"subnormal tie to even", math.Float32frombits(0x00018000), 0x0002},
	}
	for _, c := range cases {
		if got := Float32ToBF16(c.in); got != c.want {
			t.Errorf("%s: Float32ToBF16(%g) = %#04x, want %#04x", c.name, c.in, got, c.want)
		}
	}
	if got := BF16ToFloat32(0x4049); got != 3.140625 {
		t.Errorf("BF16ToFloat32(0x4049) = %g, want 3.140625", got)
	}
	if got := BF16ToFloat32(0x0001); got != math.Float32frombits(0x00010000) {
		t.Errorf("BF16ToFloat32(0x0001) = %g, want the float32 subnormal 0x00010000", got)
	}
}
