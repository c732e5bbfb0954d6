//go:build !linux || !cgo

package cuda

import (
	"fmt"
	"runtime"

	"github.com/ltsbench/ltsbench/backend"
)

// noCUDA says why this build cannot run on a GPU.
func noCUDA() string {
	if runtime.GOOS != "linux" {
		return "this ltsbench was built without CUDA support (CUDA runs on linux only)"
	}
	return "this ltsbench was built without CUDA support (CGO_ENABLED=0)"
}

// open says why this build cannot run on a GPU.
func open(d backend.Device, o Options) (backend.Backend, error) {
	return nil, fmt.Errorf("%s: %s", d, noCUDA())
}

// Probe reports that this build has no CUDA support.
func Probe() (DriverInfo, error) { return DriverInfo{}, fmt.Errorf("%s", noCUDA()) }
