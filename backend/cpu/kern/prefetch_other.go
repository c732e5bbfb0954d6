//go:build noasm || !amd64

package kern

// hasPrefetch is false: no prefetch instruction is wired up in this build.
const hasPrefetch = false

func prefetchRows(p *float32, strideBytes, rows, widthBytes int) {}
