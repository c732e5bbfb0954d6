// Package sysinfo describes the machine a measurement runs on: the CPU (model, logical
// cores, the SIMD features the kernels care about) and, through NVML
// (github.com/NVIDIA/go-nvml), the NVIDIA GPUs (name, memory, driver and CUDA
// versions, compute capability, clocks, temperature, throttle reasons) together with a
// sampler of a process's GPU memory. Without cgo, or on a machine without an NVIDIA
// driver, the GPU part reports a note instead of failing.
package sysinfo
