package cuda

import (
	"fmt"

	"github.com/ltsbench/ltsbench/backend"
)

// Codes that need special handling; the rest are reported by name.
const (
	cudaErrorOutOfMemory = 2   // CUDA_ERROR_OUT_OF_MEMORY
	cudaErrorNoDevice    = 100 // CUDA_ERROR_NO_DEVICE
	cublasAllocFailed    = 3   // CUBLAS_STATUS_ALLOC_FAILED
)

// cublasStatusNames are cuBLAS's status codes (cublas_api.h, unchanged from 11 to 13).
var cublasStatusNames = map[int]string{
	0: "CUBLAS_STATUS_SUCCESS", 1: "CUBLAS_STATUS_NOT_INITIALIZED", 3: "CUBLAS_STATUS_ALLOC_FAILED",
	7: "CUBLAS_STATUS_INVALID_VALUE", 8: "CUBLAS_STATUS_ARCH_MISMATCH", 11: "CUBLAS_STATUS_MAPPING_ERROR",
	13: "CUBLAS_STATUS_EXECUTION_FAILED", 14: "CUBLAS_STATUS_INTERNAL_ERROR", 15: "CUBLAS_STATUS_NOT_SUPPORTED",
	16: "CUBLAS_STATUS_LICENSE_ERROR",
}

// cudaError is a failed driver or cuBLAS call: where (device, what was being done), the
// call, and the code with the library's name and description for it.
type cudaError struct {
	dev  string // "cuda:0"
	what string // "allocating the arena (1048576 bytes)", "op 12 matmul"
	call string // "cuMemAlloc", "cublasGemmEx"
	code int
	desc string // "out of memory (CUDA_ERROR_OUT_OF_MEMORY)"
	blas bool   // code is a cublasStatus_t, not a CUresult
}

func (e *cudaError) Error() string {
	return fmt.Sprintf("%s: %s: %s: %s", e.dev, e.what, e.call, e.desc)
}

// OutOfMemory reports whether the device ran out of memory.
func (e *cudaError) OutOfMemory() bool {
	if e.blas {
		return e.code == cublasAllocFailed
	}
	return e.code == cudaErrorOutOfMemory
}

// Unwrap makes errors.Is(err, backend.ErrOutOfMemory) true for out-of-memory failures,
// so the search records the architecture as infeasible on this device.
func (e *cudaError) Unwrap() error {
	if e.OutOfMemory() {
		return backend.ErrOutOfMemory
	}
	return nil
}

// cublasDesc describes a cuBLAS status, with the library's own text when it has one.
func cublasDesc(code int, text string) string {
	name, ok := cublasStatusNames[code]
	if !ok {
		name = fmt.Sprintf("cuBLAS status %d", code)
	}
	if text == "" {
		return name
	}
	return fmt.Sprintf("%s (%s)", text, name)
}
