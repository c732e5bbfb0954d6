package cuda

import (
	"fmt"

	"github.com/ltsbench/ltsbench/backend"
)

// The settings of the cuda kind (backend.Options.Settings), named as the CLI flags that
// set them.
const (
	SettingTF32    = "tf32"
	SettingNoGraph = "no-graph"
)

// Options are the CUDA backend's own settings.
type Options struct {
	TF32    bool // TF32 tensor-core math for the matrix products (default exact fp32)
	NoGraph bool // launch kernel by kernel instead of replaying a CUDA graph
}

// optionsOf reads the cuda kind's settings out of backend options.
func optionsOf(o backend.Options) (Options, error) {
	var co Options
	var err error
	if co.TF32, err = o.BoolSetting(SettingTF32); err != nil {
		return co, err
	}
	co.NoGraph, err = o.BoolSetting(SettingNoGraph)
	return co, err
}

func init() {
	backend.Register(backend.Kind{
		Name:        "cuda",
		Aliases:     []string{"gpu"},
		Indexed:     true,
		Accelerator: true,
		Settings: map[string]string{
			SettingTF32:    "TF32 tensor-core math for the matrix products",
			SettingNoGraph: "launch kernel by kernel instead of replaying a CUDA graph",
		},
		Open: func(d backend.Device, o backend.Options) (backend.Backend, error) {
			co, err := optionsOf(o)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", d, err)
			}
			return open(d, co)
		},
		Probe: List,
	})
}
