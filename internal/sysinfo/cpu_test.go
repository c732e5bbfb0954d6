package sysinfo

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

func TestCPUModelFromCPUInfo(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"x86", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13 64-Core Processor\nflags\t\t: fpu avx2\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13 64-Core Processor\n",
			"AMD EPYC 7B13 64-Core Processor"},
		{"arm64 with Hardware", "processor\t: 0\nBogoMIPS\t: 108.00\nCPU part\t: 0xd0c\n\nHardware\t: BCM2835\n", "BCM2835"},
		{"collapsed spaces", "model name\t:   Intel(R)  Xeon(R)   CPU\n", "Intel(R) Xeon(R) CPU"},
		{"nothing usable", "processor\t: 0\nBogoMIPS\t: 50.00\n", ""},
		{"empty value skipped", "model name\t:\nHardware\t: X\n", "X"},
	}
	for _, c := range cases {
		if got := cpuModel(strings.NewReader(c.text)); got != c.want {
			t.Errorf("%s: cpuModel = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCPU(t *testing.T) {
	c := CPU()
	if c.Model == "" {
		t.Error("CPU().Model is empty")
	}
	if c.Cores != runtime.NumCPU() {
		t.Errorf("CPU().Cores = %d, want runtime.NumCPU() = %d", c.Cores, runtime.NumCPU())
	}
	if runtime.GOARCH == "amd64" {
		if got, want := slices.Contains(c.Features, "avx2"), cpu.X86.HasAVX2; got != want {
			t.Errorf("avx2 listed = %v, x/sys/cpu says %v", got, want)
		}
		if got, want := slices.Contains(c.Features, "avx512f"), cpu.X86.HasAVX512F; got != want {
			t.Errorf("avx512f listed = %v, x/sys/cpu says %v", got, want)
		}
	}
	if runtime.GOARCH == "arm64" && !slices.Contains(c.Features, "asimd") {
		t.Errorf("arm64 without asimd in %v", c.Features)
	}
}
