package main

import (
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/backend/cuda"
	"github.com/ltsbench/ltsbench/internal/sysinfo"
)

var testCPU = sysinfo.CPUInfo{Model: "AMD EPYC 7B13", Cores: 2, Features: []string{"avx2", "fma"}}

func noDriver() (cuda.DriverInfo, error) {
	return cuda.DriverInfo{}, errors.New("no NVIDIA driver found (libcuda.so.1: cannot open shared object file: No such file or directory)")
}

func TestDevicesWithoutDriver(t *testing.T) {
	rep := devicesReport(testCPU, noDriver, func() sysinfo.GPUReport {
		return sysinfo.GPUReport{Note: "no NVIDIA driver found (NVML library libnvidia-ml.so.1 not found)"}
	})
	if len(rep.GPUs) != 0 || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "libcuda.so.1") {
		t.Errorf("report %+v: want no GPU and the driver API's one note", rep)
	}
}

// The driver API's order names the devices (cuda:N); NVML's description is matched by
// UUID even where NVML orders the GPUs differently.
func TestDevicesMatchNVMLByUUID(t *testing.T) {
	probe := func() (cuda.DriverInfo, error) {
		return cuda.DriverInfo{CUDAVersion: "13.0", GPUs: []cuda.ProbeGPU{
			{Ordinal: 0, Name: "NVIDIA H200", UUID: "GPU-b", MemoryBytes: 150 << 30, ComputeCapability: "9.0", SMs: 132},
			{Ordinal: 1, Name: "NVIDIA H200", UUID: "GPU-a", MemoryBytes: 150 << 30, ComputeCapability: "9.0", SMs: 132},
		}}, nil
	}
	nv := func() sysinfo.GPUReport {
		return sysinfo.GPUReport{GPUs: []sysinfo.GPU{
			{Index: 0, Name: "NVIDIA H200", UUID: "GPU-a", Driver: "580.65", CUDAVersion: "13.0", SMClockMHz: 1980},
			{Index: 1, Name: "NVIDIA H200", UUID: "GPU-b", Driver: "580.65", CUDAVersion: "13.0", SMClockMHz: 345},
			{Index: 2, Name: "NVIDIA H200", UUID: "GPU-c", Driver: "580.65"},
		}}
	}
	rep := devicesReport(testCPU, probe, nv)
	if len(rep.GPUs) != 3 {
		t.Fatalf("%d GPUs, want 3", len(rep.GPUs))
	}
	if g := rep.GPUs[0]; g.Device != "cuda:0" || g.UUID != "GPU-b" || g.Index != 1 || g.SMClockMHz != 345 || g.SMs != 132 {
		t.Errorf("cuda:0 = %+v, want NVML's GPU-b (index 1)", g)
	}
	if g := rep.GPUs[1]; g.Device != "cuda:1" || g.UUID != "GPU-a" || g.Index != 0 {
		t.Errorf("cuda:1 = %+v, want NVML's GPU-a", g)
	}
	if g := rep.GPUs[2]; g.Device != "" || g.UUID != "GPU-c" {
		t.Errorf("third = %+v, want GPU-c with no cuda:N", g)
	}
	if len(rep.Notes) != 0 {
		t.Errorf("notes %v", rep.Notes)
	}
}

func TestDevicesWithoutNVML(t *testing.T) {
	probe := func() (cuda.DriverInfo, error) {
		return cuda.DriverInfo{CUDAVersion: "12.4", GPUs: []cuda.ProbeGPU{{Ordinal: 0, Name: "NVIDIA A100", UUID: "GPU-x", MemoryBytes: 40 << 30, ComputeCapability: "8.0"}}}, nil
	}
	rep := devicesReport(testCPU, probe, func() sysinfo.GPUReport { return sysinfo.GPUReport{Note: "NVML: Unknown Error"} })
	if len(rep.GPUs) != 1 || rep.GPUs[0].Name != "NVIDIA A100" || rep.GPUs[0].CUDAVersion != "12.4" || len(rep.Notes) != 1 {
		t.Errorf("report %+v: want the driver API's GPU and NVML's note", rep)
	}
}

// On this machine: the CPU as sysinfo sees it and, without a GPU, a note saying why.
func TestDevicesCommand(t *testing.T) {
	code, out, errOut := runLtsbench(t, "devices", "--format", "json")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var rep devicesJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if rep.CPU.Model == "" || rep.CPU.Cores != runtime.NumCPU() {
		t.Errorf("cpu %+v", rep.CPU)
	}
	_, drvErr := cuda.Probe()
	if drvErr != nil && (len(rep.GPUs) != 0 || len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], drvErr.Error())) {
		t.Errorf("without a driver: gpus %v, notes %v; want none and %q", rep.GPUs, rep.Notes, drvErr)
	}
	code, out, errOut = runLtsbench(t, "devices")
	if code != 0 || !strings.Contains(out, rep.CPU.Model) || (drvErr != nil && !strings.Contains(out, "note: "+drvErr.Error())) {
		t.Errorf("table: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	wantFailure(t, []string{"devices", "--format", "csv"}, 2, "--format")
	wantFailure(t, []string{"devices", "gpu"}, 2, "no arguments")
}

// With no driver (or a build without cgo), a measurement on cuda:0 says so in one line
// and exits 1.
func TestCUDADeviceWithoutDriver(t *testing.T) {
	_, err := cuda.Probe()
	switch {
	case err == nil:
		t.Skip("a CUDA driver is installed here")
	case strings.Contains(err.Error(), "without CUDA support"):
		wantFailure(t, []string{"measure", "--device", "cuda:0", "--preset", "gpt2-tiny"}, 1, "cuda:0: this ltsbench was built without CUDA support")
	default:
		wantFailure(t, []string{"measure", "--device", "cuda:0", "--preset", "gpt2-tiny"}, 1, "cuda:0: no NVIDIA driver found (libcuda.so.1")
	}
}

// The table says where the CUDA backend looks for cuBLAS and what it found there.
func TestDevicesTableNamesCublasSearch(t *testing.T) {
	rep := devicesJSON{CUBLAS: &cublasSearch{
		Candidates: []string{"libcublas.so.13", "/opt/t/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13"},
		LookedIn:   []string{"/usr/local/cuda/lib64", "/opt/*/.venv/lib/python3*/site-packages/nvidia/*/lib"},
	}}
	var b strings.Builder
	if err := writeDevicesTable(&b, rep); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"cuBLAS candidates: /opt/t/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13\n",
		"cuBLAS looked in: the loader's path, /usr/local/cuda/lib64, /opt/*/.venv/lib/python3*/site-packages/nvidia/*/lib\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
