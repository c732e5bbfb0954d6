package bench

import "github.com/ltsbench/ltsbench/internal/sysinfo"

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
	// TransparentHugePages is the system's transparent huge page setting ("madvise",
	// "always", "never"; empty where there is none): with "madvise" or "always" the CPU
	// backend's weights and arena are on 2 MiB pages (internal/hugemem), which a decode
	// step, streaming every weight, runs measurably faster on.
	TransparentHugePages string `json:"transparent_hugepages,omitempty"`
	Hostname             string `json:"hostname,omitempty"`
	Device               string `json:"device,omitempty"` // the device measured on (cpu, cuda:N: backend.Device)
	// CPUKernel names the SGEMM micro-kernel the CPU backend chose for this build and
	// CPU (e.g. "amd64 AVX2+FMA 4×24", or the generic Go one with -tags noasm): CPU
	// latencies of two builds compare only when it is the same.
	CPUKernel string `json:"cpu_kernel,omitempty"`
	// GPU describes the accelerator of a measurement on one (backend.DeviceDescriber).
	GPU   *sysinfo.GPU `json:"gpu,omitempty"`
	Notes []string     `json:"notes,omitempty"` // e.g. "NVML not found: GPU memory not sampled"
}
