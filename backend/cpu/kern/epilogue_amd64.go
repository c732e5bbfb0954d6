//go:build !noasm

package kern

// epilogueRow finishes row i, columns j0.. of C: with asmVec, the vector epilogue on the
// multiple-of-8 head of the row and the plain one on the rest.
func epilogueRow(ci []float32, i, j0 int, ep *Epilogue) {
	n8 := len(ci) &^ 7
	if !asmVec || n8 == 0 {
		applyEpilogue(ci, i, j0, ep)
		return
	}
	mode := int(ep.Act) << 2
	bias, res := &ci[0], &ci[0] // not read unless mode says so
	if ep.Bias != nil {
		mode |= 1
		_ = ep.Bias[j0+n8-1]
		bias = &ep.Bias[j0]
	}
	if ep.Residual != nil {
		mode |= 2
		_ = ep.Residual[i*ep.LDR+j0+n8-1]
		res = &ep.Residual[i*ep.LDR+j0]
	}
	epilogueRowAVX2(&ci[0], bias, res, n8, mode)
	if n8 < len(ci) {
		applyEpilogue(ci[n8:], i, j0+n8, ep)
	}
}

//go:noescape
func epilogueRowAVX2(c, bias, res *float32, n8, mode int)
