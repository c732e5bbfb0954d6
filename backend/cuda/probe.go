package cuda

// DriverInfo is what the CUDA driver API reports about the machine, without creating
// a context (for `ltsbench devices`).
type DriverInfo struct {
	CUDAVersion string     `json:"cuda_version"` // the newest CUDA the driver supports
	GPUs        []ProbeGPU `json:"gpus"`
}

// ProbeGPU is one GPU as the driver API orders them (the N of cuda:N).
type ProbeGPU struct {
	Ordinal           int    `json:"ordinal"`
	Name              string `json:"name"`
	UUID              string `json:"uuid,omitempty"`
	MemoryBytes       int64  `json:"memory_bytes"`
	ComputeCapability string `json:"compute_capability"`
	SMs               int    `json:"sms"`
}
