package cuda

import (
	"encoding/binary"
	"math"
	"testing"
)

func TestArgLayoutNaturalSizes(t *testing.T) {
	cases := []struct {
		spec string
		offs []int
		size int
	}{
		{"p", []int{0}, 8},
		{"i", []int{0}, 8},
		{"pif", []int{0, 8, 12}, 16},
		{"ipp", []int{0, 8, 16}, 24}, // the pointer after an int is aligned to 8
		{"iif", []int{0, 4, 8}, 16},
		{"ifp", []int{0, 4, 8}, 16},
		{"iiip", []int{0, 4, 8, 16}, 24},
		{"ppppiii", []int{0, 8, 16, 24, 32, 36, 40}, 48},
	}
	for _, c := range cases {
		offs, size := argLayout(params(c.spec))
		if size != c.size || len(offs) != len(c.offs) {
			t.Errorf("%s: offsets %v size %d, want %v size %d", c.spec, offs, size, c.offs, c.size)
			continue
		}
		for i := range offs {
			if offs[i] != c.offs[i] {
				t.Errorf("%s: offsets %v, want %v", c.spec, offs, c.offs)
				break
			}
		}
	}
}

// Every kernel's arguments are aligned to their own size, do not overlap, and fit.
func TestArgLayoutOfEveryKernel(t *testing.T) {
	for _, k := range allKernels {
		offs, size := argLayout(k.Params)
		if size%8 != 0 {
			t.Errorf("%s: buffer size %d is not a multiple of 8", k.Name, size)
		}
		end := 0
		for i, p := range k.Params {
			s := p.size()
			if offs[i]%s != 0 {
				t.Errorf("%s arg %d (%s): offset %d not aligned to %d", k.Name, i, p, offs[i], s)
			}
			if offs[i] < end {
				t.Errorf("%s arg %d overlaps the previous one", k.Name, i)
			}
			end = offs[i] + s
		}
		if end > size {
			t.Errorf("%s: arguments end at %d past the buffer (%d)", k.Name, end, size)
		}
	}
}

func TestPackArgsValues(t *testing.T) {
	base := func(r devRef) uint64 {
		if r.reg == regNone {
			return 0
		}
		return []uint64{0x7f0000000000, 0x7f1000000000, 0x7f2000000000}[r.reg] + uint64(r.off)
	}
	args := []arg{i32Arg(-7), ptrArg(devRef{regArena, 256}), f32Arg(0.125), ptrArg(nullRef), i32Arg(math.MaxInt32), ptrArg(devRef{regState, 8})}
	kinds := make([]argKind, len(args))
	for i, a := range args {
		kinds[i] = a.kind
	}
	offs, size := argLayout(kinds)
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = 0xAA // padding keeps whatever was there; values must overwrite fully
	}
	packArgs(buf, offs, args, base)
	le := binary.LittleEndian
	if v := int32(le.Uint32(buf[offs[0]:])); v != -7 {
		t.Errorf("int arg = %d", v)
	}
	if v := le.Uint64(buf[offs[1]:]); v != 0x7f1000000100 {
		t.Errorf("arena pointer = %#x", v)
	}
	if v := math.Float32frombits(le.Uint32(buf[offs[2]:])); v != 0.125 {
		t.Errorf("float arg = %v", v)
	}
	if v := le.Uint64(buf[offs[3]:]); v != 0 {
		t.Errorf("null pointer = %#x", v)
	}
	if v := int32(le.Uint32(buf[offs[4]:])); v != math.MaxInt32 {
		t.Errorf("max int arg = %d", v)
	}
	if v := le.Uint64(buf[offs[5]:]); v != 0x7f2000000008 {
		t.Errorf("state pointer = %#x", v)
	}
}

func TestPackLaunchesConcatenates(t *testing.T) {
	ls := []*launchStep{
		{k: kSinusoid, args: []arg{ptrArg(devRef{regArena, 0}), i32Arg(3), i32Arg(4)}},
		{k: kLayerNorm, args: []arg{ptrArg(devRef{regArena, 64}), ptrArg(devRef{regArena, 0}), ptrArg(devRef{regWeights, 0}), ptrArg(nullRef), i32Arg(2), i32Arg(5), f32Arg(1e-5)}},
	}
	p := packLaunches(ls, func(r devRef) uint64 {
		if r.reg == regNone {
			return 0
		}
		return 1<<40 + uint64(r.reg)<<32 + uint64(r.off)
	})
	if len(p.Starts) != 2 || p.Starts[0] != 0 || p.Starts[1] != 16 || len(p.Buf) != 16+48 {
		t.Fatalf("starts %v, buffer %d bytes", p.Starts, len(p.Buf))
	}
	le := binary.LittleEndian
	at := func(l, i int) []byte { return p.Buf[p.Starts[l]+p.Offs[l][i]:] }
	if le.Uint32(at(0, 2)) != 4 || le.Uint64(at(1, 0)) != 1<<40+1<<32+64 || le.Uint64(at(1, 3)) != 0 {
		t.Error("packed values are not where the offsets say")
	}
	if math.Float32frombits(le.Uint32(at(1, 6))) != 1e-5 {
		t.Error("eps not packed as float32")
	}
}
