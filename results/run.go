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
	Search       SearchInfo        `json:"search"`
	MemoryMetric string            `json:"memory_metric"` // "alloc_peak_bytes" | "rss_peak_bytes" | …
	Protocol     bench.Protocol    `json:"protocol"`
	Environment  bench.Environment `json:"environment"`
	Started      string            `json:"started"` // RFC 3339
	// Fleet is set when the run was measured by the workers of a device class
	// (run --fleet, --listen, --nats); Device is then the coordinator's --device.
	Fleet *FleetInfo `json:"fleet,omitempty"`
	// Objective is the latency the front minimises: latency (a full forward under
	// Protocol), prefill, decode or generate (under Protocol's batch, warm-ups,
	// sampling and threads, with Generation's lengths). Absent in a run.json from
	// before it: latency (ObjectiveOf).
	Objective  string                    `json:"objective,omitempty"`
	Generation *bench.GenerationProtocol `json:"generation,omitempty"`
}

// FleetInfo is run.json's "fleet": the device class that measured the run and the
// worker whose environment run.json's Environment is (the class's device, as the
// first result measured on it says). Before the first result Worker is empty and
// Environment describes the coordinator, not the class.
type FleetInfo struct {
	Class  string `json:"class"`
	Worker string `json:"worker,omitempty"`
}

// ClassEnvironment reports whether Environment describes the device that measured
// the run: always for a run in one process, for a fleet run once a worker's
// environment replaced the coordinator's.
func (ri *RunInfo) ClassEnvironment() bool { return ri.Fleet == nil || ri.Fleet.Worker != "" }

// SearchInfo is run.json's "search": the settings every search algorithm has, and
// the algorithm's own parameters under its name:
//
//	"search": {"algorithm": "evolution", "seed": 1111, "iterations": 30, "dominance": "standard",
//	           "evolution": {"population": 100, "parents": 20, …}}
type SearchInfo struct {
	Algorithm    string  `json:"algorithm"` // "evolution" | "random" | …
	Seed         uint64  `json:"seed"`
	Iterations   int     `json:"iterations"`
	Dominance    string  `json:"dominance"` // "standard" | "strict" (LTS)
	MaxLatencyMS float64 `json:"max_latency_ms,omitempty"`
	MaxMemoryMB  float64 `json:"max_memory_mb,omitempty"` // MB = 2^20 bytes (BytesPerMB)
	// Params is the algorithm's parameters as JSON, the object under the algorithm's
	// name.
	Params json.RawMessage `json:"-"`
	// Sizes is set instead of Params when run.json predates the "search" object: it
	// held LTS's sizes (population, parents, mutations, crossovers, mutation_prob,
	// crossover_prob) at the top level, whatever the algorithm.
	Sizes json.RawMessage `json:"-"`
}

// Strict reports whether the search used LTS's strict dominance.
func (si *SearchInfo) Strict() bool { return si.Dominance == "strict" }

// SetParams sets Params to p's JSON.
func (si *SearchInfo) SetParams(p any) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("search parameters of %s: %w", si.Algorithm, err)
	}
	si.Params, si.Sizes = data, nil
	return nil
}

// searchInfoFields is SearchInfo's JSON without the parameters.
type searchInfoFields SearchInfo

func (si SearchInfo) MarshalJSON() ([]byte, error) {
	data, err := json.Marshal(searchInfoFields(si))
	if err != nil || len(si.Params) == 0 {
		return data, err
	}
	name, err := json.Marshal(si.Algorithm)
	if err != nil {
		return nil, err
	}
	// data is {…}: the parameters go in as its last member.
	out := append(data[:len(data)-1:len(data)-1], ',')
	out = append(append(append(out, name...), ':'), si.Params...)
	return append(out, '}'), nil
}

func (si *SearchInfo) UnmarshalJSON(data []byte) error {
	var f searchInfoFields
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return err
	}
	*si = SearchInfo(f)
	if p, ok := members[si.Algorithm]; ok && si.Algorithm != "" {
		si.Params = p
	}
	return nil
}

// legacyRunInfo is the search settings of a run.json written before the "search"
// object: all at the top level.
type legacyRunInfo struct {
	Algorithm    string  `json:"algorithm"`
	Seed         uint64  `json:"seed"`
	Iterations   int     `json:"iterations"`
	Population   int     `json:"population"`
	Parents      int     `json:"parents"`
	Mutations    int     `json:"mutations"`
	Crossovers   int     `json:"crossovers"`
	MutationProb float64 `json:"mutation_prob"`
	CrossProb    float64 `json:"crossover_prob"`
	Dominance    string  `json:"dominance"`
	MaxLatencyMS float64 `json:"max_latency_ms,omitempty"`
	MaxMemoryMB  float64 `json:"max_memory_mb,omitempty"`
}

// runInfoFields is RunInfo's JSON without the fallback to the old layout.
type runInfoFields RunInfo

// UnmarshalJSON reads run.json, of this layout or the one before the "search"
// object (whose settings become Search, LTS's sizes in Search.Sizes).
func (ri *RunInfo) UnmarshalJSON(data []byte) error {
	var f runInfoFields
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	*ri = RunInfo(f)
	if ri.Search.Algorithm != "" {
		return nil
	}
	var old legacyRunInfo
	if err := json.Unmarshal(data, &old); err != nil {
		return err
	}
	if old.Algorithm == "" {
		return nil
	}
	sizes, err := json.Marshal(map[string]any{
		"population": old.Population, "parents": old.Parents, "mutations": old.Mutations, "crossovers": old.Crossovers,
		"mutation_prob": old.MutationProb, "crossover_prob": old.CrossProb,
	})
	if err != nil {
		return err
	}
	ri.Search = SearchInfo{
		Algorithm: old.Algorithm, Seed: old.Seed, Iterations: old.Iterations, Dominance: old.Dominance,
		MaxLatencyMS: old.MaxLatencyMS, MaxMemoryMB: old.MaxMemoryMB, Sizes: sizes,
	}
	return nil
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
