//go:build noasm || !(amd64 || arm64)

package kern

// asmKernels lists the assembly micro-kernels this CPU can run: none in this build.
func asmKernels() []*gemmKernel { return nil }

// asmVecs lists the assembly vector sets this CPU can run: none in this build.
func asmVecs() []vecImpl { return nil }
