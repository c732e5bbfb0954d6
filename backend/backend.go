package backend

import (
	"errors"
	"time"

	"github.com/ltsbench/ltsbench/model"
)

// ErrOutOfMemory is wrapped by the error a backend returns when the device cannot hold
// an architecture (weights, arena and state): the search records that architecture as
// infeasible on the device instead of failing.
var ErrOutOfMemory = errors.New("out of device memory")

// Options are what Open hands to the backend of a device's kind.
type Options struct {
	// Threads is how many worker goroutines the backend may run on the host: the CPU
	// backend's kernel workers; 0 means all cores. A backend that does its work on a
	// device of its own ignores it.
	Threads int
	// Settings are the settings of the device's kind, key → value, as that kind
	// declared them when it registered (Kind.Settings; e.g. the CUDA backend's "tf32"
	// and "no-graph"). Open refuses a key the kind did not declare.
	Settings map[string]string
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
