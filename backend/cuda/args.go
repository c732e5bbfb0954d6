package cuda

import (
	"encoding/binary"
	"math"
)

// arg is one kernel argument: a device pointer (a region and a byte offset, resolved
// against the region's base address at Compile) or a 32-bit value.
type arg struct {
	kind argKind
	ref  devRef // argPtr
	bits uint32 // argI32: the int32; argF32: the float32 bits
}

func ptrArg(r devRef) arg  { return arg{kind: argPtr, ref: r} }
func i32Arg(v int32) arg   { return arg{kind: argI32, bits: uint32(v)} }
func f32Arg(v float32) arg { return arg{kind: argF32, bits: math.Float32bits(v)} }

// argLayout places the arguments of one launch in a buffer at their natural sizes (8-byte
// pointers, 4-byte ints and floats), each at an offset aligned to its own size, and
// returns the offsets and the buffer size (a multiple of 8, so that buffers of
// consecutive launches can be concatenated). cuLaunchKernel receives one pointer per
// argument (a void*[] into this buffer) and copies as many bytes as the kernel's
// parameter declares, so each value must sit at full natural size.
func argLayout(kinds []argKind) (offs []int, size int) {
	offs = make([]int, len(kinds))
	for i, k := range kinds {
		s := k.size()
		size = (size + s - 1) / s * s
		offs[i] = size
		size += s
	}
	return offs, (size + 7) / 8 * 8
}

// packArgs writes args little-endian into buf at offs; base maps a pointer argument's
// region to its device address (0 for the null pointer).
func packArgs(buf []byte, offs []int, args []arg, base func(devRef) uint64) {
	for i, a := range args {
		switch a.kind {
		case argPtr:
			binary.LittleEndian.PutUint64(buf[offs[i]:], base(a.ref))
		default:
			binary.LittleEndian.PutUint32(buf[offs[i]:], a.bits)
		}
	}
}

// packedLaunches is the argument memory of every launch of an executable: one buffer
// with each launch's arguments at Starts[i] + Offs[i][j].
type packedLaunches struct {
	Buf    []byte
	Starts []int
	Offs   [][]int
}

// packLaunches lays out and packs the arguments of all launches into one buffer.
func packLaunches(ls []*launchStep, base func(devRef) uint64) packedLaunches {
	var p packedLaunches
	total := 0
	for _, l := range ls {
		offs, size := argLayout(l.k.Params)
		p.Starts = append(p.Starts, total)
		p.Offs = append(p.Offs, offs)
		total += size
	}
	p.Buf = make([]byte, total)
	for i, l := range ls {
		packArgs(p.Buf[p.Starts[i]:], p.Offs[i], l.args, base)
	}
	return p
}
