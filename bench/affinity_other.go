//go:build !linux

package bench

// cpuAffinity is empty where the operating system does not say which CPUs this process
// may run on.
func cpuAffinity() string { return "" }
