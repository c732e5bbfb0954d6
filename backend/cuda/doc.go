// Package cuda runs graphs on NVIDIA GPUs: an executor over the CUDA driver API and
// cuBLAS, both loaded at run time with dlopen from a small cgo file that declares its
// own prototypes, so no CUDA header or library is needed to build, and one binary runs
// on CPU-only machines (where Open says no driver was found) and on GPUs whose driver
// supports CUDA 11.8 or newer (driver 520+): the embedded PTX is ISA 7.8, made by NVRTC
// 11.8 for compute_80, which older drivers cannot JIT-compile. cuBLAS 11, 12 or 13 is
// used, never a major newer than the driver's CUDA.
//
// How a graph runs: the weights, the planned arena and the state (Transformer-XL's
// memory, a KV cache) are three device allocations (exactly
// model.Graph.AllocPeakBytes); every op becomes launches of the kernels embedded from
// package kernels (PTX, JIT-compiled by the driver) or a cuBLAS GEMM, with pointers =
// region base + Tensor.Off (lower.go). At Compile the whole op sequence is run once
// eagerly (so cuBLAS does its lazy set-up outside a capture) and then captured into a
// CUDA graph per model graph; RunTimed
// replays it between two CUDA events (with Options.NoGraph, the kind's "no-graph"
// setting, it launches op by op).
//
// A cached forward pass (model.BuildDecode: a prefill, a decode step) is a model graph
// like any other: its KV cache lives in the state region, every pass of a generation is
// compiled together with the others and so gets its own CUDA graph, with its start
// position and cache window fixed in the captured launches of kv_append_f32 and
// cached_attention_f32 (kernels/decode.cu).
//
// Threading: a CUDA context is current per OS thread, so one goroutine, locked to its
// OS thread for the backend's life, owns the primary context and makes every driver
// and cuBLAS call; the methods hand it closures and wait (worker.go). The alternative,
// LockOSThread + cuCtxSetCurrent on every entry, would let calls of different
// goroutines interleave on the stream during a graph capture; one owner thread makes
// capture (and cuBLAS's per-thread state) safe by construction. The process keeps one
// reference to each device's primary context until it exits, so closing the last
// Backend does not reset the context under cuBLAS's runtime, and the next Open does
// not create it again.
//
// Without cgo or off Linux the package registers an opener that says this build has
// no CUDA support. NVML (memory sampling, device description) lives in
// internal/sysinfo.
//
// Environment: LTSBENCH_CUBLAS names the cuBLAS library to load, or its folder (else
// libcublas.so.13, .12, .11 on the loader's path, then the usual toolkit, conda and pip
// folders, PyTorch virtual environments under /opt and the environment of each python3
// on PATH; majors newer than the driver's CUDA are skipped, and a cuBLAS whose handle
// cannot be created gives way to the next; a cuBLAS given by path gets the
// libcublasLt beside it loaded first; `ltsbench devices` lists the candidates);
// LTSBENCH_CUDA_SYNC=1 synchronises after every kernel and GEMM of an eager run (with
// --no-graph), so that an asynchronous fault names its op.
//
// Tests: without a GPU, the lowering and the kernels run the conformance suite on the
// CPU emulator of package kernels/emu, and the cgo layer runs this package's GPU tests
// against a fake libcuda.so.1/libcublas built from that emulator; on a GPU the same
// tests run on the device (LTSBENCH_REQUIRE_GPU=1 turns "no GPU" into a failure).
package cuda
