//go:build noasm || !amd64

package kern

// fmaPeak has no assembly loop in this build; it reports 0 flops.
func fmaPeak(iters int) int { return 0 }
