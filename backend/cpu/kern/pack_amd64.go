//go:build !noasm

package kern

func init() {
	if hasAVX2FMA {
		packPanelT = packPanelTAVX2
		packRows = packRowsAVX2Go
		packA4 = packA4AVX2Go
		packA4s = packA4sAVX2Go
	}
}

// packA4sAVX2Go is packA4sGeneric with 8 columns of the four rows transposed at a time
// in AVX2 registers; the last kc mod 8 columns go the generic way.
func packA4sAVX2Go(panel, a []float32, lda, kc, mr int) {
	kc8 := kc &^ 7
	if kc8 > 0 {
		_ = panel[(kc-1)*mr+3]
		_ = a[3*lda+kc-1]
		packA4sAVX2(&panel[0], &a[0], 4*lda, 4*mr, kc8)
	}
	if kc8 < kc {
		packA4sGeneric(panel[mr*kc8:], a[kc8:], lda, kc-kc8, mr)
	}
}

// packA4AVX2Go is packA4Generic with 8 columns of the four rows transposed at a time in
// AVX2 registers; the last kc mod 8 columns go the generic way.
func packA4AVX2Go(panel, a []float32, lda, kc int) {
	kc8 := kc &^ 7
	if kc8 > 0 {
		_ = panel[4*kc-1]
		_ = a[3*lda+kc-1]
		packA4AVX2(&panel[0], &a[0], 4*lda, kc8)
	}
	if kc8 < kc {
		packA4Generic(panel[4*kc8:], a[kc8:], lda, kc-kc8)
	}
}

// packPanelTAVX2 is packPanelTGeneric with each group of 8 full rows transposed 8×8 at a
// time in AVX2 registers; a ragged group and the last kc mod 8 columns go the generic way.
func packPanelTAVX2(panel, b []float32, ldb, j, w, l0, kc, nr int) {
	kc8 := kc &^ 7
	if kc8 == 0 || nr%8 != 0 {
		packPanelTGeneric(panel, b, ldb, j, w, l0, kc, nr)
		return
	}
	_ = panel[kc*nr-1]
	q := 0
	for ; q+8 <= w; q += 8 {
		_ = b[(j+q+7)*ldb+l0+kc-1]
		packT8AVX2(&panel[q], 4*nr, &b[(j+q)*ldb+l0], 4*ldb, kc8)
	}
	for r := range q {
		src := b[(j+r)*ldb+l0+kc8 : (j+r)*ldb+l0+kc]
		for l, v := range src {
			panel[(kc8+l)*nr+r] = v
		}
	}
	for ; q < nr; q++ {
		if q < w {
			src := b[(j+q)*ldb+l0 : (j+q)*ldb+l0+kc]
			for l, v := range src {
				panel[l*nr+q] = v
			}
			continue
		}
		for l := range kc {
			panel[l*nr+q] = 0
		}
	}
}

// packRowsAVX2Go is packRowsGeneric in AVX2 registers, with a prefetch four rows ahead
// so the reads of B overlap.
func packRowsAVX2Go(dst, b []float32, ldb, l0, kc, j0, panels, nr int) {
	if kc == 0 || panels == 0 {
		return
	}
	if nr%8 != 0 {
		packRowsGeneric(dst, b, ldb, l0, kc, j0, panels, nr)
		return
	}
	_ = dst[panels*kc*nr-1]
	_ = b[(l0+kc-1)*ldb+j0+panels*nr-1]
	packRowsAVX2(&dst[0], &b[l0*ldb+j0], 4*ldb, kc, panels, 4*kc*nr, nr/8)
}

//go:noescape
func packT8AVX2(dst *float32, dstStrideBytes int, b *float32, ldbBytes, kc8 int)

//go:noescape
func packA4sAVX2(dst, a *float32, ldaBytes, dstStrideBytes, kc8 int)

//go:noescape
func packA4AVX2(dst, a *float32, ldaBytes, kc8 int)

//go:noescape
func packRowsAVX2(dst, src *float32, ldbBytes, kc, panels, panelBytes, vecs int)
