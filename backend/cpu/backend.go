package cpu

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/cpu/kern"
	"github.com/ltsbench/ltsbench/internal/hugemem"
	"github.com/ltsbench/ltsbench/model"
)

func init() {
	backend.Register(backend.Kind{
		Name: "cpu",
		Open: func(d backend.Device, o backend.Options) (backend.Backend, error) { return New(o), nil },
	})
}

// Backend runs graphs on the host CPU.
type Backend struct{ opts backend.Options }

// New returns a CPU backend; Options.Threads sets the worker goroutines (0: all cores).
func New(o backend.Options) *Backend { return &Backend{opts: o} }

// Device is "cpu".
func (b *Backend) Device() backend.Device { return backend.Device{Kind: "cpu"} }

// CPUKernel names the SGEMM micro-kernel this build runs on this CPU, for the
// environment block (backend.KernelDescriber).
func (b *Backend) CPUKernel() string { return kern.KernelName() }

// Close releases nothing: executables own their memory.
func (b *Backend) Close() error { return nil }

// Compile checks that the graphs belong to the weights' architecture and share one
// state layout, that the host has the memory for them (else an error wrapping
// backend.ErrOutOfMemory), allocates the arena for the largest graph and the state, and
// prepares every op.
func (b *Backend) Compile(w *model.Weights, graphs ...*model.Graph) (backend.Executable, error) {
	sz, err := backend.CheckCompile(w, graphs)
	if err != nil {
		return nil, fmt.Errorf("cpu: %w", err)
	}
	if err := checkHostMemory(sz.Arena+sz.State, backend.ErrOutOfMemory); err != nil {
		return nil, err
	}
	e := &Executable{
		w:     w,
		arena: hugemem.Floats(int(sz.Arena / 4)),
		state: hugemem.Floats(int(sz.State / 4)),
		pool:  kern.NewPool(b.opts.Threads),
	}
	for i, g := range graphs {
		c, err := e.compile(g)
		if err != nil {
			e.pool.Close()
			return nil, fmt.Errorf("cpu: graph %d: %w", i, err)
		}
		e.graphs = append(e.graphs, c)
	}
	return e, nil
}

// Executable is a compiled set of graphs sharing weights, arena and state.
type Executable struct {
	w      *model.Weights
	arena  []float32 // inputs and activations, placed by model.Plan
	state  []float32 // Transformer-XL memory
	pool   *kern.Pool
	graphs []*compiled
	closed bool
}

// compiled is one graph ready to run: its steps in op order.
type compiled struct {
	g     *model.Graph
	steps []func()
	ids   []int32 // the token-id input, inside the arena
}

func (e *Executable) graph(g int) (*compiled, error) {
	if err := backend.CheckGraph(e.closed, g, len(e.graphs)); err != nil {
		return nil, fmt.Errorf("cpu: %w", err)
	}
	return e.graphs[g], nil
}

// SetIDs writes the token ids [B, T] of graph g, checking each against the vocabulary
// (backend.CheckIDs).
func (e *Executable) SetIDs(g int, ids []int32) error {
	c, err := e.graph(g)
	if err != nil {
		return err
	}
	if _, err := backend.CheckIDs(c.g, g, ids); err != nil {
		return fmt.Errorf("cpu: %w", err)
	}
	copy(c.ids, ids)
	return nil
}

// Run runs graph g once.
func (e *Executable) Run(g int) error {
	c, err := e.graph(g)
	if err != nil {
		return err
	}
	for _, s := range c.steps {
		s()
	}
	return nil
}

// RunTimed runs graph g once and returns its wall-clock duration (monotonic clock).
func (e *Executable) RunTimed(g int) (time.Duration, error) {
	c, err := e.graph(g)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for _, s := range c.steps {
		s()
	}
	return time.Since(start), nil
}

// Read copies the float32 tensor id of graph g to dst.
func (e *Executable) Read(g int, id int, dst []float32) error {
	c, err := e.graph(g)
	if err != nil {
		return err
	}
	if _, err := backend.CheckRead(c.g, g, id, dst); err != nil {
		return fmt.Errorf("cpu: %w", err)
	}
	copy(dst, e.f32(c.g, id))
	return nil
}

// ResetState zeroes the Transformer-XL memory.
func (e *Executable) ResetState() error {
	if e.closed {
		return errors.New("cpu: the executable is closed")
	}
	clear(e.state)
	return nil
}

// AllocBytes is the weights, the arena and the state, in bytes.
func (e *Executable) AllocBytes() int64 {
	return e.w.Bytes() + int64(len(e.arena))*4 + int64(len(e.state))*4
}

// WorkspaceBytes is the memory of the GEMM packing buffers, beyond AllocBytes
// (backend.WorkspaceReporter).
func (e *Executable) WorkspaceBytes() int64 {
	if e.closed {
		return 0
	}
	return e.pool.WorkspaceBytes()
}

// Close stops the workers and drops the arena and state.
func (e *Executable) Close() error {
	if !e.closed {
		e.pool.Close()
		e.arena, e.state, e.graphs, e.closed = nil, nil, nil, true
	}
	return nil
}

// region returns the buffer that holds tensors of kind k.
func (e *Executable) region(k model.Kind) []float32 {
	switch k {
	case model.Weight:
		return e.w.Data
	case model.State:
		return e.state
	}
	return e.arena
}

// f32 returns the elements of tensor id.
func (e *Executable) f32(g *model.Graph, id int) []float32 {
	t := g.Tensors[id]
	off := t.Off / 4
	return e.region(t.Kind)[off : off+t.Elems() : off+t.Elems()]
}

// f32Strided returns the elements from tensor id's first to the end of its root: what
// an op writing rows ldc apart (a column band of a wider tensor) may touch.
func (e *Executable) f32Strided(g *model.Graph, id int) []float32 {
	t, r := g.Tensors[id], g.Root(id)
	return e.region(t.Kind)[t.Off/4 : r.Off/4+r.Elems()]
}

// i32 returns the elements of the int32 tensor id (the token ids share the arena).
func (e *Executable) i32(g *model.Graph, id int) []int32 {
	f := e.f32(g, id)
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&f[0])), len(f))
}
