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
	// Worker is the fleet worker that measured it, in a run measured through a fleet
	// (run --fleet, --listen, --nats); absent otherwise.
	Worker *WorkerInfo `json:"worker,omitempty"`
	// Generation is what a generation objective (prefill, decode, generate: run.json's
	// objective) measured beside Result, whose latency is then the objective's: the
	// prefill, the decode step, or generate's per-token time. The time to the first
	// token, the per-token time, tokens/s and the KV cache bytes are here. Absent for
	// the latency objective and in archives from before it.
	Generation *bench.Generation `json:"generation,omitempty"`
	// Confirmed is the architecture's latest confirmation (DIR/confirmed.jsonl), when
	// it was re-measured with the front: LatencyMS is then the confirmed latency.
	// Archive lines never carry it; pareto.jsonl and reports do.
	Confirmed *Confirmation `json:"confirmed,omitempty"`
}

// WorkerInfo names the fleet worker of a measurement: its id, the hash of its
// fingerprint (its class's: the device, driver and CPU kernel) and the ltsbench
// build it ran, which the fingerprint leaves out.
type WorkerInfo struct {
	ID          string            `json:"id"`
	Fingerprint string            `json:"fingerprint,omitempty"`
	Ltsbench    bench.VersionInfo `json:"ltsbench"`
}

// Latency is the latency statistics of r in milliseconds: those of its confirmation
// (every sample of every round) when it was confirmed, else the full statistics of its
// measurement when the record carries one, else the median alone (n = 0).
func (r *Record) Latency() bench.Stats {
	if r.Confirmed != nil && r.Confirmed.Latency.N > 0 {
		return r.Confirmed.Latency
	}
	if r.Result != nil && r.Result.Latency.N > 0 {
		return r.Result.Latency
	}
	return bench.Stats{Median: r.LatencyMS, P10: r.LatencyMS, P90: r.LatencyMS, Mean: r.LatencyMS}
}

// TotalParams is every stored parameter of r's architecture: from the measurement when
// there is one, else counted from the architecture.
func (r *Record) TotalParams() int64 {
	if r.Result != nil && r.Result.TotalParams > 0 {
		return r.Result.TotalParams
	}
	if r.Arch != nil {
		return r.Arch.TotalParams()
	}
	return 0
}
