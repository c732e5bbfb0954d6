// Package bench measures one architecture on one device: it builds the decoder's graph
// for the measured shape, runs it until it is warm (and, for Transformer-XL, until its
// memory holds a previous segment) and its latency has settled, then times single
// forward passes until the protocol's sample and time bounds are met, setting aside
// and taking again those that other work disturbed, and reports the latency
// statistics, the raw samples, how disturbed they were, and the peak memory, exactly
// (the planner's alloc_peak_bytes) and as the operating system or the GPU saw it.
//
// It also captures the environment a result was measured in (version, Go, OS, CPU,
// threads, GPU), holds the named preset architectures of the paper and of familiar
// models, and writes results in the Go benchmark format so that two runs compare with
// benchstat.
//
// bench does not choose architectures (that is package search) and does not run
// graphs itself (that is the backend's job).
package bench
