package results

import (
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/space"
)

// RunInfo is DIR/run.json: everything needed to understand and resume a search.
type RunInfo struct {
	Command      []string          `json:"command"` // the ltsbench arguments
	Device       string            `json:"device"`
	Space        *space.Space      `json:"space"`
	Algorithm    string            `json:"algorithm"` // "evolution" | "random"
	Seed         uint64            `json:"seed"`
	Iterations   int               `json:"iterations"`
	Population   int               `json:"population"`
	Parents      int               `json:"parents"`
	Mutations    int               `json:"mutations"`
	Crossovers   int               `json:"crossovers"`
	MutationProb float64           `json:"mutation_prob"`
	CrossProb    float64           `json:"crossover_prob"`
	Dominance    string            `json:"dominance"`     // "standard" | "strict" (LTS)
	MemoryMetric string            `json:"memory_metric"` // "alloc_peak_bytes" | "rss_peak_bytes" | …
	MaxLatencyMS float64           `json:"max_latency_ms,omitempty"`
	MaxMemoryMB  float64           `json:"max_memory_mb,omitempty"`
	Protocol     bench.Protocol    `json:"protocol"`
	Environment  bench.Environment `json:"environment"`
	Started      string            `json:"started"` // RFC 3339
}
