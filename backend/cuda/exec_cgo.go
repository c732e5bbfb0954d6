//go:build linux && cgo

package cuda

import (
	"fmt"
	"os"
	"time"
	"unsafe"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/sysinfo"
	"github.com/ltsbench/ltsbench/model"
)

// Executable is a compiled set of graphs on one GPU: three device allocations (weights,
// arena, state) and per graph its steps in C memory and, unless disabled, an
// instantiated CUDA graph.
type Executable struct {
	b      *Backend
	w      *model.Weights
	graphs []*model.Graph
	steps  [][]step
	sizes  backend.Sizes

	base     [numRegions]uint64 // device address of each region
	compiled []*cSteps
	cgraphs  []cuGraph
	closed   bool

	sampler   *sysinfo.MemorySampler
	samplerOK error
	usedStart int64
}

var _ backend.Executable = (*Executable)(nil)
var _ backend.MemorySampler = (*Executable)(nil)
var _ backend.WorkspaceReporter = (*Executable)(nil)

// addr resolves a region reference to a device address (0 for null).
func (e *Executable) addr(r devRef) uint64 {
	if r.reg == regNone {
		return 0
	}
	return e.base[r.reg] + uint64(r.off)
}

// setUp runs on the owner thread: opt the kernels in to the shared memory their
// launches need, allocate the three regions, upload the weights, zero the state, place
// the steps in C memory, run every graph once eagerly from a zeroed arena (errors then
// name their op), zero the state again and capture the graphs.
func (e *Executable) setUp() error {
	b := e.b
	if err := b.optInSharedMemory(e.steps); err != nil {
		return err
	}
	for _, r := range []struct {
		reg  region
		n    int64
		what string
	}{{regWeights, e.sizes.Weights, "weights"}, {regArena, e.sizes.Arena, "arena"}, {regState, e.sizes.State, "state"}} {
		if r.n == 0 {
			continue
		}
		p, err := drvMemAlloc(b.name, fmt.Sprintf("allocating the %s (%d bytes)", r.what, r.n), r.n)
		if err != nil {
			return err
		}
		e.base[r.reg] = p
	}
	if len(e.w.Data) > 0 {
		if err := drvHtoD(b.name, "uploading the weights", e.base[regWeights], unsafe.Pointer(&e.w.Data[0]), e.sizes.Weights, b.stream); err != nil {
			return err
		}
	}
	if err := drvZero(b.name, "zeroing the state", e.base[regState], e.sizes.State, b.stream); err != nil {
		return err
	}
	fn := func(k *kernelSig) cuFunction { return b.funcs[k.Name] }
	for _, steps := range e.steps {
		e.compiled = append(e.compiled, newCSteps(steps, fn, e.addr))
	}
	for i, cs := range e.compiled {
		// The graphs share the arena: what an earlier graph left where this one keeps
		// its token ids would be gathered as out-of-range rows, so each first run starts
		// from a zeroed arena (token 0 everywhere).
		if err := drvZero(b.name, "zeroing the arena", e.base[regArena], e.sizes.Arena, b.stream); err != nil {
			return err
		}
		if _, err := drvExec(b.name, fmt.Sprintf("first run of graph %d", i), cs, nil, b.stream, b.blas, e.opts(), nil, nil); err != nil {
			return err
		}
	}
	if err := drvZero(b.name, "zeroing the state", e.base[regState], e.sizes.State, b.stream); err != nil {
		return err
	}
	if !b.graphs {
		return nil
	}
	for i, cs := range e.compiled {
		g, err := drvCapture(b.name, fmt.Sprintf("capturing graph %d", i), cs, b.stream, b.blas, b.compute)
		if err != nil {
			// The eager run just succeeded, so only the capture is at fault.
			return fmt.Errorf("%w (the same steps ran without capture: --no-graph launches them directly)", err)
		}
		e.cgraphs = append(e.cgraphs, g)
	}
	return nil
}

// release frees everything setUp made, on the owner thread.
func (e *Executable) release() {
	for _, g := range e.cgraphs {
		drvGraphDestroy(g)
	}
	for _, cs := range e.compiled {
		cs.free()
	}
	for i := range e.base {
		drvMemFree(e.base[i])
		e.base[i] = 0
	}
	e.cgraphs, e.compiled = nil, nil
}

func (e *Executable) opts() execOpts { return execOpts{compute: e.b.compute, syncEach: e.b.sync} }

func (e *Executable) graph(g int) error {
	if err := backend.CheckGraph(e.closed, g, len(e.graphs)); err != nil {
		return fmt.Errorf("%s: %w", e.b.name, err)
	}
	return nil
}

// SetIDs writes the token ids [B, T] of graph g, checking each against the vocabulary.
func (e *Executable) SetIDs(g int, ids []int32) error {
	if err := e.graph(g); err != nil {
		return err
	}
	off, err := checkIDs(e.graphs[g], g, ids)
	if err != nil {
		return fmt.Errorf("%s: %w", e.b.name, err)
	}
	if len(ids) == 0 {
		return nil
	}
	return e.b.w.do(func() error {
		return drvHtoD(e.b.name, "writing the token ids", e.base[regArena]+uint64(off), unsafe.Pointer(&ids[0]), int64(4*len(ids)), e.b.stream)
	})
}

// Run runs graph g once and waits for it.
func (e *Executable) Run(g int) error {
	_, err := e.run(g, false)
	return err
}

// RunTimed runs graph g once between two CUDA events and returns the time between
// them: the replay of the graph's CUDA graph (or its launches with the no-graph setting).
func (e *Executable) RunTimed(g int) (time.Duration, error) {
	return e.run(g, true)
}

func (e *Executable) run(g int, timed bool) (time.Duration, error) {
	if err := e.graph(g); err != nil {
		return 0, err
	}
	var d time.Duration
	err := e.b.w.do(func() error {
		var ev0, ev1 cuEvent
		if timed {
			ev0, ev1 = e.b.ev0, e.b.ev1
		}
		var cg cuGraph
		if len(e.cgraphs) == len(e.graphs) {
			cg = e.cgraphs[g]
		}
		ms, err := drvExec(e.b.name, fmt.Sprintf("running graph %d", g), e.compiled[g], cg, e.b.stream, e.b.blas, e.opts(), ev0, ev1)
		d = time.Duration(float64(ms) * float64(time.Millisecond))
		return err
	})
	return d, err
}

// Read copies tensor id of graph g to dst.
func (e *Executable) Read(g, id int, dst []float32) error {
	if err := e.graph(g); err != nil {
		return err
	}
	ref, err := checkRead(e.graphs[g], g, id, dst)
	if err != nil {
		return fmt.Errorf("%s: %w", e.b.name, err)
	}
	if len(dst) == 0 {
		return nil
	}
	return e.b.w.do(func() error {
		return drvDtoH(e.b.name, "reading "+e.graphs[g].Tensors[id].Name, unsafe.Pointer(&dst[0]), e.addr(ref), int64(4*len(dst)), e.b.stream)
	})
}

// ResetState zeroes the Transformer-XL memory.
func (e *Executable) ResetState() error {
	if e.closed {
		return fmt.Errorf("%s: the executable is closed", e.b.name)
	}
	return e.b.w.do(func() error {
		return drvZero(e.b.name, "zeroing the state", e.base[regState], e.sizes.State, e.b.stream)
	})
}

// AllocBytes is what the executable allocated on the device: weights, arena and state.
func (e *Executable) AllocBytes() int64 { return e.sizes.Weights + e.sizes.Arena + e.sizes.State }

// WorkspaceBytes is the device memory the runs use beyond AllocBytes: the backend's
// cuBLAS workspace (backend.WorkspaceReporter).
func (e *Executable) WorkspaceBytes() int64 {
	if e.b.blasWS == 0 {
		return 0
	}
	return blasWorkspaceBytes
}

// Close frees the executable's device memory, CUDA graphs and C memory.
func (e *Executable) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	if e.sampler != nil {
		e.sampler.Stop()
		e.sampler = nil
	}
	e.b.mu.Lock()
	if e.b.execs != nil {
		delete(e.b.execs, e)
	}
	e.b.mu.Unlock()
	return e.b.w.do(func() error { e.release(); return nil })
}

// nvmlSamplePeriod is how often NVML is asked for this process's GPU memory during a
// measurement: each query takes the driver's time too, so polling every few
// milliseconds would disturb the forwards it measures; memory held for a whole
// forward is still seen at 25 ms.
const nvmlSamplePeriod = 25 * time.Millisecond

// StartMemorySampling records the device's used memory and starts NVML's sampler of
// this process's GPU memory (backend.MemorySampler).
func (e *Executable) StartMemorySampling() {
	if e.closed {
		return
	}
	if e.sampler != nil {
		e.sampler.Stop()
	}
	e.sampler, e.samplerOK = sysinfo.StartMemorySampler(e.b.info.uuid, e.b.dev.Index, os.Getpid(), nvmlSamplePeriod)
	e.usedStart = e.used()
}

// used is the device's used memory now (cuMemGetInfo), or -1.
func (e *Executable) used() int64 {
	var used int64 = -1
	e.b.w.do(func() error {
		free, total, err := drvMemInfo(e.b.name)
		if err == nil {
			used = total - free
		}
		return err
	})
	return used
}

// StopMemorySampling stops the sampler and returns the NVML peak of this process and
// the device's used memory at its highest (start or end of the sampling; the graphs
// allocate nothing while they run) minus the baseline taken after context creation.
func (e *Executable) StopMemorySampling() (nvmlProcessPeakBytes, deviceUsedDeltaBytes *int64, note string) {
	if e.closed {
		return nil, nil, "the executable was closed while sampling"
	}
	var notes []string
	if e.sampler != nil {
		p := e.sampler.Stop()
		e.sampler = nil
		if p.OK {
			v := p.Bytes
			nvmlProcessPeakBytes = &v
		}
		if p.Note != "" {
			notes = append(notes, p.Note)
		}
	} else if e.samplerOK != nil {
		notes = append(notes, "NVML not available ("+e.samplerOK.Error()+"): GPU memory not sampled")
	}
	if used := max(e.usedStart, e.used()); used >= 0 {
		v := used - e.b.base
		deviceUsedDeltaBytes = &v
	} else {
		notes = append(notes, "cuMemGetInfo failed: device_used_delta_bytes not measured")
	}
	return nvmlProcessPeakBytes, deviceUsedDeltaBytes, joinNotes(notes)
}

func joinNotes(ns []string) string {
	s := ""
	for i, n := range ns {
		if i > 0 {
			s += "; "
		}
		s += n
	}
	return s
}
