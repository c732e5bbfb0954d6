package emu

import (
	"encoding/binary"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// testKernels exercise the emulator itself: a correct block reduction, the same
// reduction with a barrier missing, a barrier skipped by returned threads, a warp
// shuffle reduction and an out-of-bounds write.
const testKernels = `
extern "C" __global__ void block_sum(float* out, const float* x, int n) {
    __shared__ float buf[1024];
    int t = threadIdx.x;
    buf[t] = t < n ? x[blockIdx.x * n + t] : 0.0f;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) buf[t] += buf[t + s];
        __syncthreads();
    }
    if (t == 0) out[blockIdx.x] = buf[0];
}
extern "C" __global__ void block_sum_racy(float* out, const float* x, int n) {
    __shared__ float buf[1024];
    int t = threadIdx.x;
    buf[t] = t < n ? x[blockIdx.x * n + t] : 0.0f;
    // missing __syncthreads()
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) buf[t] += buf[t + s];
        __syncthreads();
    }
    if (t == 0) out[blockIdx.x] = buf[0];
}
extern "C" __global__ void divergent(float* out, int n) {
    if (threadIdx.x >= n) return;
    __syncthreads();
    out[threadIdx.x] = 1.0f;
}
extern "C" __global__ void warp_total(float* out, const float* x, float scale) {
    float v = x[threadIdx.x];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    out[threadIdx.x] = v * scale;
}
extern "C" __global__ void overrun(float* out, int n) {
    out[threadIdx.x + n] = 1.0f;
}
`

var testDecls = []Decl{
	{"block_sum", "ppi"}, {"block_sum_racy", "ppi"}, {"divergent", "pi"},
	{"warp_total", "ppf"}, {"overrun", "pi"},
}

var (
	harnessOnce sync.Once
	harness     *Harness
	harnessDir  string
	harnessErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if harnessDir != "" {
		os.RemoveAll(harnessDir)
	}
	os.Exit(code)
}

func testHarness(t *testing.T) *Harness {
	t.Helper()
	if testing.Short() {
		t.Skip("the CPU emulation compiles C++: skipped with -short")
	}
	if _, err := Compiler(); err != nil {
		t.Skipf("no C++ compiler: %v", err)
	}
	harnessOnce.Do(func() {
		harnessDir, harnessErr = os.MkdirTemp("", "emu-test-")
		if harnessErr != nil {
			return
		}
		src := fstest.MapFS{"common.cuh": {Data: []byte("")}}
		harness, harnessErr = Build(harnessDir, src, map[string]string{"selftest.cu": testKernels}, testDecls)
	})
	if harnessErr != nil {
		t.Fatal(harnessErr)
	}
	return harness
}

func f32bytes(xs []float32) []byte {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func bytesF32(b []byte) []float32 {
	xs := make([]float32, len(b)/4)
	for i := range xs {
		xs[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return xs
}

// sumProgram sums 3 rows of 100 values with one block of 128 threads a row.
func sumProgram(kernel string) (*Program, []float32) {
	const rows, n = 3, 100
	x := make([]float32, rows*n)
	want := make([]float32, rows)
	for i := range x {
		x[i] = float32(i%7) - 2.5
		want[i/n] += x[i]
	}
	p := &Program{Regions: [][]byte{f32bytes(x), make([]byte, 4*rows)}}
	p.Launch("sum", kernel, [3]uint32{rows, 1, 1}, [3]uint32{128, 1, 1}, 0,
		[]Arg{PtrArg(Ptr{1, 0}), PtrArg(Ptr{0, 0}), IntArg(n)})
	return p, want
}

func TestBlockReductionEveryOrder(t *testing.T) {
	h := testHarness(t)
	for _, order := range []string{"forward", "reverse", "shuffle"} {
		p, want := sumProgram("block_sum")
		regs, err := h.Run(p, order, 7)
		if err != nil {
			t.Fatalf("%s: %v", order, err)
		}
		got := bytesF32(regs[1])
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: row %d sum %v, want %v", order, i, got[i], want[i])
			}
		}
	}
}

// A missing barrier must change the result in at least one visiting order: that is
// what the orders are for.
func TestMissingBarrierIsCaught(t *testing.T) {
	h := testHarness(t)
	wrong := false
	for _, order := range []string{"forward", "reverse", "shuffle"} {
		p, want := sumProgram("block_sum_racy")
		regs, err := h.Run(p, order, 7)
		if err != nil {
			t.Fatalf("%s: %v", order, err)
		}
		got := bytesF32(regs[1])
		for i := range want {
			wrong = wrong || got[i] != want[i]
		}
	}
	if !wrong {
		t.Error("the reduction without its first __syncthreads gave the right sums in every order")
	}
}

func TestDivergentBarrierIsAnError(t *testing.T) {
	h := testHarness(t)
	p := &Program{Regions: [][]byte{make([]byte, 4*64)}}
	p.Launch("half the block returns", "divergent", [3]uint32{1, 1, 1}, [3]uint32{64, 1, 1}, 0,
		[]Arg{PtrArg(Ptr{0, 0}), IntArg(40)})
	_, err := h.Run(p, "forward", 1)
	if err == nil || !strings.Contains(err.Error(), "half the block returns") || !strings.Contains(err.Error(), "returned") {
		t.Errorf("divergent __syncthreads: err = %v", err)
	}
}

func TestWarpShuffleAndFloatArgument(t *testing.T) {
	h := testHarness(t)
	x := make([]float32, 64)
	var s0, s1 float32
	for i := range x {
		x[i] = float32(i)
		if i < 32 {
			s0 += x[i]
		} else {
			s1 += x[i]
		}
	}
	p := &Program{Regions: [][]byte{f32bytes(x), make([]byte, 4*64)}}
	p.Launch("warp", "warp_total", [3]uint32{1, 1, 1}, [3]uint32{64, 1, 1}, 0,
		[]Arg{PtrArg(Ptr{1, 0}), PtrArg(Ptr{0, 0}), FloatArg(0.5)})
	regs, err := h.Run(p, "shuffle", 3)
	if err != nil {
		t.Fatal(err)
	}
	got := bytesF32(regs[1])
	for i, g := range got {
		want := s0 / 2
		if i >= 32 {
			want = s1 / 2
		}
		if g != want {
			t.Fatalf("lane %d: %v, want %v", i, g, want)
		}
	}
}

func TestWriteOutsideRegionIsAnError(t *testing.T) {
	h := testHarness(t)
	p := &Program{Regions: [][]byte{make([]byte, 4*32)}}
	p.Launch("overrun", "overrun", [3]uint32{1, 1, 1}, [3]uint32{32, 1, 1}, 0,
		[]Arg{PtrArg(Ptr{0, 0}), IntArg(8)})
	if _, err := h.Run(p, "forward", 1); err == nil || !strings.Contains(err.Error(), "outside region") {
		t.Errorf("overrun: err = %v", err)
	}
}

func TestLaunchChecks(t *testing.T) {
	h := testHarness(t)
	cases := []struct {
		name  string
		block uint32
		args  []Arg
		want  string
	}{
		{"partial warp", 48, []Arg{PtrArg(Ptr{0, 0}), PtrArg(Ptr{0, 0}), FloatArg(1)}, "multiple of 32"},
		{"wrong kind", 32, []Arg{PtrArg(Ptr{0, 0}), PtrArg(Ptr{0, 0}), IntArg(1)}, "kind i"},
		{"too few", 32, []Arg{PtrArg(Ptr{0, 0})}, "takes 3 arguments"},
		{"past the region", 32, []Arg{PtrArg(Ptr{0, 4096}), PtrArg(Ptr{0, 0}), FloatArg(1)}, "outside region"},
	}
	for _, c := range cases {
		p := &Program{Regions: [][]byte{make([]byte, 4*64)}}
		p.Launch(c.name, "warp_total", [3]uint32{1, 1, 1}, [3]uint32{c.block, 1, 1}, 0, c.args)
		if _, err := h.Run(p, "forward", 1); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

// The harness GEMM follows cuBLAS's column-major definition, with transposes, strides
// and beta; checked here against a direct loop.
func TestGemmColumnMajor(t *testing.T) {
	h := testHarness(t)
	const m, n, k, batch = 3, 4, 5, 2
	lda, ldb, ldc := k+1, k+2, m+1 // A is transposed (stored k×m), B is not (k×n)
	sa, sb, sc := int64(lda*m+3), int64(ldb*n), int64(ldc*n+1)
	A := make([]float32, sa*batch)
	B := make([]float32, sb*batch)
	C := make([]float32, sc*batch)
	for i := range A {
		A[i] = float32(i%5) - 1
	}
	for i := range B {
		B[i] = float32(i%3) + 0.5
	}
	for i := range C {
		C[i] = 1
	}
	want := append([]float32(nil), C...)
	for p := 0; p < batch; p++ {
		for j := 0; j < n; j++ {
			for i := 0; i < m; i++ {
				var s float64
				for l := 0; l < k; l++ {
					s += float64(A[int64(p)*sa+int64(l+i*lda)]) * float64(B[int64(p)*sb+int64(l+j*ldb)])
				}
				c := &want[int64(p)*sc+int64(i+j*ldc)]
				*c = 2*float32(s) + 0.5**c
			}
		}
	}
	prog := &Program{Regions: [][]byte{f32bytes(A), f32bytes(B), f32bytes(C)}}
	prog.AddGemm("gemm", Gemm{TransA: true, M: m, N: n, K: k, A: Ptr{0, 0}, LDA: lda, StrideA: sa,
		B: Ptr{1, 0}, LDB: ldb, StrideB: sb, C: Ptr{2, 0}, LDC: ldc, StrideC: sc, Alpha: 2, Beta: 0.5, Batch: batch})
	regs, err := h.Run(prog, "forward", 1)
	if err != nil {
		t.Fatal(err)
	}
	got := bytesF32(regs[2])
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Fatalf("C[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	bad := &Program{Regions: prog.Regions}
	bad.AddGemm("lda too small", Gemm{TransA: true, M: m, N: n, K: k, A: Ptr{0, 0}, LDA: k - 1,
		B: Ptr{1, 0}, LDB: ldb, C: Ptr{2, 0}, LDC: ldc, Alpha: 1, Batch: 1})
	if _, err := h.Run(bad, "forward", 1); err == nil || !strings.Contains(err.Error(), "leading dimensions") {
		t.Errorf("lda < k with transA: err = %v", err)
	}
}
