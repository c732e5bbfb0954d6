package kern

import (
	"fmt"
	"os"
	"strings"
)

// gemmKernel is a register-blocked micro-kernel and the tile it computes. The blocked
// driver (gemm_blocked.go) packs operands into the layout micro expects and handles
// edges, so a micro-kernel only ever sees full mr×nr tiles.
type gemmKernel struct {
	id     string // the value of KernelEnv that selects it
	name   string
	mr, nr int // rows of A and columns of B per call
	// micro computes the mr×nr tile C = A·B (acc false) or C += A·B (acc true) over kc
	// steps: A packed as a[l·mr+r], B as b[l·bStride+q] (bStride is nr for a packed
	// panel, ldb when the kernel reads a [k, n] B in place), C[r·ldc+q].
	micro func(kc int, a, b []float32, bStride int, c []float32, ldc int, acc bool)
	// raw, where set, is micro in assembly on raw pointers (strides in bytes); the
	// driver calls it directly for full tiles, saving a call and three slice checks per
	// tile (1–2 % of a product at k = 32..768).
	raw func(kc int, a, b *float32, bsBytes int, c *float32, ldcBytes int, acc bool)
	// peak, where set, runs iters rounds of an FMA loop in the kernel's vector width and
	// returns the flops done: the peak the kernel's speed is measured against.
	peak func(iters int) int
}

// maxMR and maxNR bound every kernel's tile, for the buffer of edge tiles.
const maxMR, maxNR = 16, 32

// activeKernel is the kernel Gemm uses: the fastest this CPU runs, unless KernelEnv
// names another.
var activeKernel = &genericKernel

// genericKernel is the portable Go micro-kernel.
var genericKernel = gemmKernel{id: "generic", name: "generic 4×4", mr: 4, nr: 4, micro: microGeneric4x4}

// KernelEnv is the environment variable that picks the SGEMM micro-kernel instead of
// the fastest one this CPU runs: "avx512", "avx2" (amd64), "neon" (arm64) or "generic".
// It is read once, at start; a value this build or CPU cannot run stops the program
// with a one-line error.
const KernelEnv = "LTSBENCH_CPU_KERNEL"

func init() {
	kr, err := chooseKernel(os.Getenv(KernelEnv), asmKernels())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	activeKernel = kr
}

// chooseKernel returns the kernel with the given id among the generic one and the
// assembly ones this CPU runs (fastest first); the fastest when id is empty.
func chooseKernel(id string, asm []*gemmKernel) (*gemmKernel, error) {
	all := append(append([]*gemmKernel(nil), asm...), &genericKernel)
	if id == "" {
		return all[0], nil
	}
	ids := make([]string, len(all))
	for i, kr := range all {
		if kr.id == id {
			return kr, nil
		}
		ids[i] = kr.id
	}
	return nil, fmt.Errorf("%s=%q: not a kernel this CPU and build run (have: %s)", KernelEnv, id, strings.Join(ids, ", "))
}

// KernelName says which SGEMM micro-kernel Gemm uses (for run metadata), whether the
// fastest one or the one KernelEnv picked.
func KernelName() string { return activeKernel.name }
