package hugemem

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// adviseHuge marks the whole huge pages inside x MADV_HUGEPAGE and, where the system's
// setting lets them be used at all ("madvise" or "always"), collapses them into huge
// pages at once (MADV_COLLAPSE, Linux 6.1 and later): make hands back reused heap
// memory already zeroed, so on small pages that advice alone would not change. An
// error (an older kernel, no huge page free) leaves x as it is: small pages are slower,
// not wrong.
func adviseHuge(x []float32) {
	switch Mode() {
	case "madvise", "always":
	default:
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), len(x)*4)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	off := int((p+hugePage-1)&^(hugePage-1) - p)
	n := (len(b) - off) &^ (hugePage - 1)
	if n < hugePage {
		return
	}
	r := b[off : off+n]
	if err := unix.Madvise(r, unix.MADV_HUGEPAGE); err != nil {
		return
	}
	_ = unix.Madvise(r, unix.MADV_COLLAPSE)
}
