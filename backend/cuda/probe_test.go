package cuda

import (
	"errors"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/internal/sysinfo"
)

func noDriverProbe() (DriverInfo, error) {
	return DriverInfo{}, errors.New("no NVIDIA driver found (libcuda.so.1: cannot open shared object file: No such file or directory)")
}

func TestListWithoutDriver(t *testing.T) {
	p := listGPUs(noDriverProbe, func() sysinfo.GPUReport {
		return sysinfo.GPUReport{Note: "no NVIDIA driver found (NVML library libnvidia-ml.so.1 not found)"}
	})
	if len(p.Devices) != 0 || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "libcuda.so.1") {
		t.Errorf("probe %+v: want no GPU and the driver API's one note", p)
	}
}

// The driver API's order names the devices (cuda:N); NVML's description is matched by
// UUID even where NVML orders the GPUs differently.
func TestListMatchesNVMLByUUID(t *testing.T) {
	probe := func() (DriverInfo, error) {
		return DriverInfo{CUDAVersion: "13.0", GPUs: []sysinfo.GPU{
			{Index: 0, Name: "NVIDIA H200", UUID: "GPU-b", MemoryBytes: 150 << 30, ComputeCapability: "9.0", SMs: 132},
			{Index: 1, Name: "NVIDIA H200", UUID: "GPU-a", MemoryBytes: 150 << 30, ComputeCapability: "9.0", SMs: 132},
		}}, nil
	}
	nv := func() sysinfo.GPUReport {
		return sysinfo.GPUReport{GPUs: []sysinfo.GPU{
			{Index: 0, Name: "NVIDIA H200", UUID: "GPU-a", Driver: "580.65", CUDAVersion: "13.0", SMClockMHz: 1980},
			{Index: 1, Name: "NVIDIA H200", UUID: "GPU-b", Driver: "580.65", CUDAVersion: "13.0", SMClockMHz: 345},
			{Index: 2, Name: "NVIDIA H200", UUID: "GPU-c", Driver: "580.65"},
		}}
	}
	p := listGPUs(probe, nv)
	if len(p.Devices) != 3 {
		t.Fatalf("%d GPUs, want 3", len(p.Devices))
	}
	if g := p.Devices[0]; g.Device != "cuda:0" || g.UUID != "GPU-b" || g.Index != 1 || g.SMClockMHz != 345 || g.SMs != 132 {
		t.Errorf("cuda:0 = %+v, want NVML's GPU-b (index 1)", g)
	}
	if g := p.Devices[1]; g.Device != "cuda:1" || g.UUID != "GPU-a" || g.Index != 0 {
		t.Errorf("cuda:1 = %+v, want NVML's GPU-a", g)
	}
	if g := p.Devices[2]; g.Device != "" || g.UUID != "GPU-c" {
		t.Errorf("third = %+v, want GPU-c with no cuda:N", g)
	}
	if len(p.Notes) != 0 {
		t.Errorf("notes %v", p.Notes)
	}
}

func TestListWithoutNVML(t *testing.T) {
	probe := func() (DriverInfo, error) {
		return DriverInfo{CUDAVersion: "12.4", GPUs: []sysinfo.GPU{{Index: 0, Name: "NVIDIA A100", UUID: "GPU-x", MemoryBytes: 40 << 30, ComputeCapability: "8.0"}}}, nil
	}
	p := listGPUs(probe, func() sysinfo.GPUReport { return sysinfo.GPUReport{Note: "NVML: Unknown Error"} })
	if len(p.Devices) != 1 || p.Devices[0].Name != "NVIDIA A100" || p.Devices[0].CUDAVersion != "12.4" || p.Devices[0].Device != "cuda:0" || len(p.Notes) != 1 {
		t.Errorf("probe %+v: want the driver API's GPU and NVML's note", p)
	}
}

// The text under the devices table says where the backend looks for cuBLAS and what it
// found there.
func TestCublasSearchText(t *testing.T) {
	out := CublasSearchInfo{
		Candidates: []string{"libcublas.so.13", "/opt/t/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13"},
		LookedIn:   []string{"/usr/local/cuda/lib64", "/opt/*/.venv/lib/python3*/site-packages/nvidia/*/lib"},
	}.String()
	want := "cuBLAS candidates: /opt/t/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13\n" +
		"cuBLAS looked in: the loader's path, /usr/local/cuda/lib64, /opt/*/.venv/lib/python3*/site-packages/nvidia/*/lib"
	if out != want {
		t.Errorf("text %q, want %q", out, want)
	}
	if got := (CublasSearchInfo{Candidates: []string{"libcublas.so.13"}}).String(); !strings.HasPrefix(got, "cuBLAS candidates: none in the folders") {
		t.Errorf("no candidate on disk: %q", got)
	}
}
