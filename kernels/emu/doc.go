// Package emu runs the CUDA C kernels of package kernels on the CPU, for tests: it
// compiles the kernel sources with g++ together with a shim header (cxx/emu.h: __global__
// becomes a function, threadIdx/blockIdx are per-thread values, __shared__ is static)
// and a runtime (cxx/harness.cc) that runs every CUDA thread as a coroutine, so
// __syncthreads, __syncwarp and warp shuffles behave as on a GPU and divergent
// barriers are reported. A Program — kernel launches and cuBLAS-style column-major
// GEMMs over byte regions — is executed by the compiled harness in a child process.
// BuildFakeDriver makes, from the same runtime, a stand-in libcuda.so.1 and
// libcublas.so.13 (cxx/fake_cuda.cc) so that the CUDA backend's cgo layer can run its
// GPU tests on a machine without one.
//
// It checks index arithmetic, masks, reductions and barrier placement; it cannot
// check timing, memory coalescing, register or shared-memory limits, or the PTX the
// GPU driver compiles.
package emu
