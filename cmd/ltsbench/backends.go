package main

import (
	"strings"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/bench"

	// The backends built into ltsbench: each registers its device kind (backend.Kind)
	// in its init, which makes the kind known to --device, `ltsbench devices` and
	// every command that measures. Add a backend here.
	_ "github.com/ltsbench/ltsbench/backend/cpu"
	_ "github.com/ltsbench/ltsbench/backend/cuda"
)

// backendOptions are the options a measurement protocol opens its backend with: the
// host threads, and --math tf32 and --no-graph as the settings "tf32" and "no-graph"
// (only when set, so that a kind without them, such as cpu, refuses them by name).
func backendOptions(p bench.Protocol) backend.Options {
	o := backend.Options{Threads: p.Threads}
	set := func(key string, on bool) {
		if on {
			if o.Settings == nil {
				o.Settings = map[string]string{}
			}
			o.Settings[key] = "true"
		}
	}
	set("tf32", p.TF32)
	set("no-graph", p.NoGraph)
	return o
}

// deviceNames is how --device's help names the registered kinds: "cpu or cuda:N".
func deviceNames() string {
	var names []string
	for _, name := range backend.Kinds() {
		if k, _ := backend.KindOf(name); k.Indexed {
			name += ":N"
		}
		names = append(names, name)
	}
	if len(names) > 1 {
		return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
	return strings.Join(names, "")
}
