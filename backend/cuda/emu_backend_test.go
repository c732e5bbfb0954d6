package cuda

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/kernels"
	"github.com/ltsbench/ltsbench/kernels/emu"
	"github.com/ltsbench/ltsbench/model"
)

// The CPU emulation runs the executor's own lowering — the same launches with the same
// grids, block sizes, shared memory and marshalled arguments, the same column-major
// cuBLAS calls — over host memory, with the kernels compiled from kernels/*.cu by g++
// (package kernels/emu). emuBackend wraps it as a backend.Backend so the whole
// conformance suite and the golden bundles check the CUDA path without a GPU.

var (
	emuOnce    sync.Once
	emuHarness *emu.Harness
	emuDir     string
	emuErr     error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if emuDir != "" {
		os.RemoveAll(emuDir)
	}
	os.Exit(code)
}

// kernelDecls describes allKernels to the emulator's trampolines.
func kernelDecls() []emu.Decl {
	var ds []emu.Decl
	for _, k := range allKernels {
		var spec []byte
		for _, p := range k.Params {
			spec = append(spec, p.letter())
		}
		ds = append(ds, emu.Decl{Name: k.Name, Kinds: string(spec)})
	}
	return ds
}

func harness(t *testing.T) *emu.Harness {
	t.Helper()
	if testing.Short() {
		t.Skip("the CPU emulation of the CUDA kernels is skipped with -short")
	}
	if _, err := emu.Compiler(); err != nil {
		t.Skipf("CPU emulation of the CUDA kernels needs a C++ compiler: %v", err)
	}
	emuOnce.Do(func() {
		emuDir, emuErr = os.MkdirTemp("", "ltsbench-cuda-emu-")
		if emuErr == nil {
			emuHarness, emuErr = emu.Build(emuDir, kernels.Sources(), nil, kernelDecls())
		}
	})
	if emuErr != nil {
		t.Fatal(emuErr)
	}
	return emuHarness
}

// emuBackend lowers graphs exactly as the CUDA backend does and runs them emulated.
type emuBackend struct {
	h     *emu.Harness
	tiled bool   // GEMMs by sgemm_tiled_f32, as on a machine without cuBLAS
	order string // thread visiting order inside a block
	seed  int
}

func (b *emuBackend) Device() backend.Device { return backend.Device{Kind: "cuda"} }
func (b *emuBackend) Close() error           { return nil }

func (b *emuBackend) Compile(w *model.Weights, graphs ...*model.Graph) (backend.Executable, error) {
	sz, err := backend.CheckCompile(w, graphs)
	if err != nil {
		return nil, fmt.Errorf("cuda-emu: %w", err)
	}
	e := &emuExec{b: b, graphs: graphs}
	e.regions[regWeights] = f32bytes(w.Data)
	e.regions[regArena] = make([]byte, sz.Arena)
	e.regions[regState] = make([]byte, sz.State)
	for i, g := range graphs {
		steps, err := lowerWith(g, b.tiled)
		if err != nil {
			return nil, fmt.Errorf("cuda-emu: graph %d: %w", i, err)
		}
		e.steps = append(e.steps, steps)
	}
	return e, nil
}

type emuExec struct {
	b       *emuBackend
	graphs  []*model.Graph
	steps   [][]step
	regions [numRegions][]byte
	runs    int
}

func (e *emuExec) graph(g int) (*model.Graph, error) {
	if g < 0 || g >= len(e.graphs) {
		return nil, fmt.Errorf("no graph %d", g)
	}
	return e.graphs[g], nil
}

func (e *emuExec) SetIDs(g int, ids []int32) error {
	gr, err := e.graph(g)
	if err != nil {
		return err
	}
	off, err := checkIDs(gr, g, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		binary.LittleEndian.PutUint32(e.regions[regArena][off+int64(4*i):], uint32(id))
	}
	return nil
}

// program turns steps into an emulator program over the executable's regions.
func program(steps []step, regions [numRegions][]byte) *emu.Program {
	p := &emu.Program{Regions: regions[:]}
	ptr := func(r devRef) emu.Ptr {
		if r.reg == regNone {
			return emu.Null
		}
		return emu.Ptr{Region: int(r.reg), Off: r.off}
	}
	for _, s := range steps {
		if l := s.launch; l != nil {
			var args []emu.Arg
			for _, a := range l.args {
				switch a.kind {
				case argPtr:
					args = append(args, emu.PtrArg(ptr(a.ref)))
				case argI32:
					args = append(args, emu.IntArg(a.int32()))
				case argF32:
					args = append(args, emu.FloatArg(a.float32()))
				}
			}
			p.Launch(l.label, l.k.Name, l.grid, l.block, l.smem, args)
			continue
		}
		g := s.gemm
		c := g.call
		p.AddGemm(g.label, emu.Gemm{TransA: c.TransA, TransB: c.TransB, M: c.M, N: c.N, K: c.K,
			A: ptr(g.a), LDA: c.LDA, B: ptr(g.b), LDB: c.LDB,
			C: ptr(g.c), LDC: c.LDC, Alpha: 1, Beta: g.beta, Batch: 1})
	}
	return p
}

func (e *emuExec) Run(g int) error {
	if _, err := e.graph(g); err != nil {
		return err
	}
	e.runs++
	out, err := e.b.h.Run(program(e.steps[g], e.regions), e.b.order, e.b.seed+e.runs)
	if err != nil {
		return err
	}
	if string(out[regWeights]) != string(e.regions[regWeights]) {
		return errors.New("cuda-emu: a kernel wrote into the weights")
	}
	e.regions[regArena], e.regions[regState] = out[regArena], out[regState]
	return nil
}

func (e *emuExec) RunTimed(g int) (time.Duration, error) {
	t0 := time.Now()
	err := e.Run(g)
	return time.Since(t0), err
}

func (e *emuExec) Read(g, id int, dst []float32) error {
	gr, err := e.graph(g)
	if err != nil {
		return err
	}
	ref, err := checkRead(gr, g, id, dst)
	if err != nil {
		return err
	}
	b := e.regions[ref.reg][ref.off:]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return nil
}

func (e *emuExec) ResetState() error {
	clear(e.regions[regState])
	return nil
}

func (e *emuExec) AllocBytes() int64 {
	return int64(len(e.regions[regWeights]) + len(e.regions[regArena]) + len(e.regions[regState]))
}

func (e *emuExec) Close() error { return nil }

func f32bytes(xs []float32) []byte {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// int32 and float32 read a value argument back (for the emulator's calls).
func (a arg) int32() int32     { return int32(a.bits) }
func (a arg) float32() float32 { return math.Float32frombits(a.bits) }

// letter is the kind as package kernels/emu spells it.
func (k argKind) letter() byte { return "pif"[k] }
