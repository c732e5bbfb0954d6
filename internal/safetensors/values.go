package safetensors

import (
	"encoding/binary"
	"math"
)

// Float32 returns the values of a floating-point tensor (F32, F16, BF16 or F64, the
// last rounded to nearest float32) and its shape.
func (f *File) Float32(name string) ([]float32, []int, error) {
	t, err := f.lookup(name)
	if err != nil {
		return nil, nil, err
	}
	raw := f.data[t.Begin:t.End]
	out := make([]float32, t.Elems())
	le := binary.LittleEndian
	switch t.DType {
	case DTypeF32:
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case DTypeF16:
		for i := range out {
			out[i] = F16ToFloat32(le.Uint16(raw[2*i:]))
		}
	case DTypeBF16:
		for i := range out {
			out[i] = BF16ToFloat32(le.Uint16(raw[2*i:]))
		}
	case DTypeF64:
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(raw[8*i:])))
		}
	default:
		return nil, nil, f.errorf(name, "dtype %s is not a float type", t.DType)
	}
	return out, append([]int{}, t.Shape...), nil
}

// Int64 returns the values of an integer tensor (I64 or I32) and its shape.
func (f *File) Int64(name string) ([]int64, []int, error) {
	t, err := f.lookup(name)
	if err != nil {
		return nil, nil, err
	}
	raw := f.data[t.Begin:t.End]
	out := make([]int64, t.Elems())
	le := binary.LittleEndian
	switch t.DType {
	case DTypeI64:
		for i := range out {
			out[i] = int64(le.Uint64(raw[8*i:]))
		}
	case DTypeI32:
		for i := range out {
			out[i] = int64(int32(le.Uint32(raw[4*i:])))
		}
	default:
		return nil, nil, f.errorf(name, "dtype %s is not an integer type", t.DType)
	}
	return out, append([]int{}, t.Shape...), nil
}
