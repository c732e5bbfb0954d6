package bench

// Optional interfaces a backend or an executable implements to give bench what only it
// knows (the GPU, or which CPU kernels run). bench finds them with type assertions; a
// backend that implements none still measures latency and alloc_peak_bytes.

// MemorySampler is implemented by an Executable (the CUDA backend's) that can watch the
// device memory while graphs run. Measure calls StartMemorySampling just before the
// timed forwards and StopMemorySampling just after them.
type MemorySampler interface {
	// StartMemorySampling begins recording: a background sampler of the process's
	// device memory (NVML, e.g. every millisecond) and the device's used memory.
	StartMemorySampling()
	// StopMemorySampling ends recording and returns, in bytes, the highest device
	// memory NVML reported for this process while sampling
	// (Result.NVMLProcessPeakBytes) and the device's used memory at its highest
	// minus the baseline taken right after the context was created
	// (cuMemGetInfo; Result.DeviceUsedDeltaBytes). Either is nil where it could not
	// be measured, and note then says why (e.g. "NVML not found: GPU memory not
	// sampled"); note is empty when both were measured.
	StopMemorySampling() (nvmlProcessPeakBytes, deviceUsedDeltaBytes *int64, note string)
}

// GPUDescriber is implemented by a Backend that runs on a GPU: GPU describes the device
// (name, memory, driver and CUDA versions, clocks, temperature, throttle reasons) at
// the moment of the call, for the environment block. nil means the backend could not
// tell (CaptureEnvironment then adds a note).
type GPUDescriber interface {
	GPU() *GPUInfo
}

// KernelDescriber is implemented by a Backend whose speed depends on which of its own
// kernels this build and CPU selected (the CPU backend's AVX2+FMA, NEON or generic Go
// SGEMM): CPUKernel names the one in use, for the environment block.
type KernelDescriber interface {
	CPUKernel() string
}
