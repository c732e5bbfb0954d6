//go:build !noasm

package kern

const hasPrefetch = true

// prefetchRows issues PREFETCHT1 for every cache line of rows rows of widthBytes bytes
// from p, strideBytes apart. A prefetch never faults, so the lines past the last
// element that a row's end shares need no care.
//
//go:noescape
func prefetchRows(p *float32, strideBytes, rows, widthBytes int)
