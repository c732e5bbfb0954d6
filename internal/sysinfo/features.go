package sysinfo

import (
	"runtime"

	"golang.org/x/sys/cpu"
)

// feature is one CPU capability and whether this machine has it.
type feature struct {
	name string
	has  bool
}

// cpuFeatures lists the SIMD features the CPU kernels choose between, in a fixed order.
func cpuFeatures() []string {
	var fs []feature
	switch runtime.GOARCH {
	case "amd64", "386":
		x := &cpu.X86
		fs = []feature{
			{"sse4.2", x.HasSSE42}, {"avx", x.HasAVX}, {"avx2", x.HasAVX2}, {"fma", x.HasFMA},
			{"f16c", x.HasF16C}, {"avx512f", x.HasAVX512F}, {"avx512bw", x.HasAVX512BW},
			{"avx512vl", x.HasAVX512VL}, {"avx512vnni", x.HasAVX512VNNI},
			{"avx512bf16", x.HasAVX512BF16}, {"avxvnni", x.HasAVXVNNI},
			{"amx-bf16", x.HasAMXBF16},
		}
	case "arm64":
		a := &cpu.ARM64
		fs = []feature{
			{"asimd", a.HasASIMD}, {"fphp", a.HasFPHP}, {"asimdhp", a.HasASIMDHP},
			{"asimddp", a.HasASIMDDP}, {"asimdfhm", a.HasASIMDFHM}, {"i8mm", a.HasI8MM},
			{"sve", a.HasSVE}, {"sve2", a.HasSVE2},
		}
	}
	out := []string{}
	for _, f := range fs {
		if f.has {
			out = append(out, f.name)
		}
	}
	return out
}
