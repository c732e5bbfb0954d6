//go:build linux && cgo

package cuda

import "github.com/ltsbench/ltsbench/backend"

// open is Open as a backend.Backend (a nil *Backend must not become a non-nil interface).
func open(d backend.Device, o Options) (backend.Backend, error) {
	b, err := Open(d, o)
	if err != nil {
		return nil, err
	}
	return b, nil
}
