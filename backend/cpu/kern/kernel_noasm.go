//go:build noasm || !(amd64 || arm64)

package kern

// asmKernels lists the assembly micro-kernels this CPU can run: none in this build.
func asmKernels() []*gemmKernel { return nil }

// asmVec is false: this build has no assembly helpers. (A variable, as where there are
// some, so the tests switch paths the same way.)
var asmVec = false

// rowsPath: the rows path, in plain Go (see gemm_rows.go).
var rowsPath = true

func dot(x, y []float32) float32              { return dotGeneric(x, y) }
func scale(alpha float32, x []float32)        { scaleGeneric(alpha, x) }
func axpy(alpha float32, x, y []float32)      { axpyGeneric(alpha, x, y) }
func dot4(a, b []float32, ldb int) [4]float32 { return dot4Generic(a, b, ldb) }

func epilogueRow(ci []float32, i, j0 int, ep *Epilogue) { applyEpilogue(ci, i, j0, ep) }

func rowsAdd(c, a, b []float32, ldb int) { rowsAddGeneric(c, a, b, ldb) }
