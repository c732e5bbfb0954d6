// Package srchash computes the hash of a kernel's sources that the PTX generator
// records in each PTX file ("// sources sha256 ..."), so a test can tell a stale PTX
// file without NVRTC.
package srchash

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
)

// Hash is SHA-256 over the .cu file and every header, each as name, newline, text,
// newline; headers in name order.
func Hash(cuName, cuText string, headers map[string]string) string {
	h := sha256.New()
	add := func(name, text string) {
		h.Write([]byte(name + "\n" + text + "\n"))
	}
	add(cuName, cuText)
	names := make([]string, 0, len(headers))
	for n := range headers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		add(n, headers[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}
