package hugemem

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// adviseHuge marks the whole huge pages inside x MADV_HUGEPAGE. An error (a kernel
// without transparent huge pages) leaves x as it is: small pages are slower, not wrong.
func adviseHuge(x []float32) {
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), len(x)*4)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	off := int((p+hugePage-1)&^(hugePage-1) - p)
	n := (len(b) - off) &^ (hugePage - 1)
	if n < hugePage {
		return
	}
	_ = unix.Madvise(b[off:off+n], unix.MADV_HUGEPAGE)
}
