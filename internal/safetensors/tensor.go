package safetensors

import (
	"encoding/binary"
	"math"
)

// Tensor is one tensor to write (or as stored, from File.Tensor): Data holds the
// elements row-major, little-endian, product(Shape) × DType.Size() bytes.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// The constructors below pack values without checking them against shape; Encode
// checks every tensor's byte length and names the one that does not fit.

// F32 packs v as an F32 tensor.
func F32(name string, shape []int, v []float32) Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return Tensor{Name: name, DType: DTypeF32, Shape: shape, Data: b}
}

// F64 packs v as an F64 tensor.
func F64(name string, shape []int, v []float64) Tensor {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return Tensor{Name: name, DType: DTypeF64, Shape: shape, Data: b}
}

// F16 packs v as an F16 tensor, rounding each value to nearest even (Float32ToF16).
func F16(name string, shape []int, v []float32) Tensor {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], Float32ToF16(x))
	}
	return Tensor{Name: name, DType: DTypeF16, Shape: shape, Data: b}
}

// BF16 packs v as a BF16 tensor, rounding each value to nearest even (Float32ToBF16).
func BF16(name string, shape []int, v []float32) Tensor {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], Float32ToBF16(x))
	}
	return Tensor{Name: name, DType: DTypeBF16, Shape: shape, Data: b}
}

// I64 packs v as an I64 tensor.
func I64(name string, shape []int, v []int64) Tensor {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return Tensor{Name: name, DType: DTypeI64, Shape: shape, Data: b}
}

// I32 packs v as an I32 tensor.
func I32(name string, shape []int, v []int32) Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return Tensor{Name: name, DType: DTypeI32, Shape: shape, Data: b}
}
