// Package cpu is the pure-Go backend: it registers the device "cpu" and executes model
// graphs on the host. Compile allocates the weights' slab (shared with the caller), one
// arena sized by the planner and the Transformer-XL memory, then turns every op into a
// closure over fixed slices, so a run allocates nothing of its own and touches exactly
// the bytes Graph.AllocPeakBytes counts.
//
// Every matrix product goes through kern.Gemm on one kern.Pool of Options.Threads
// workers; attention, layer norm, embeddings and the log-softmaxes are plain Go here,
// parallel over (batch, head, block of queries) or over rows on the same pool, one file
// per op family. Attention keeps one block of scores per task on the stack (an online
// softmax), never a T×T matrix per head.
package cpu
