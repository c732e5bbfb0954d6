//go:build linux && cgo

package cuda

import "github.com/ltsbench/ltsbench/backend"

func init() {
	backend.Register("cuda", func(d backend.Device, o backend.Options) (backend.Backend, error) {
		b, err := Open(d, o)
		if err != nil {
			return nil, err
		}
		return b, nil
	})
}
