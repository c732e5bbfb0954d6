package bench

import (
	"github.com/ltsbench/ltsbench/internal/hugemem"
	"os"
	"runtime"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/sysinfo"
)

// CaptureEnvironment describes this machine and build for a result file: the ltsbench
// version and commit, Go version, OS/arch, the CPU (model, cores, SIMD features), the
// thread count, the host name and, when be runs on an accelerator and describes it
// (backend.DeviceDescriber), the device, its driver and runtime versions, and when be
// names its CPU kernels (backend.KernelDescriber), the SGEMM micro-kernel. threads ≤ 0
// records all cores. be may be nil (no device).
func CaptureEnvironment(threads int, be backend.Backend) Environment {
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	cpu := sysinfo.CPU()
	env := Environment{
		Ltsbench:    Version(),
		OS:          runtime.GOOS,
		Arch:        runtime.GOARCH,
		CPUModel:    cpu.Model,
		CPUCores:    cpu.Cores,
		CPUFeatures: cpu.Features,
		Threads:     threads,
		CPUAffinity: cpuAffinity(),

		TransparentHugePages: hugemem.Mode(),
	}
	if h, err := os.Hostname(); err == nil {
		env.Hostname = h
	}
	if be == nil {
		return env
	}
	dev := be.Device()
	env.Device = dev.String()
	if d, ok := be.(backend.KernelDescriber); ok {
		env.CPUKernel = d.CPUKernel()
	}
	if d, ok := be.(backend.DeviceDescriber); ok {
		env.GPU = d.DescribeDevice()
	}
	if k, ok := backend.KindOf(dev.Kind); env.GPU == nil && (!ok || k.Accelerator) {
		env.Notes = append(env.Notes, "GPU not described: the "+dev.String()+" backend does not report its device")
	}
	return env
}
