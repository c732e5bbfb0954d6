//go:build !noasm

package kern

func init() {
	if hasAVX2FMA {
		packPanelT = packPanelTAVX2
		packRows16 = packRows16AVX2Go
	}
}

// packRows16AVX2Go is packRows16Generic in AVX2 registers, with a prefetch four rows
// ahead so the reads of B overlap.
func packRows16AVX2Go(dst, b []float32, ldb, l0, kc, j0, panels int) {
	if kc == 0 || panels == 0 {
		return
	}
	_ = dst[(panels-1)*kc*16+kc*16-1]
	_ = b[(l0+kc-1)*ldb+j0+panels*16-1]
	packRows16AVX2(&dst[0], &b[l0*ldb+j0], 4*ldb, kc, panels, 4*kc*16)
}

//go:noescape
func packRows16AVX2(dst, src *float32, ldbBytes, kc, panels, panelBytes int)

// packPanelTAVX2 is packPanelTGeneric with full 16-row panels transposed 8×8 at a time
// in AVX2 registers; ragged panels and the last kc mod 8 columns go the generic way.
func packPanelTAVX2(panel, b []float32, ldb, j, w, l0, kc, nr int) {
	kc8 := kc &^ 7
	if w != 16 || nr != 16 || kc8 == 0 {
		packPanelTGeneric(panel, b, ldb, j, w, l0, kc, nr)
		return
	}
	_ = panel[kc*16-1]
	_ = b[(j+15)*ldb+l0+kc-1]
	packPanelT16AVX2(&panel[0], &b[j*ldb+l0], 4*ldb, kc8)
	for q := range 16 {
		src := b[(j+q)*ldb+l0+kc8 : (j+q)*ldb+l0+kc]
		for l, v := range src {
			panel[(kc8+l)*16+q] = v
		}
	}
}

//go:noescape
func packPanelT16AVX2(panel, b *float32, ldbBytes, kc8 int)
