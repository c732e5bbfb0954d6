package kern

// bOperand is the B of a product: a [k, n] or (transB) [n, k] matrix in place.
type bOperand struct {
	b      []float32
	ldb    int
	transB bool
}

// packA copies rows [i0, i0+rows) × columns [l0, l0+kc) of A into panels of mr rows:
// panel p holds dst[p·kc·mr + l·mr + r] = A[(i0+p·mr+r)·lda + l0+l], zero past the last
// row, so the micro-kernel reads mr contiguous values per step.
func packA(dst, a []float32, lda, i0, rows, l0, kc, mr int) {
	for p := 0; p*mr < rows; p++ {
		panel := dst[p*kc*mr : (p+1)*kc*mr]
		if mr == 4 && rows-p*mr >= 4 {
			packA4(panel, a[(i0+p*4)*lda+l0:], lda, kc)
			continue
		}
		if mr%4 == 0 && rows-p*mr >= mr {
			for r := 0; r < mr; r += 4 {
				packA4s(panel[r:], a[(i0+p*mr+r)*lda+l0:], lda, kc, mr)
			}
			continue
		}
		for r := range mr {
			i := p*mr + r
			if i >= rows {
				for l := range kc {
					panel[l*mr+r] = 0
				}
				continue
			}
			src := a[(i0+i)*lda+l0 : (i0+i)*lda+l0+kc]
			for l, v := range src {
				panel[l*mr+r] = v
			}
		}
	}
}

// packA4 packs one full panel of four rows: panel[l·4+r] = a[r·lda+l] for l < kc. It
// is a variable so an assembly transpose can replace it.
var packA4 = packA4Generic

func packA4Generic(panel, a []float32, lda, kc int) {
	r0 := a[:kc]
	r1 := a[lda : lda+kc]
	r2 := a[2*lda : 2*lda+kc]
	r3 := a[3*lda : 3*lda+kc]
	panel = panel[:4*kc]
	for l := range kc {
		d := (*[4]float32)(panel[l*4:])
		d[0], d[1], d[2], d[3] = r0[l], r1[l], r2[l], r3[l]
	}
}

// packA4s packs four full rows into rows r..r+3 of a panel of mr rows (panel starts
// at row r): panel[l·mr+q] = a[q·lda+l] for q < 4, l < kc. It is a variable so an
// assembly transpose can replace it.
var packA4s = packA4sGeneric

func packA4sGeneric(panel, a []float32, lda, kc, mr int) {
	r0 := a[:kc]
	r1 := a[lda : lda+kc]
	r2 := a[2*lda : 2*lda+kc]
	r3 := a[3*lda : 3*lda+kc]
	for l := range kc {
		d := (*[4]float32)(panel[l*mr:])
		d[0], d[1], d[2], d[3] = r0[l], r1[l], r2[l], r3[l]
	}
}

// packB copies rows [l0, l0+kc) × columns [j0, j0+cols) of op(B) into panels of nr
// columns: panel p holds dst[p·kc·nr + l·nr + q] = B(l0+l, j0+p·nr+q), zero past the
// last column.
func packB(dst []float32, b bOperand, l0, kc, j0, cols, nr int) {
	for p := 0; p*nr < cols; p++ {
		w := min(nr, cols-p*nr)
		panel := dst[p*kc*nr : (p+1)*kc*nr]
		j := j0 + p*nr
		if b.transB {
			packPanelT(panel, b.b, b.ldb, j, w, l0, kc, nr)
		} else if w < nr {
			for l := range kc {
				row := panel[l*nr : (l+1)*nr]
				o := (l0+l)*b.ldb + j
				copy(row, b.b[o:o+w])
				clear(row[w:])
			}
		}
	}
	if b.transB {
		return
	}
	packRows(dst, b.b, b.ldb, l0, kc, j0, cols/nr, nr)
}

// packRows packs the first panels full nr-column panels of rows [l0, l0+kc) of a [k, n]
// B from column j0: dst[p·kc·nr + l·nr + q] = B[(l0+l)·ldb + j0+p·nr+q], B read row by
// row (a panel at a time would stride by ldb and defeat the prefetchers). It is a
// variable so an assembly copy can replace it.
var packRows = packRowsGeneric

func packRowsGeneric(dst, b []float32, ldb, l0, kc, j0, panels, nr int) {
	for l := range kc {
		o := (l0+l)*ldb + j0
		src := b[o : o+panels*nr]
		for p := range panels {
			copy(dst[p*kc*nr+l*nr:p*kc*nr+(l+1)*nr], src[p*nr:(p+1)*nr])
		}
	}
}

// packPanelT packs w ≤ nr rows j.. of an [n, k] B, columns [l0, l0+kc), transposed into
// panel[l·nr+q]. It is a variable so an assembly transpose can replace it.
var packPanelT = packPanelTGeneric

func packPanelTGeneric(panel, b []float32, ldb, j, w, l0, kc, nr int) {
	for q := range w {
		src := b[(j+q)*ldb+l0 : (j+q)*ldb+l0+kc]
		for l, v := range src {
			panel[l*nr+q] = v
		}
	}
	for q := w; q < nr; q++ {
		for l := range kc {
			panel[l*nr+q] = 0
		}
	}
}
