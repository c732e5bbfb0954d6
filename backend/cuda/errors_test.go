package cuda

import (
	"errors"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
)

func TestOutOfMemoryWrapsTheSentinel(t *testing.T) {
	oom := &cudaError{dev: "cuda:0", what: "allocating the arena (8 bytes)", call: "cuMemAlloc", code: cudaErrorOutOfMemory, desc: "out of memory (CUDA_ERROR_OUT_OF_MEMORY)"}
	if !errors.Is(oom, backend.ErrOutOfMemory) {
		t.Error("CUDA_ERROR_OUT_OF_MEMORY does not wrap backend.ErrOutOfMemory")
	}
	if got, want := oom.Error(), "cuda:0: allocating the arena (8 bytes): cuMemAlloc: out of memory (CUDA_ERROR_OUT_OF_MEMORY)"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	blas := &cudaError{dev: "cuda:0", what: "op 3 matmul", call: "cublasGemmEx", code: cublasAllocFailed, blas: true, desc: cublasDesc(cublasAllocFailed, "")}
	if !errors.Is(blas, backend.ErrOutOfMemory) {
		t.Error("CUBLAS_STATUS_ALLOC_FAILED does not wrap backend.ErrOutOfMemory")
	}
	for _, e := range []*cudaError{
		{code: 700, desc: "an illegal memory access was encountered"},
		{code: cudaErrorOutOfMemory, blas: true}, // code 2 of cuBLAS is not a memory failure
		{code: 7, blas: true},
	} {
		if errors.Is(e, backend.ErrOutOfMemory) {
			t.Errorf("code %d (blas %v) wraps ErrOutOfMemory", e.code, e.blas)
		}
	}
	if got := cublasDesc(7, "an invalid numeric value was used as an argument"); got != "an invalid numeric value was used as an argument (CUBLAS_STATUS_INVALID_VALUE)" {
		t.Errorf("cublasDesc = %q", got)
	}
	if got := cublasDesc(99, ""); got != "cuBLAS status 99" {
		t.Errorf("cublasDesc(99) = %q", got)
	}
}
