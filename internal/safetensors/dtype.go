package safetensors

// DType is a tensor element type, spelled as in safetensors headers.
type DType string

// The dtypes this package reads and writes. (The short names F32, I64, ... are the
// constructors of Tensor values.)
const (
	DTypeF32  DType = "F32"
	DTypeF16  DType = "F16"
	DTypeBF16 DType = "BF16"
	DTypeF64  DType = "F64"
	DTypeI64  DType = "I64"
	DTypeI32  DType = "I32"
)

// Size is the size of one element in bytes, 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case DTypeF16, DTypeBF16:
		return 2
	case DTypeF32, DTypeI32:
		return 4
	case DTypeF64, DTypeI64:
		return 8
	}
	return 0
}

// Valid reports whether d is one of the supported dtypes.
func (d DType) Valid() bool { return d.Size() != 0 }

// IsFloat reports whether d is a floating-point dtype (readable with File.Float32).
func (d DType) IsFloat() bool {
	return d == DTypeF32 || d == DTypeF16 || d == DTypeBF16 || d == DTypeF64
}

// IsInt reports whether d is an integer dtype (readable with File.Int64).
func (d DType) IsInt() bool { return d == DTypeI64 || d == DTypeI32 }
