package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/backend/cuda"
)

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

// The table prints what a kind says about its set-up under the GPUs.
func TestDevicesTablePrintsBackendDetails(t *testing.T) {
	rep := devicesJSON{Backends: map[string]any{"cuda": cuda.CublasSearchInfo{
		Candidates: []string{"/usr/lib/libcublas.so.13"}, LookedIn: []string{"/usr/lib"},
	}}}
	var b strings.Builder
	if err := writeDevicesTable(&b, rep); err != nil {
		t.Fatal(err)
	}
	if want := "cuBLAS candidates: /usr/lib/libcublas.so.13\ncuBLAS looked in: the loader's path, /usr/lib\n"; !strings.Contains(b.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, b.String())
	}
}
