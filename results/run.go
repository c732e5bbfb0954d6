package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/internal/inputfile"
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
	MaxMemoryMB  float64           `json:"max_memory_mb,omitempty"` // MB = 2^20 bytes (BytesPerMB)
	Protocol     bench.Protocol    `json:"protocol"`
	Environment  bench.Environment `json:"environment"`
	Started      string            `json:"started"` // RFC 3339
}

// BytesPerMB is the "MB" of memory constraints and reports: 2^20 bytes, as LTS and
// PyTorch count it. Reports label it MiB.
const BytesPerMB = 1 << 20

// DefaultMemoryMetric is the memory objective when run.json names none.
const DefaultMemoryMetric = bench.MetricAllocPeak

// ReadRunInfo reads DIR/run.json. Errors name the file.
func ReadRunInfo(dir string) (*RunInfo, error) {
	path := filepath.Join(dir, RunFile)
	data, err := inputfile.ReadFile(path, 4*inputfile.MaxJSONBytes)
	if err != nil {
		return nil, err
	}
	var ri RunInfo
	if err := json.Unmarshal(data, &ri); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if ri.Device == "" {
		return nil, fmt.Errorf("%s: no device", path)
	}
	if ri.MemoryMetric == "" {
		ri.MemoryMetric = DefaultMemoryMetric
	}
	return &ri, nil
}

// WriteRunInfo replaces DIR/run.json atomically.
func WriteRunInfo(dir string, ri *RunInfo) error {
	if ri == nil {
		return errors.New("results.WriteRunInfo: nil RunInfo")
	}
	return WriteJSON(filepath.Join(dir, RunFile), ri)
}
