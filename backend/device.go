package backend

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ltsbench/ltsbench/internal/sysinfo"
)

// Device names where a decoder runs: a registered kind and, for a kind whose devices
// are numbered (Kind.Indexed), the index ("cuda:1").
type Device struct {
	Kind  string // a registered kind: "cpu", "cuda"
	Index int    // the device's number within its kind (cuda:N); 0 for an unnumbered kind
}

// String is the name ParseDevice reads back: the kind, and ":N" for a numbered kind
// (or any kind with an index above 0).
func (d Device) String() string {
	if k, ok := kinds[d.Kind]; (ok && k.Indexed) || d.Index > 0 {
		return d.Kind + ":" + strconv.Itoa(d.Index)
	}
	return d.Kind
}

// ParseDevice reads a --device value against the registered kinds: "kind", "kind:N"
// for a numbered kind (the kind alone is device 0), or one of a kind's aliases ("gpu"
// for cuda:0). An unknown kind is an error listing the kinds this build knows.
func ParseDevice(s string) (Device, error) {
	name, idx, numbered := strings.Cut(s, ":")
	k, ok := kinds[name]
	if !ok {
		for _, c := range kinds {
			if slices.Contains(c.Aliases, s) {
				return Device{Kind: c.Name}, nil
			}
		}
		return Device{}, fmt.Errorf("device %q: the kind %q is not one of %s", s, name, strings.Join(Kinds(), ", "))
	}
	if !numbered {
		return Device{Kind: k.Name}, nil
	}
	if !k.Indexed {
		return Device{}, fmt.Errorf("device %q: %s devices are not numbered (write %s)", s, k.Name, k.Name)
	}
	n, err := strconv.Atoi(idx)
	if err != nil || n < 0 {
		return Device{}, fmt.Errorf("device %q: want %s:N with N a device index ≥ 0", s, k.Name)
	}
	return Device{Kind: k.Name, Index: n}, nil
}

// Kind is a kind of device a backend package makes available, with Register in its
// init. The binary links the backend packages in (cmd/ltsbench/backends.go).
type Kind struct {
	Name    string   // what --device starts with: "cpu", "cuda"
	Aliases []string // other names of device 0 ("gpu")
	Indexed bool     // the devices are numbered: Name:N, Name alone meaning Name:0
	// Accelerator says the device has memory of its own, apart from the host's: the
	// memory metrics sampled on the device (a MemorySampler's) exist only there, and
	// the environment block describes the device (DeviceDescriber).
	Accelerator bool
	// Settings are the keys Options.Settings may hold for this kind, each with one
	// line saying what it does.
	Settings map[string]string
	// Open creates a backend for device d of this kind.
	Open func(d Device, o Options) (Backend, error)
	// Probe lists the devices of this kind on this machine (for `ltsbench devices`),
	// nil for a kind with nothing to list but the host.
	Probe func() Probe
}

// Probe is what a kind finds on this machine.
type Probe struct {
	Devices []Listed `json:"devices"`
	// Details is anything else worth showing about the kind's set-up (where the CUDA
	// backend looks for cuBLAS), written as JSON under the kind's name and, when it
	// implements fmt.Stringer, as text lines after the table.
	Details any      `json:"details,omitempty"`
	Notes   []string `json:"notes,omitempty"` // why the list is empty or short
}

// Listed is one device a Probe found: its --device name ("" for one the kind sees but
// cannot run on) and its description.
type Listed struct {
	Device string `json:"device"`
	sysinfo.GPU
}

var kinds = map[string]Kind{}

// Register makes a device kind available to ParseDevice and Open. It panics on a
// kind without a name or Open, or one registered twice: both are programming errors.
func Register(k Kind) {
	if k.Name == "" || k.Open == nil || strings.Contains(k.Name, ":") {
		panic(fmt.Sprintf("backend.Register: kind %q needs a name without ':' and an Open", k.Name))
	}
	if _, dup := kinds[k.Name]; dup {
		panic("backend.Register: kind " + k.Name + " registered twice")
	}
	kinds[k.Name] = k
}

// Kinds lists the registered kind names, sorted.
func Kinds() []string { return slices.Sorted(maps.Keys(kinds)) }

// KindOf returns the registered kind of that name.
func KindOf(name string) (Kind, bool) {
	k, ok := kinds[name]
	return k, ok
}

// Open returns a backend for the device, after checking that every setting in o is
// one the device's kind declared.
func Open(d Device, o Options) (Backend, error) {
	k, ok := kinds[d.Kind]
	if !ok {
		return nil, fmt.Errorf("device %s: this ltsbench was built without the %s backend (it has %s)", d, d.Kind, strings.Join(Kinds(), ", "))
	}
	for _, key := range slices.Sorted(maps.Keys(o.Settings)) {
		if _, ok := k.Settings[key]; !ok {
			has := "none"
			if len(k.Settings) > 0 {
				has = strings.Join(slices.Sorted(maps.Keys(k.Settings)), ", ")
			}
			return nil, fmt.Errorf("device %s: the %s backend has no setting %q (it has %s)", d, k.Name, key, has)
		}
	}
	return k.Open(d, o)
}

// BoolSetting reads setting key of o as a boolean ("true", "1", …); absent is false.
func (o Options) BoolSetting(key string) (bool, error) {
	v, ok := o.Settings[key]
	if !ok {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("setting %s=%q: want true or false", key, v)
	}
	return b, nil
}

// Equal says whether o and p open the same backend: the same threads and settings.
func (o Options) Equal(p Options) bool {
	return o.Threads == p.Threads && maps.Equal(o.Settings, p.Settings)
}
