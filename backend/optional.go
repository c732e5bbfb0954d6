package backend

import "github.com/ltsbench/ltsbench/internal/sysinfo"

// Optional interfaces a Backend or an Executable implements to tell the measurement what
// only it knows (the device, its memory, which CPU kernels run). The measurement finds
// them with type assertions; a backend that implements none still measures latency and
// alloc_peak_bytes.

// WorkspaceReporter is implemented by executables that hold memory beyond the model's
// three regions (weights, arena, state): a cuBLAS workspace, GEMM packing buffers. It is
// reported next to alloc_peak_bytes, which counts the model alone, so that the two add up
// to everything the backend allocated.
type WorkspaceReporter interface {
	// WorkspaceBytes is that memory now (after the runs so far).
	WorkspaceBytes() int64
}

// MemorySampler is implemented by an Executable that can watch its device's memory while
// graphs run (the CUDA backend's). The measurement calls StartMemorySampling just before
// the timed forwards and StopMemorySampling just after them.
type MemorySampler interface {
	// StartMemorySampling begins recording: a background sampler of the process's
	// device memory (NVML, e.g. every millisecond) and the device's used memory.
	StartMemorySampling()
	// StopMemorySampling ends recording and returns, in bytes, the highest device
	// memory reported for this process while sampling (nvml_process_peak_bytes) and
	// the device's used memory at its highest minus the baseline taken right after the
	// context was created (device_used_delta_bytes). Either is nil where it could not
	// be measured, and note then says why (e.g. "NVML not found: GPU memory not
	// sampled"); note is empty when both were measured.
	StopMemorySampling() (processPeakBytes, deviceUsedDeltaBytes *int64, note string)
}

// DeviceDescriber is implemented by a Backend that runs on an accelerator: DescribeDevice
// describes the device (name, memory, driver and runtime versions, clocks, temperature,
// throttle reasons, what computes the matrix products) at the moment of the call, for
// the environment block. nil means the backend could not tell.
type DeviceDescriber interface {
	DescribeDevice() *sysinfo.GPU
}

// KernelDescriber is implemented by a Backend whose speed depends on which of its own
// kernels this build and CPU selected (the CPU backend's AVX2+FMA, NEON or generic Go
// SGEMM): CPUKernel names the one in use, for the environment block.
type KernelDescriber interface {
	CPUKernel() string
}

// Summarizer is implemented by a Backend with more to say about its set-up than its
// device name (the CUDA backend: the GPU, the driver, what computes the matrix products,
// the math and launch modes): Summary is one line for logs.
type Summarizer interface {
	Summary() string
}
