package sysinfo

import (
	"fmt"
	"math/bits"
)

// GPU describes one GPU (an accelerator of any backend kind): it is the one description
// of a device in ltsbench. NVML fills it for `ltsbench devices`, a backend fills it for
// the environment block of a result (backend.DeviceDescriber), and results read it back
// from run.json. Numbers that could not be learnt are 0, strings "". The JSON names are
// those result files have always used.
type GPU struct {
	// Index is the device's number: the N of the backend's kind:N in a result's
	// environment, NVML's index (PCI bus order) in NVML's list.
	Index             int      `json:"index"`
	Name              string   `json:"name"`
	UUID              string   `json:"uuid,omitempty"`
	MemoryBytes       int64    `json:"memory_bytes"`
	MemoryUsedBytes   int64    `json:"memory_used_bytes,omitempty"`
	Driver            string   `json:"driver"`
	CUDAVersion       string   `json:"cuda_version"` // the newest CUDA the driver supports, "13.0"
	ComputeCapability string   `json:"compute_capability"`
	SMs               int      `json:"sms,omitempty"` // streaming multiprocessors (compute units)
	SMClockMHz        int      `json:"sm_clock_mhz,omitempty"`
	MemClockMHz       int      `json:"mem_clock_mhz,omitempty"`
	MaxSMClockMHz     int      `json:"max_sm_clock_mhz,omitempty"`
	MaxMemClockMHz    int      `json:"max_mem_clock_mhz,omitempty"`
	TemperatureC      int      `json:"temperature_c,omitempty"`
	PowerW            float64  `json:"power_w,omitempty"`
	ThrottleReasons   []string `json:"throttle_reasons,omitempty"`
	// GEMM is what computed the matrix products of a measurement: "cuBLAS 130000
	// (libcublas.so.13)", or the backend's own kernel when the machine has no cuBLAS
	// (slower: not comparable).
	GEMM string `json:"gemm,omitempty"`
}

// GPUReport is what NVML says about the machine's GPUs. Note explains an empty list
// (no driver, no NVML, a build without cgo) and is empty otherwise.
type GPUReport struct {
	GPUs []GPU  `json:"gpus"`
	Note string `json:"note,omitempty"`
}

// MemoryPeak is the result of a MemorySampler.
type MemoryPeak struct {
	// Bytes is the highest device memory NVML reported for the process, or with
	// DeviceWide the highest used memory of the whole device (when the process never
	// appeared in NVML's list, as inside a container with its own PID namespace).
	Bytes      int64
	DeviceWide bool
	Samples    int
	// OK is false when no sample succeeded; Note then says why.
	OK   bool
	Note string
}

// CUDAVersionString formats NVML's or the driver API's CUDA version number (13000 →
// "13.0", 12040 → "12.4").
func CUDAVersionString(v int) string {
	if v <= 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}

// throttleNames are NVML's clocks event (throttle) reason bits, lowest bit first.
var throttleNames = []string{
	"gpu_idle", "applications_clocks_setting", "sw_power_cap", "hw_slowdown", "sync_boost",
	"sw_thermal_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown",
	"display_clock_setting",
}

// ThrottleReasons names the set bits of NVML's clocks event reasons mask, in bit order;
// unknown bits appear as "bit_N".
func ThrottleReasons(mask uint64) []string {
	var out []string
	for mask != 0 {
		b := bits.TrailingZeros64(mask)
		mask &^= 1 << b
		if b < len(throttleNames) {
			out = append(out, throttleNames[b])
		} else {
			out = append(out, fmt.Sprintf("bit_%d", b))
		}
	}
	return out
}

// UUIDString formats the 16 bytes of a CUDA device UUID (cuDeviceGetUuid) the way NVML
// names the device: "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
func UUIDString(b [16]byte) string {
	return fmt.Sprintf("GPU-%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
