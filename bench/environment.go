package bench

// Environment describes the machine and build a result was measured with; it is written
// into every result file.
type Environment struct {
	Ltsbench    VersionInfo `json:"ltsbench"`
	OS          string      `json:"os"`
	Arch        string      `json:"arch"`
	CPUModel    string      `json:"cpu_model"`
	CPUCores    int         `json:"cpu_cores"`
	CPUFeatures []string    `json:"cpu_features"`
	Threads     int         `json:"threads"`
	// CPUAffinity is the CPUs the process may run on (Linux: "0-1", "2,3"), empty
	// where the operating system does not say. ltsbench does not pin threads itself:
	// the CPU backend's workers are goroutines that the Go scheduler moves between OS
	// threads, so pinning a thread (sched_setaffinity) would not pin the work. Confine
	// the whole process instead (taskset -c 2,3 ltsbench …, or a cpuset); this field
	// records what it ran on.
	CPUAffinity string `json:"cpu_affinity,omitempty"`
	Hostname    string `json:"hostname,omitempty"`
	Device      string `json:"device,omitempty"` // the device measured on (cpu, cuda:N)
	// CPUKernel names the SGEMM micro-kernel the CPU backend chose for this build and
	// CPU (e.g. "amd64 AVX2+FMA 4×24", or the generic Go one with -tags noasm): CPU
	// latencies of two builds compare only when it is the same.
	CPUKernel string   `json:"cpu_kernel,omitempty"`
	GPU       *GPUInfo `json:"gpu,omitempty"`
	Notes     []string `json:"notes,omitempty"` // e.g. "NVML not found: GPU memory not sampled"
}

// GPUInfo describes the GPU of a CUDA measurement.
type GPUInfo struct {
	Index             int      `json:"index"`
	Name              string   `json:"name"`
	MemoryBytes       int64    `json:"memory_bytes"`
	Driver            string   `json:"driver"`
	CUDAVersion       string   `json:"cuda_version"`
	ComputeCapability string   `json:"compute_capability"`
	SMClockMHz        int      `json:"sm_clock_mhz,omitempty"`
	MemClockMHz       int      `json:"mem_clock_mhz,omitempty"`
	TemperatureC      int      `json:"temperature_c,omitempty"`
	ThrottleReasons   []string `json:"throttle_reasons,omitempty"`
	// GEMM is what computed the matrix products: "cuBLAS 130000 (libcublas.so.13)", or
	// the backend's own kernel when the machine has no cuBLAS (slower: not comparable).
	GEMM string `json:"gemm,omitempty"`
}
