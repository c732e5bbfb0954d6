package sysinfo

import (
	"slices"
	"testing"
)

func TestCUDAVersionString(t *testing.T) {
	for v, want := range map[int]string{13000: "13.0", 12040: "12.4", 11080: "11.8", 12090: "12.9", 0: "", -1: ""} {
		if got := CUDAVersionString(v); got != want {
			t.Errorf("CUDAVersionString(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestThrottleReasons(t *testing.T) {
	if got := ThrottleReasons(0); got != nil {
		t.Errorf("no bits: %v", got)
	}
	// 0x1 idle, 0x4 software power cap, 0x40 hardware thermal slowdown, bit 20 unknown.
	got := ThrottleReasons(0x1 | 0x4 | 0x40 | 1<<20)
	want := []string{"gpu_idle", "sw_power_cap", "hw_thermal_slowdown", "bit_20"}
	if !slices.Equal(got, want) {
		t.Errorf("ThrottleReasons = %v, want %v", got, want)
	}
}

func TestUUIDString(t *testing.T) {
	b := [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	if got, want := UUIDString(b), "GPU-12345678-9abc-def0-0123-456789abcdef"; got != want {
		t.Errorf("UUIDString = %q, want %q", got, want)
	}
}
