//go:build cgo && linux

package sysinfo

import (
	"fmt"
	"sync"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// newNVML is how the exported functions reach NVML; tests replace it with go-nvml's
// mocks.
var newNVML = func() nvml.Interface { return nvml.New() }

// initNVML initialises NVML, or says in one phrase why it cannot: both "library not
// found" and "driver not loaded" mean this machine has no usable NVIDIA GPU.
func initNVML() (nvml.Interface, string) {
	lib := newNVML()
	switch ret := lib.Init(); ret {
	case nvml.SUCCESS:
		return lib, ""
	case nvml.ERROR_LIBRARY_NOT_FOUND:
		return nil, "no NVIDIA driver found (NVML library libnvidia-ml.so.1 not found)"
	case nvml.ERROR_DRIVER_NOT_LOADED:
		return nil, "no NVIDIA driver loaded (NVML: " + nvml.ErrorString(ret) + ")"
	default:
		return nil, "NVML: " + nvml.ErrorString(ret)
	}
}

// GPUs lists the NVIDIA GPUs through NVML. Without a driver or NVML the list is empty
// and Note says so; that is not an error.
func GPUs() GPUReport {
	lib, note := initNVML()
	if lib == nil {
		return GPUReport{Note: note}
	}
	defer lib.Shutdown()
	return listGPUs(lib)
}

func listGPUs(lib nvml.Interface) GPUReport {
	n, ret := lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return GPUReport{Note: "NVML: counting devices: " + nvml.ErrorString(ret)}
	}
	rep := GPUReport{GPUs: []GPU{}}
	for i := range n {
		dev, ret := lib.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			rep.Note = fmt.Sprintf("NVML: device %d: %s", i, nvml.ErrorString(ret))
			continue
		}
		rep.GPUs = append(rep.GPUs, describe(lib, dev, i))
	}
	if n == 0 {
		rep.Note = "NVML found no GPU"
	}
	return rep
}

// GPUByUUID describes the GPU NVML knows by uuid ("GPU-…"), as it is now (clocks,
// temperature, throttle reasons).
func GPUByUUID(uuid string) (GPU, error) {
	lib, note := initNVML()
	if lib == nil {
		return GPU{}, fmt.Errorf("%s", note)
	}
	defer lib.Shutdown()
	dev, idx, err := findDevice(lib, uuid, -1)
	if err != nil {
		return GPU{}, err
	}
	return describe(lib, dev, idx), nil
}

// findDevice finds a device by UUID, or by NVML index when uuid is "" (CUDA's and
// NVML's orders may differ, so the UUID is preferred).
func findDevice(lib nvml.Interface, uuid string, index int) (nvml.Device, int, error) {
	if uuid != "" {
		dev, ret := lib.DeviceGetHandleByUUID(uuid)
		if ret != nvml.SUCCESS {
			return nil, 0, fmt.Errorf("NVML has no device %s: %s", uuid, nvml.ErrorString(ret))
		}
		idx, ret := dev.GetIndex()
		if ret != nvml.SUCCESS {
			idx = index
		}
		return dev, idx, nil
	}
	dev, ret := lib.DeviceGetHandleByIndex(index)
	if ret != nvml.SUCCESS {
		return nil, 0, fmt.Errorf("NVML has no device %d: %s", index, nvml.ErrorString(ret))
	}
	return dev, index, nil
}

// describe reads what NVML knows about one device; what it cannot read stays zero.
func describe(lib nvml.Interface, dev nvml.Device, index int) GPU {
	g := GPU{Index: index}
	if v, ret := lib.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		g.Driver = v
	}
	if v, ret := lib.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS {
		g.CUDAVersion = CUDAVersionString(v)
	}
	if v, ret := dev.GetName(); ret == nvml.SUCCESS {
		g.Name = v
	}
	if v, ret := dev.GetUUID(); ret == nvml.SUCCESS {
		g.UUID = v
	}
	if m, ret := dev.GetMemoryInfo(); ret == nvml.SUCCESS {
		g.MemoryBytes, g.MemoryUsedBytes = int64(m.Total), int64(m.Used)
	}
	if major, minor, ret := dev.GetCudaComputeCapability(); ret == nvml.SUCCESS {
		g.ComputeCapability = fmt.Sprintf("%d.%d", major, minor)
	}
	clock := func(f func(nvml.ClockType) (uint32, nvml.Return), t nvml.ClockType) int {
		if v, ret := f(t); ret == nvml.SUCCESS {
			return int(v)
		}
		return 0
	}
	g.SMClockMHz = clock(dev.GetClockInfo, nvml.CLOCK_SM)
	g.MemClockMHz = clock(dev.GetClockInfo, nvml.CLOCK_MEM)
	g.MaxSMClockMHz = clock(dev.GetMaxClockInfo, nvml.CLOCK_SM)
	g.MaxMemClockMHz = clock(dev.GetMaxClockInfo, nvml.CLOCK_MEM)
	if v, ret := dev.GetTemperature(nvml.TEMPERATURE_GPU); ret == nvml.SUCCESS {
		g.TemperatureC = int(v)
	}
	if v, ret := dev.GetPowerUsage(); ret == nvml.SUCCESS {
		g.PowerW = float64(v) / 1000
	}
	// Drivers ≥ 535 name them "clocks event reasons"; older ones only have the
	// deprecated "throttle reasons" (same bits). Calling a symbol the library lacks
	// would crash, so look it up first.
	var mask uint64
	ret := nvml.ERROR_FUNCTION_NOT_FOUND
	if lib.Extensions().LookupSymbol("nvmlDeviceGetCurrentClocksEventReasons") == nil {
		mask, ret = dev.GetCurrentClocksEventReasons()
	}
	if ret != nvml.SUCCESS {
		mask, ret = dev.GetCurrentClocksThrottleReasons()
	}
	if ret == nvml.SUCCESS {
		g.ThrottleReasons = ThrottleReasons(mask)
	}
	return g
}

// MemorySampler polls NVML for the device memory of one process while a measurement
// runs and keeps the highest value.
type MemorySampler struct {
	stop, done chan struct{}
	once       sync.Once
	peak       MemoryPeak
}

// notAvailable is NVML_VALUE_NOT_AVAILABLE, what NVML reports for a process's memory
// when it cannot account it. Inside containers NVML lists the process with 0 bytes
// instead: a process that runs on the GPU holds at least its context, so 0 is taken as
// "not available" too.
const notAvailable = ^uint64(0)

// StartMemorySampler starts polling every period the memory NVML accounts to process
// pid on the GPU with the given UUID (or NVML index when uuid is ""). If pid never
// appears among the device's compute processes (a container with its own PID
// namespace) or is only ever listed with 0 bytes (what containers report), the peak
// is the device's used memory instead (MemoryPeak.DeviceWide).
func StartMemorySampler(uuid string, index, pid int, period time.Duration) (*MemorySampler, error) {
	lib, note := initNVML()
	if lib == nil {
		return nil, fmt.Errorf("%s", note)
	}
	dev, _, err := findDevice(lib, uuid, index)
	if err != nil {
		lib.Shutdown()
		return nil, err
	}
	return startSampler(dev, pid, period, func() { lib.Shutdown() }), nil
}

func startSampler(dev nvml.Device, pid int, period time.Duration, cleanup func()) *MemorySampler {
	s := &MemorySampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer cleanup()
		var proc, device uint64
		seen, deviceSeen, zero, n := false, false, false, 0
		sample := func() {
			n++
			if ps, ret := dev.GetComputeRunningProcesses(); ret == nvml.SUCCESS {
				for _, p := range ps {
					if int(p.Pid) != pid {
						continue
					}
					if p.UsedGpuMemory == 0 {
						zero = true
						break
					}
					if p.UsedGpuMemory != notAvailable {
						seen = true
						proc = max(proc, p.UsedGpuMemory)
						return
					}
				}
			}
			if m, ret := dev.GetMemoryInfo(); ret == nvml.SUCCESS {
				deviceSeen = true
				device = max(device, m.Used)
			}
		}
		sample()
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				sample() // the state at the end counts too
				switch {
				case seen:
					s.peak = MemoryPeak{Bytes: int64(proc), Samples: n, OK: true}
				case deviceSeen && zero:
					s.peak = MemoryPeak{Bytes: int64(device), DeviceWide: true, Samples: n, OK: true,
						Note: "NVML reported 0 bytes for this process (a container?): nvml_process_peak_bytes is the device's used memory"}
				case deviceSeen:
					s.peak = MemoryPeak{Bytes: int64(device), DeviceWide: true, Samples: n, OK: true,
						Note: "NVML did not list this process (another PID namespace?): nvml_process_peak_bytes is the device's used memory"}
				default:
					s.peak = MemoryPeak{Samples: n, Note: "NVML reported neither process nor device memory"}
				}
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the peak. It may be called more than once.
func (s *MemorySampler) Stop() MemoryPeak {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return s.peak
}
