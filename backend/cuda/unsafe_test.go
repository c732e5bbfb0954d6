package cuda

import "unsafe"

func unsafePointer(x []float32) unsafe.Pointer { return unsafe.Pointer(&x[0]) }
