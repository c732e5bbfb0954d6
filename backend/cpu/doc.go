// Package cpu is the pure-Go backend: it registers the device "cpu" and executes model
// graphs on the host. Compile allocates the weights' slab (shared with the caller), one
// arena sized by the planner and the Transformer-XL memory, then turns every op into a
// closure over fixed slices, so a run allocates nothing of its own and touches exactly
// the bytes Graph.AllocPeakBytes counts.
//
// Every matrix product goes through kern.Gemm on one kern.Pool of Options.Threads
// workers. Attention, layer norm, embeddings and the log-softmaxes are here, one file
// per op family, parallel over (batch, head, block of queries) or over rows on the same
// pool. Attention scores a block of queries against a chunk of keys at a time into
// scratch on the task's stack (an online softmax across chunks), never a T×K matrix;
// Transformer-XL's position terms are scored by relative distance and shifted by
// indexing. The vector helpers they use (vec.go: tiles of dot products, probabilities
// times values, exp, max, row sums) have a plain Go version and, on amd64 with
// AVX2+FMA, an assembly one (vec_amd64.s); -tags noasm keeps the Go versions.
package cpu
