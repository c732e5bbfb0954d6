package sysinfo

import (
	"bufio"
	"io"
	"os"
	"runtime"
	"strings"
)

// CPUInfo describes the host CPU.
type CPUInfo struct {
	Model    string   `json:"model"`
	Cores    int      `json:"cores"`    // logical CPUs this process may run on
	Features []string `json:"features"` // SIMD features relevant to the CPU kernels, in a fixed order
}

// CPU describes the host CPU: the model name from /proc/cpuinfo (the architecture name
// where the file says nothing usable), the logical CPUs available to this process and
// its SIMD features.
func CPU() CPUInfo {
	model := ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		model = cpuModel(f)
		f.Close()
	}
	if model == "" {
		model = runtime.GOARCH + " CPU"
	}
	return CPUInfo{Model: model, Cores: runtime.NumCPU(), Features: cpuFeatures()}
}

// cpuModel reads the model name from a /proc/cpuinfo listing: "model name" on x86,
// else "Hardware" or "Processor" (some arm64 kernels), else "" .
func cpuModel(r io.Reader) string {
	found := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.Join(strings.Fields(val), " ")
		if val == "" {
			continue
		}
		if _, seen := found[key]; !seen {
			found[key] = val
		}
	}
	for _, k := range []string{"model name", "Hardware", "Processor", "cpu model"} {
		if v := found[k]; v != "" {
			return v
		}
	}
	return ""
}
