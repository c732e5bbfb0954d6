//go:build linux && cgo

package cuda

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/sysinfo"
	"github.com/ltsbench/ltsbench/kernels"
	"github.com/ltsbench/ltsbench/model"
)

// cuBLAS compute types (cublasComputeType_t, unchanged from CUDA 11 to 13).
const (
	computeFP32     = 68 // CUBLAS_COMPUTE_32F: exact fp32
	computeFastTF32 = 77 // CUBLAS_COMPUTE_32F_FAST_TF32: tensor cores, tf32 inputs
)

// Backend runs graphs on one NVIDIA GPU through its primary context. It is safe for
// use by several goroutines: every CUDA call runs on the backend's owner thread.
type Backend struct {
	dev     backend.Device
	name    string // "cuda:0", for messages
	opts    Options
	w       *worker
	info    deviceInfo
	driver  int // cuDriverGetVersion: 13000 for CUDA 13.0
	ctx     cuContext
	stream  cuStream
	ev0     cuEvent
	ev1     cuEvent
	blas    blasHandle
	blasWS  uint64 // the cuBLAS workspace
	blasLib string
	blasVer int
	// noBlas says why no cuBLAS is used ("" when one is): every GEMM is then the
	// backend's own sgemm_tiled_f32, and results name it (sysinfo.GPU.GEMM).
	noBlas  string
	modules []cuModule
	funcs   map[string]cuFunction
	smemMax map[string]int // the dynamic shared memory each kernel was opted in to (above 48 KiB)
	graphs  bool           // replay CUDA graphs (false with Options.NoGraph or a driver without them)
	compute int
	sync    bool  // LTSBENCH_CUDA_SYNC=1: synchronise after every step of an eager run
	base    int64 // device memory in use right after the context was created (cuMemGetInfo)

	mu     sync.Mutex
	execs  map[*Executable]bool
	closed bool
}

var _ backend.Backend = (*Backend)(nil)
var _ backend.DeviceDescriber = (*Backend)(nil)
var _ backend.Summarizer = (*Backend)(nil)

// Open creates the backend for GPU d.Index: it loads the driver, retains the device's
// primary context on a locked OS thread, JIT-loads the kernels' PTX and creates a
// cuBLAS handle. Without a driver it returns one line saying so.
func Open(d backend.Device, o Options) (*Backend, error) {
	name := d.String()
	if msg := loadDriver(); msg != "" {
		return nil, fmt.Errorf("%s: no NVIDIA driver found (%s)", name, msg)
	}
	b := &Backend{dev: d, name: name, opts: o, w: newWorker(), funcs: map[string]cuFunction{}, smemMax: map[string]int{},
		execs: map[*Executable]bool{}}
	b.compute = computeFP32
	if o.TF32 {
		b.compute = computeFastTF32
	}
	b.sync = os.Getenv("LTSBENCH_CUDA_SYNC") == "1"
	if err := b.w.do(b.open); err != nil {
		b.w.do(func() error { b.release(); return nil })
		b.w.stop()
		return nil, err
	}
	return b, nil
}

// open runs on the owner thread; release undoes whatever it got to.
func (b *Backend) open() error {
	if err := drvInit(b.name); err != nil {
		var ce *cudaError
		if errors.As(err, &ce) && ce.code == cudaErrorNoDevice {
			return fmt.Errorf("%s: no CUDA-capable GPU found (the NVIDIA driver is loaded: %s)", b.name, ce.desc)
		}
		return err
	}
	b.driver = drvVersion()
	n, err := drvDeviceCount(b.name)
	if err != nil {
		return err
	}
	if b.dev.Index >= n {
		return fmt.Errorf("%s: no such GPU (this machine has %d)", b.name, n)
	}
	if b.info, err = drvDevice(b.name, b.dev.Index); err != nil {
		return err
	}
	if b.ctx, err = drvCtxRetain(b.name, b.info.dev); err != nil {
		return err
	}
	keepPrimaryContext(b.info.dev)
	if err = drvCtxSetCurrent(b.name, b.ctx); err != nil {
		return err
	}
	free, total, err := drvMemInfo(b.name)
	if err != nil {
		return err
	}
	b.base = total - free
	if b.stream, err = drvStreamCreate(b.name); err != nil {
		return err
	}
	if b.ev0, err = drvEventCreate(b.name); err != nil {
		return err
	}
	if b.ev1, err = drvEventCreate(b.name); err != nil {
		return err
	}
	if err := b.loadKernels(); err != nil {
		return err
	}
	if os.Getenv("LTSBENCH_CUBLAS") == "none" {
		b.noBlas = "LTSBENCH_CUBLAS=none"
	} else {
		b.blasLib, err = loadCublas(b.driver, func(string) (err error) {
			b.blas, b.blasWS, b.blasVer, err = blasCreate(b.name, b.stream)
			return err
		})
		if err != nil {
			// No cuBLAS must not mean no measurement: the GEMMs fall back to our own
			// kernel, which every result names (b.blas stays nil: no handle was made).
			b.noBlas = err.Error()
		}
	}
	b.graphs = !b.opts.NoGraph && drvHasGraphs()
	return nil
}

// keptContexts are the devices whose primary context this process holds one extra
// reference to, never released: when the last reference goes, the driver resets the
// primary context (every allocation and module of it is gone), but cuBLAS's built-in
// CUDA runtime keeps its state for it, and creating the context again costs a fraction
// of a second on every Open (the tests open a backend per case).
var keptContexts struct {
	sync.Mutex
	devs map[cuDevice]bool
}

// keepPrimaryContext retains device d's primary context for the rest of the process,
// once (on failure nothing is kept and each Backend's own reference still works).
func keepPrimaryContext(d cuDevice) {
	keptContexts.Lock()
	defer keptContexts.Unlock()
	if keptContexts.devs[d] {
		return
	}
	if _, err := drvCtxRetain("", d); err == nil {
		if keptContexts.devs == nil {
			keptContexts.devs = map[cuDevice]bool{}
		}
		keptContexts.devs[d] = true
	}
}

// loadKernels checks the embedded PTX against the kernel table (a stale build would
// otherwise launch with the wrong arguments), JIT-loads every module and finds every
// kernel the executor launches.
func (b *Backend) loadKernels() error {
	byModule := map[string][]*kernelSig{}
	for _, k := range allKernels {
		byModule[k.Module] = append(byModule[k.Module], k)
	}
	for mod, ks := range byModule {
		ptx, err := kernels.PTX(mod)
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		entries, err := parsePTXEntries(ptx)
		if err != nil {
			return fmt.Errorf("%s: module %s: %w", b.name, mod, err)
		}
		for _, k := range ks {
			e, ok := entries[k.Name]
			if !ok {
				return fmt.Errorf("%s: kernel %s is missing from the embedded PTX module %s", b.name, k.Name, mod)
			}
			if err := checkSignature(k, e); err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
		}
		m, err := drvModuleLoad(b.name, mod, ptx)
		if err != nil {
			return err
		}
		b.modules = append(b.modules, m)
		for _, k := range ks {
			f, err := drvFunction(b.name, m, k.Name)
			if err != nil {
				return err
			}
			b.funcs[k.Name] = f
		}
	}
	return nil
}

// optInSharedMemory raises the dynamic shared memory limit of every kernel that a
// step launches with more than 48 KiB (wide attention heads), on the owner thread,
// before the steps run or are captured.
func (b *Backend) optInSharedMemory(steps [][]step) error {
	for k, n := range smemOptIns(steps) {
		if n.bytes <= b.smemMax[k.Name] {
			continue
		}
		if err := checkSmemOptIn(k, n, b.info.smemOptIn); err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		what := fmt.Sprintf("allowing %s %d bytes of dynamic shared memory for %s", k.Name, n.bytes, n.label)
		if err := drvFuncMaxDynamicSmem(b.name, what, b.funcs[k.Name], n.bytes); err != nil {
			return err
		}
		b.smemMax[k.Name] = n.bytes
	}
	return nil
}

// release frees what open created, on the owner thread.
func (b *Backend) release() {
	blasDestroy(b.blas)
	drvMemFree(b.blasWS)
	for _, m := range b.modules {
		drvModuleUnload(m)
	}
	drvEventDestroy(b.ev0)
	drvEventDestroy(b.ev1)
	drvStreamDestroy(b.stream)
	if b.ctx != nil {
		drvCtxRelease(b.info.dev)
	}
	b.blas, b.blasWS, b.modules, b.ev0, b.ev1, b.stream, b.ctx = nil, 0, nil, nil, nil, nil, nil
}

// Device is the GPU this backend runs on.
func (b *Backend) Device() backend.Device { return b.dev }

// Close frees every executable still open, the kernels, the cuBLAS handle and the
// context, and ends the owner thread.
func (b *Backend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	execs := b.execs
	b.execs = nil
	b.mu.Unlock()
	for e := range execs {
		e.Close()
	}
	b.w.do(func() error { b.release(); return nil })
	b.w.stop()
	return nil
}

func (b *Backend) checkOpen() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return fmt.Errorf("%s: the backend is closed", b.name)
	}
	return nil
}

// Summary is one line about the device and libraries, for logs (backend.Summarizer).
func (b *Backend) Summary() string {
	mode := "CUDA graphs"
	if !b.graphs {
		mode = "direct launches"
	}
	math := "fp32"
	if b.compute == computeFastTF32 && b.blas != nil {
		math = "tf32"
	}
	return fmt.Sprintf("%s: %s (sm_%d%d, %d SMs, %.1f GiB), CUDA driver %s, %s, %s math, %s",
		b.name, b.info.name, b.info.ccMajor, b.info.ccMinor, b.info.sms, float64(b.info.memoryBytes)/(1<<30),
		sysinfo.CUDAVersionString(b.driver), b.gemm(), math, mode)
}

// gemm names what computes the matrix products: cuBLAS (version, library) or the
// fallback kernel, with why cuBLAS is not used.
func (b *Backend) gemm() string {
	if b.blas != nil {
		return fmt.Sprintf("cuBLAS %d (%s)", b.blasVer, b.blasLib)
	}
	return "ltsbench tiled SGEMM, no cuBLAS (" + b.noBlas + ")"
}

// DescribeDevice describes the device for a result's environment block: NVML's
// description (clocks, temperature, throttle reasons) when NVML is there, else what the
// driver API knows; Index is the N of cuda:N either way.
func (b *Backend) DescribeDevice() *sysinfo.GPU {
	if g, err := sysinfo.GPUByUUID(b.info.uuid); err == nil && b.info.uuid != "" {
		g.Index, g.SMs, g.GEMM = b.dev.Index, b.info.sms, b.gemm()
		return &g
	}
	return &sysinfo.GPU{Index: b.dev.Index, Name: b.info.name, UUID: b.info.uuid, MemoryBytes: b.info.memoryBytes,
		CUDAVersion: sysinfo.CUDAVersionString(b.driver), ComputeCapability: fmt.Sprintf("%d.%d", b.info.ccMajor, b.info.ccMinor),
		SMs: b.info.sms, GEMM: b.gemm()}
}

// Compile allocates the weights (uploaded once), one arena for the largest graph and
// the state, lowers every graph to launches and GEMMs, runs each once eagerly (which
// also lets cuBLAS and the driver's lazy kernel loading set themselves up outside a
// capture) and captures each into a CUDA graph. Running out of device memory anywhere
// returns an error wrapping backend.ErrOutOfMemory, with everything freed.
func (b *Backend) Compile(w *model.Weights, graphs ...*model.Graph) (backend.Executable, error) {
	if err := b.checkOpen(); err != nil {
		return nil, err
	}
	if _, err := backend.CheckCompile(w, graphs); err != nil {
		return nil, fmt.Errorf("%s: %w", b.name, err)
	}
	var all [][]step
	for i, g := range graphs {
		steps, err := lowerWith(g, b.blas == nil)
		if err != nil {
			return nil, fmt.Errorf("%s: graph %d: %w", b.name, i, err)
		}
		all = append(all, steps)
	}
	return b.compileSteps(w, graphs, all)
}

// compileSteps is Compile with the steps of every graph given.
func (b *Backend) compileSteps(w *model.Weights, graphs []*model.Graph, steps [][]step) (*Executable, error) {
	sz, err := backend.CheckCompile(w, graphs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.name, err)
	}
	e := &Executable{b: b, w: w, graphs: graphs, steps: steps, sizes: sz}
	if err := b.w.do(e.setUp); err != nil {
		b.w.do(func() error { e.release(); return nil })
		return nil, err
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.w.do(func() error { e.release(); return nil })
		return nil, fmt.Errorf("%s: the backend was closed during compile", b.name)
	}
	b.execs[e] = true
	b.mu.Unlock()
	return e, nil
}
