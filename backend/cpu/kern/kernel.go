package kern

// gemmKernel is a register-blocked micro-kernel and the tile it computes. The blocked
// driver (gemm_blocked.go) packs operands into the layout micro expects and handles
// edges, so a micro-kernel only ever sees full mr×nr tiles.
type gemmKernel struct {
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
}

// maxMR and maxNR bound every kernel's tile, for the stack buffer of edge tiles.
const maxMR, maxNR = 8, 24

// activeKernel is the fastest kernel this CPU runs; set by the per-architecture init.
var activeKernel = &genericKernel

// genericKernel is the portable Go micro-kernel.
var genericKernel = gemmKernel{name: "generic 4×4", mr: 4, nr: 4, micro: microGeneric4x4}

// KernelName says which SGEMM micro-kernel Gemm uses on this CPU (for run metadata).
func KernelName() string { return activeKernel.name }
