package hugemem

import (
	"os"
	"strings"
)

// hugePage is the size of a transparent huge page on amd64 and arm64 Linux (4 KiB base
// pages).
const hugePage = 2 << 20

// minBytes is the smallest buffer worth asking for: below two huge pages the aligned
// interior may hold none.
const minBytes = 2 * hugePage

// Floats returns a zeroed slice of n float32 values whose 2-MiB-aligned interior is on
// transparent huge pages where the system offers them (a no-op for small slices, on
// other systems and with the setting "never"), whether make gave fresh memory or
// reused heap memory: the pages are collapsed, not only advised (see adviseHuge).
func Floats(n int) []float32 {
	x := make([]float32, n)
	if n*4 >= minBytes {
		adviseHuge(x)
	}
	return x
}

// modePath is the system's transparent huge page setting.
var modePath = "/sys/kernel/mm/transparent_hugepage/enabled"

// Mode is the system's transparent huge page setting: "always", "madvise" (Floats's
// buffers get huge pages, others not) or "never", or "" where it cannot be read (not
// Linux, or a kernel without them).
func Mode() string {
	b, err := os.ReadFile(modePath)
	if err != nil {
		return ""
	}
	// "always [madvise] never": the bracketed one is in force.
	s := string(b)
	i, j := strings.IndexByte(s, '['), strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return ""
	}
	return s[i+1 : j]
}
