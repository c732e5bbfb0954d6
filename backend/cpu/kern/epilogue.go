package kern

import "math"

// applyEpilogue finishes row i, columns j0.. of C.
func applyEpilogue(ci []float32, i, j0 int, ep *Epilogue) {
	if ep == nil {
		return
	}
	if ep.Bias != nil {
		bias := ep.Bias[j0 : j0+len(ci)]
		for j := range ci {
			ci[j] += bias[j]
		}
	}
	switch ep.Act {
	case ActGELU:
		for j, x := range ci {
			ci[j] = GELU(x)
		}
	case ActReLU:
		for j, x := range ci {
			ci[j] = max(x, 0)
		}
	}
	if ep.Residual != nil {
		r := ep.Residual[i*ep.LDR+j0 : i*ep.LDR+j0+len(ci)]
		for j := range ci {
			ci[j] += r[j]
		}
	}
}

// epilogueTile finishes the rows×cols tile of C at (i, j), called right after the
// tile's last micro-kernel call so it is still in L1.
func epilogueTile(c []float32, ldc, i, rows, j, cols int, ep *Epilogue) {
	if ep == nil || (ep.Bias == nil && ep.Act == ActNone && ep.Residual == nil) {
		return
	}
	for r := range rows {
		o := (i+r)*ldc + j
		epilogueRow(c[o:o+cols], i+r, j, ep)
	}
}

// GELU is gelu_new, the tanh approximation GPT-2 uses.
func GELU(x float32) float32 {
	const c = 0.7978845608028654 // √(2/π)
	xf := float64(x)
	return float32(0.5 * xf * (1 + math.Tanh(c*(xf+0.044715*xf*xf*xf))))
}
