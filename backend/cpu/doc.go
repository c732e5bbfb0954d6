// Package cpu is the pure-Go backend: it registers the device "cpu" and executes model
// graphs on the host. Compile checks the host has the memory (else an error wrapping
// backend.ErrOutOfMemory), allocates one arena sized by the planner and the
// Transformer-XL memory next to the caller's weight slab, then turns every op into a
// closure over fixed slices, so a run allocates nothing and touches exactly the bytes
// Graph.AllocPeakBytes counts.
//
// Every matrix product goes through kern.Gemm on one kern.Pool of Options.Threads
// workers. Attention, layer norm, embeddings and the log-softmaxes are here, one file
// per op family, parallel over (batch, head, block of queries) or over rows on the same
// pool. Attention never stores a T×K matrix: a task scores its block of queries against
// a chunk of keys at a time into scratch on its stack, with an online softmax across
// chunks. GPT-2's causal attention puts the block's 16 queries across the vector lanes
// (scores and output by tiles without horizontal sums, the softmax down the columns);
// Transformer-XL's relative attention scores by query rows and gets its position terms
// by relative distance, shifted into place by indexing. The vector helpers (vec.go:
// those tiles, transposes, exp, max, row sums) have a plain Go version and, on amd64
// with AVX2+FMA, an assembly one (vec_amd64.s); -tags noasm keeps the Go versions. Plain
// dot products and scaling are kern's Dot and Scale (with NEON versions on arm64).
//
// ProfileForward (ltsbench measure --profile-ops) times a compiled forward op by op, in a
// loop of its own: Run and RunTimed carry no timers.
package cpu
