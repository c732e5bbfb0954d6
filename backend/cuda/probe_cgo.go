//go:build linux && cgo

package cuda

import (
	"fmt"

	"github.com/ltsbench/ltsbench/internal/sysinfo"
)

// Probe loads the driver and lists the GPUs. Without a driver it returns one line
// saying so ("no NVIDIA driver found (libcuda.so.1: cannot open shared object file…)").
func Probe() (DriverInfo, error) {
	if msg := loadDriver(); msg != "" {
		return DriverInfo{}, fmt.Errorf("no NVIDIA driver found (%s)", msg)
	}
	w := newWorker()
	defer w.stop()
	var info DriverInfo
	err := w.do(func() error {
		if err := drvInit("cuda"); err != nil {
			return err
		}
		info.CUDAVersion = sysinfo.CUDAVersionString(drvVersion())
		n, err := drvDeviceCount("cuda")
		if err != nil {
			return err
		}
		for i := range n {
			d, err := drvDevice(fmt.Sprintf("cuda:%d", i), i)
			if err != nil {
				return err
			}
			info.GPUs = append(info.GPUs, sysinfo.GPU{Index: i, Name: d.name, UUID: d.uuid, MemoryBytes: d.memoryBytes,
				ComputeCapability: fmt.Sprintf("%d.%d", d.ccMajor, d.ccMinor), SMs: d.sms})
		}
		return nil
	})
	return info, err
}
