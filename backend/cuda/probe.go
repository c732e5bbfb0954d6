package cuda

import (
	"fmt"
	"strings"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/sysinfo"
)

// DriverInfo is what the CUDA driver API reports about the machine, without creating
// a context (for `ltsbench devices`).
type DriverInfo struct {
	CUDAVersion string `json:"cuda_version"` // the newest CUDA the driver supports
	// GPUs in the driver API's order: Index is the N of cuda:N.
	GPUs []sysinfo.GPU `json:"gpus"`
}

// CublasSearchInfo is the cuBLAS the CUDA backend would load: the libraries it tries in
// order (sonames on the loader's path first) and the folders it looked in.
type CublasSearchInfo struct {
	Candidates []string `json:"candidates"`
	LookedIn   []string `json:"looked_in"`
}

// String is the two lines `ltsbench devices` prints under its table.
func (c CublasSearchInfo) String() string {
	var onDisk []string
	for _, p := range c.Candidates {
		if strings.Contains(p, "/") {
			onDisk = append(onDisk, p)
		}
	}
	if len(onDisk) == 0 {
		onDisk = []string{"none in the folders (the loader still tries its own path)"}
	}
	return fmt.Sprintf("cuBLAS candidates: %s\ncuBLAS looked in: the loader's path, %s",
		strings.Join(onDisk, ", "), strings.Join(c.LookedIn, ", "))
}

// List is the cuda kind's probe (backend.Kind.Probe): the GPUs of the driver API, the
// cuBLAS search, and notes on what is missing.
func List() backend.Probe {
	p := listGPUs(Probe, sysinfo.GPUs)
	looked, cands := CublasSearch()
	p.Details = CublasSearchInfo{Candidates: cands, LookedIn: looked}
	return p
}

// listGPUs merges the driver API's GPU list (the cuda:N order) with NVML's (by UUID):
// NVML's description where it knows the GPU, then the GPUs NVML sees that CUDA does not
// (CUDA_VISIBLE_DEVICES, or no usable driver API) without a device name.
func listGPUs(probe func() (DriverInfo, error), nvml func() sysinfo.GPUReport) backend.Probe {
	p := backend.Probe{Devices: []backend.Listed{}}
	drv, drvErr := probe()
	nv := nvml()
	byUUID := map[string]sysinfo.GPU{}
	for _, g := range nv.GPUs {
		byUUID[g.UUID] = g
	}
	used := map[string]bool{}
	for _, d := range drv.GPUs {
		l := backend.Listed{Device: fmt.Sprintf("cuda:%d", d.Index)}
		if g, ok := byUUID[d.UUID]; ok && d.UUID != "" {
			l.GPU = g
			l.SMs = d.SMs
			used[d.UUID] = true
		} else {
			l.GPU = d
			l.Index = -1 // not NVML's
			l.CUDAVersion = drv.CUDAVersion
		}
		p.Devices = append(p.Devices, l)
	}
	for _, g := range nv.GPUs {
		if !used[g.UUID] {
			p.Devices = append(p.Devices, backend.Listed{GPU: g})
		}
	}
	if drvErr != nil {
		p.Notes = append(p.Notes, drvErr.Error())
	}
	// NVML's own "no driver" needs no second note when the driver API said it already.
	if nv.Note != "" && !(drvErr != nil && strings.Contains(nv.Note, "no NVIDIA driver")) {
		p.Notes = append(p.Notes, nv.Note)
	}
	return p
}
