//go:build linux && cgo

package cuda

import (
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
)

// Without a driver, Open, backend.Open and Probe each say so in one line, naming the
// library the loader could not find.
func TestOpenWithoutDriver(t *testing.T) {
	if msg := loadDriver(); msg == "" {
		t.Skip("an NVIDIA driver is installed here: the no-driver path is not reachable")
	}
	_, err := Open(backend.Device{Kind: "cuda", Index: 0}, Options{})
	if err == nil {
		t.Fatal("Open succeeded without a driver")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "cuda:0: no NVIDIA driver found (") || !strings.Contains(msg, "libcuda.so.1") || strings.Contains(msg, "\n") {
		t.Errorf("Open error %q: want one line \"cuda:0: no NVIDIA driver found (libcuda.so.1: …)\"", msg)
	}
	if _, err := backend.Open(backend.Device{Kind: "cuda", Index: 2}, backend.Options{}); err == nil || !strings.HasPrefix(err.Error(), "cuda:2: no NVIDIA driver found") {
		t.Errorf("backend.Open(cuda:2) error %v", err)
	}
	if _, err := Probe(); err == nil || !strings.HasPrefix(err.Error(), "no NVIDIA driver found (") {
		t.Errorf("Probe error %v", err)
	}
}
