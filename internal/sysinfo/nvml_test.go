//go:build cgo && linux

package sysinfo

import (
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh200"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
)

// h200 returns go-nvml's DGX H200 mock with the readings describe needs that the mock
// leaves out (clocks, temperature, power, clocks event reasons).
func h200(t *testing.T) *server.Server {
	t.Helper()
	s := dgxh200.New()
	for i, d := range s.Devices {
		dev := d.(*server.Device)
		dev.MemoryInfo = nvml.Memory{Total: dev.MemoryInfo.Total, Used: uint64(i+1) << 30}
		dev.GetClockInfoFunc = func(c nvml.ClockType) (uint32, nvml.Return) {
			return map[nvml.ClockType]uint32{nvml.CLOCK_SM: 1980, nvml.CLOCK_MEM: 3201}[c], nvml.SUCCESS
		}
		dev.GetMaxClockInfoFunc = func(c nvml.ClockType) (uint32, nvml.Return) {
			return map[nvml.ClockType]uint32{nvml.CLOCK_SM: 1980, nvml.CLOCK_MEM: 3201}[c], nvml.SUCCESS
		}
		dev.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 41, nvml.SUCCESS }
		dev.GetPowerUsageFunc = func() (uint32, nvml.Return) { return 123456, nvml.SUCCESS }
		dev.GetCurrentClocksEventReasonsFunc = func() (uint64, nvml.Return) {
			return nvml.ClocksEventReasonGpuIdle | nvml.ClocksEventReasonSwPowerCap, nvml.SUCCESS
		}
		dev.GetCurrentClocksThrottleReasonsFunc = func() (uint64, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
	}
	return s
}

func useNVML(t *testing.T, lib nvml.Interface) {
	t.Helper()
	old := newNVML
	newNVML = func() nvml.Interface { return lib }
	t.Cleanup(func() { newNVML = old })
}

func TestGPUsOnAnH200Server(t *testing.T) {
	s := h200(t)
	useNVML(t, s)
	rep := GPUs()
	if rep.Note != "" || len(rep.GPUs) != 8 {
		t.Fatalf("GPUs() = %d GPUs, note %q; want the 8 of the mock", len(rep.GPUs), rep.Note)
	}
	g := rep.GPUs[3]
	want := GPU{
		Index: 3, Name: "NVIDIA H200 141GB HBM3e", UUID: s.Devices[3].(*server.Device).UUID,
		MemoryBytes: 144384 << 20, MemoryUsedBytes: 4 << 30, Driver: "550.54.15", CUDAVersion: "12.4",
		ComputeCapability: "9.0", SMClockMHz: 1980, MemClockMHz: 3201, MaxSMClockMHz: 1980, MaxMemClockMHz: 3201,
		TemperatureC: 41, PowerW: 123.456, ThrottleReasons: []string{"gpu_idle", "sw_power_cap"},
	}
	if g.Name != want.Name || g.UUID != want.UUID || g.MemoryBytes != want.MemoryBytes || g.MemoryUsedBytes != want.MemoryUsedBytes ||
		g.Driver != want.Driver || g.CUDAVersion != want.CUDAVersion || g.ComputeCapability != want.ComputeCapability ||
		g.SMClockMHz != want.SMClockMHz || g.MemClockMHz != want.MemClockMHz || g.MaxSMClockMHz != want.MaxSMClockMHz ||
		g.TemperatureC != want.TemperatureC || g.PowerW != want.PowerW || !slices.Equal(g.ThrottleReasons, want.ThrottleReasons) || g.Index != 3 {
		t.Errorf("GPU 3 =\n%+v\nwant\n%+v", g, want)
	}
}

// A library without nvmlDeviceGetCurrentClocksEventReasons (drivers before 535) is read
// through the deprecated throttle-reasons call instead of crashing.
func TestOldDriverThrottleReasons(t *testing.T) {
	s := h200(t)
	s.LookupSymbolFunc = func(sym string) error {
		if sym == "nvmlDeviceGetCurrentClocksEventReasons" {
			return errors.New("undefined symbol")
		}
		return nil
	}
	dev := s.Devices[0].(*server.Device)
	dev.GetCurrentClocksEventReasonsFunc = nil // calling it would panic
	dev.GetCurrentClocksThrottleReasonsFunc = func() (uint64, nvml.Return) { return nvml.ClocksThrottleReasonHwSlowdown, nvml.SUCCESS }
	if got := describe(s, dev, 0).ThrottleReasons; !slices.Equal(got, []string{"hw_slowdown"}) {
		t.Errorf("throttle reasons %v, want [hw_slowdown]", got)
	}
}

func TestGPUByUUID(t *testing.T) {
	s := h200(t)
	useNVML(t, s)
	uuid := s.Devices[5].(*server.Device).UUID
	g, err := GPUByUUID(uuid)
	if err != nil || g.Index != 5 || g.UUID != uuid {
		t.Errorf("GPUByUUID(%s) = index %d uuid %s, %v", uuid, g.Index, g.UUID, err)
	}
	if _, err := GPUByUUID("GPU-00000000-0000-0000-0000-000000000000"); err == nil {
		t.Error("GPUByUUID of an unknown UUID succeeded")
	}
}

// Both ways NVML says "no GPU here" are a note, not a failure.
func TestNoDriverIsANote(t *testing.T) {
	for ret, want := range map[nvml.Return]string{
		nvml.ERROR_LIBRARY_NOT_FOUND: "no NVIDIA driver found",
		nvml.ERROR_DRIVER_NOT_LOADED: "no NVIDIA driver loaded",
	} {
		s := h200(t)
		s.InitFunc = func() nvml.Return { return ret }
		useNVML(t, s)
		rep := GPUs()
		if len(rep.GPUs) != 0 || !strings.Contains(rep.Note, want) {
			t.Errorf("Init → %v: GPUs() = %d GPUs, note %q; want none and %q", ret, len(rep.GPUs), rep.Note, want)
		}
		if _, err := StartMemorySampler("", 0, 1, time.Millisecond); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Init → %v: StartMemorySampler error %v", ret, err)
		}
	}
}

// This machine's real NVML: either GPUs are listed or a note says why not.
func TestGPUsHere(t *testing.T) {
	rep := GPUs()
	if len(rep.GPUs) == 0 && rep.Note == "" {
		t.Error("no GPU listed and no note saying why")
	}
	for _, g := range rep.GPUs {
		if g.Name == "" || g.MemoryBytes <= 0 || g.ComputeCapability == "" {
			t.Errorf("GPU %d incompletely described: %+v", g.Index, g)
		}
	}
}

// sampleUntil runs a sampler over dev until n samples were taken.
func sampleUntil(t *testing.T, dev *server.Device, calls *atomic.Int64, n int64, pid int) MemoryPeak {
	t.Helper()
	var cleaned atomic.Bool
	s := startSampler(dev, pid, time.Millisecond, func() { cleaned.Store(true) })
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	p := s.Stop()
	if p2 := s.Stop(); p2 != p {
		t.Error("a second Stop returned something else")
	}
	if !cleaned.Load() {
		t.Error("the sampler did not release NVML")
	}
	return p
}

func TestSamplerMatchesThisProcess(t *testing.T) {
	dev := h200(t).Devices[0].(*server.Device)
	const pid = 4242
	usage := []uint64{1 << 30, 3 << 30, 2 << 30} // this process's memory over the samples
	var calls atomic.Int64
	dev.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) {
		i := calls.Add(1) - 1
		return []nvml.ProcessInfo{
			{Pid: 7, UsedGpuMemory: 50 << 30}, // another process, larger: must not count
			{Pid: pid, UsedGpuMemory: usage[min(i, int64(len(usage)-1))]},
		}, nvml.SUCCESS
	}
	dev.GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) {
		t.Error("device-wide memory read although the process was found")
		return nvml.Memory{}, nvml.ERROR_UNKNOWN
	}
	p := sampleUntil(t, dev, &calls, 3, pid)
	if !p.OK || p.DeviceWide || p.Bytes != 3<<30 || p.Samples < 3 {
		t.Errorf("peak %+v, want 3 GiB of this process over ≥ 3 samples", p)
	}
}

// Where this process's own memory cannot be read, the peak is the device's used
// memory, with a note that says why: NVML lists it under another PID (a container) or
// as not accountable, or lists it with 0 bytes (what containers report).
func TestSamplerFallsBackToDeviceMemory(t *testing.T) {
	for _, c := range []struct {
		name  string
		procs []nvml.ProcessInfo
		note  string
	}{
		{"not listed or not accountable", []nvml.ProcessInfo{{Pid: 99, UsedGpuMemory: 1 << 30}, {Pid: 4242, UsedGpuMemory: notAvailable}}, "device's used memory"},
		{"listed with 0 bytes", []nvml.ProcessInfo{{Pid: 99, UsedGpuMemory: 2 << 30}, {Pid: 4242, UsedGpuMemory: 0}}, "0 bytes for this process"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dev := h200(t).Devices[0].(*server.Device)
			used := []uint64{5 << 30, 9 << 30, 6 << 30}
			var calls atomic.Int64
			dev.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return c.procs, nvml.SUCCESS }
			dev.GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) {
				i := calls.Add(1) - 1
				return nvml.Memory{Total: 141 << 30, Used: used[min(i, int64(len(used)-1))]}, nvml.SUCCESS
			}
			p := sampleUntil(t, dev, &calls, 3, 4242)
			if !p.OK || !p.DeviceWide || p.Bytes != 9<<30 || !strings.Contains(p.Note, c.note) {
				t.Errorf("peak %+v, want 9 GiB device-wide with a note saying %q", p, c.note)
			}
		})
	}
}

func TestSamplerWithNothingToRead(t *testing.T) {
	dev := h200(t).Devices[0].(*server.Device)
	var calls atomic.Int64
	dev.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) {
		calls.Add(1)
		return nil, nvml.ERROR_NOT_SUPPORTED
	}
	dev.GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) { return nvml.Memory{}, nvml.ERROR_NOT_SUPPORTED }
	if p := sampleUntil(t, dev, &calls, 2, 1); p.OK || p.Note == "" {
		t.Errorf("peak %+v, want not OK with a note", p)
	}
}
