package results

import (
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/space"
)

// Record is one line of DIR/archive.jsonl: one architecture the search measured (or
// tried to), complete the moment it is written.
type Record struct {
	Seq       int         `json:"seq"`       // 0, 1, … in the order measured
	Iteration int         `json:"iteration"` // search iteration that proposed it
	Key       string      `json:"key"`       // space.Arch.Key
	Arch      *space.Arch `json:"arch"`
	// DecoderParams is the perplexity proxy (maximised).
	DecoderParams int64 `json:"decoder_params"`
	// Feasible is false when the architecture could not run (out of memory, …);
	// Error then says why and there is no measurement.
	Feasible bool   `json:"feasible"`
	Error    string `json:"error,omitempty"`
	// LatencyMS and MemoryBytes are the two measured objectives (minimised):
	// median latency and the memory metric the run chose (MemoryMetric in run.json).
	LatencyMS   float64       `json:"latency_ms"`
	MemoryBytes int64         `json:"memory_bytes"`
	Result      *bench.Result `json:"result,omitempty"`
}
