// Package kern holds the CPU compute kernels of the pure-Go backend: the SGEMM with its
// fused epilogue and a worker pool to run them over goroutines. Every kernel has a plain
// Go reference (its doc comment states the loop) that the tests compare against.
package kern
