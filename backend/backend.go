package backend

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ltsbench/ltsbench/model"
)

// ErrOutOfMemory is wrapped by the error a backend returns when the device cannot hold
// an architecture (weights, arena and state): the search records that architecture as
// infeasible on the device instead of failing.
var ErrOutOfMemory = errors.New("out of device memory")

// Device names where a decoder runs: "cpu" or "cuda:N".
type Device struct {
	Kind  string // "cpu" or "cuda"
	Index int    // GPU ordinal for cuda
}

func (d Device) String() string {
	if d.Kind == "cuda" {
		return "cuda:" + strconv.Itoa(d.Index)
	}
	return d.Kind
}

// ParseDevice reads a --device value: "cpu", "cuda" or "gpu" (= cuda:0), or "cuda:N".
func ParseDevice(s string) (Device, error) {
	switch {
	case s == "cpu":
		return Device{Kind: "cpu"}, nil
	case s == "cuda" || s == "gpu":
		return Device{Kind: "cuda"}, nil
	case strings.HasPrefix(s, "cuda:"):
		n, err := strconv.Atoi(s[len("cuda:"):])
		if err != nil || n < 0 {
			return Device{}, fmt.Errorf("device %q: want cuda:N with N a GPU index ≥ 0", s)
		}
		return Device{Kind: "cuda", Index: n}, nil
	}
	return Device{}, fmt.Errorf("device %q is not cpu or cuda:N", s)
}

// Options are settings every backend understands (a backend ignores what does not
// apply to it).
type Options struct {
	Threads int  // CPU worker goroutines; 0 = all cores
	TF32    bool // CUDA: TF32 tensor-core math for matrix products (default exact fp32)
	NoGraph bool // CUDA: launch kernel by kernel instead of replaying a CUDA graph
}

// Backend runs graphs on one device.
type Backend interface {
	Device() Device
	// Compile prepares one or more graphs of the same architecture to run many times.
	// The graphs share the weights w (laid out as model.LayoutWeights says), one
	// arena (sized for the largest graph) and the Transformer-XL memory, so segment
	// graphs of different memory lengths can run one after another.
	Compile(w *model.Weights, graphs ...*model.Graph) (Executable, error)
	Close() error
}

// Executable is a compiled set of graphs. Nothing allocates inside Run.
type Executable interface {
	// SetIDs writes the token ids [B, T] of graph g.
	SetIDs(g int, ids []int32) error
	// Run runs graph g once and waits for it to finish.
	Run(g int) error
	// RunTimed runs graph g once and returns its duration as the device measures it
	// (monotonic clock on the CPU, CUDA events on a GPU).
	RunTimed(g int) (time.Duration, error)
	// Read copies tensor id of graph g (an output, the state or any activation still
	// in place) to dst, which must hold exactly its elements.
	Read(g int, id int, dst []float32) error
	// ResetState zeroes the Transformer-XL memory.
	ResetState() error
	// AllocBytes is what the executable holds on its device: weights, arena and state.
	AllocBytes() int64
	Close() error
}

// Opener creates a backend for a device; backends register one in their init.
type Opener func(d Device, o Options) (Backend, error)

var openers = map[string]Opener{}

// Register makes a backend kind ("cpu", "cuda") available to Open.
func Register(kind string, o Opener) { openers[kind] = o }

// Open returns a backend for the device. The backend packages must be linked in
// (imported) for their kind to be known.
func Open(d Device, o Options) (Backend, error) {
	op, ok := openers[d.Kind]
	if !ok {
		return nil, fmt.Errorf("device %s: this ltsbench was built without the %s backend", d, d.Kind)
	}
	return op(d, o)
}

// WorkspaceReporter is implemented by executables that hold memory beyond the model's
// three regions (weights, arena, state): a cuBLAS workspace, GEMM packing buffers. It is
// reported next to alloc_peak_bytes, which counts the model alone, so that the two add up
// to everything the backend allocated.
type WorkspaceReporter interface {
	// WorkspaceBytes is that memory now (after the runs so far).
	WorkspaceBytes() int64
}
