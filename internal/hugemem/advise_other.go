//go:build !linux

package hugemem

// adviseHuge does nothing: transparent huge pages are Linux's.
func adviseHuge(x []float32) {}
