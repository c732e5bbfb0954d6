package results

import (
	"encoding/json"
	"io"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/space"
)

// JSONRun is one element of the JSON report: a run's settings and its front.
type JSONRun struct {
	Dir          string            `json:"dir"`
	Device       string            `json:"device"`
	DeviceLabel  string            `json:"device_label"`
	Space        *space.Space      `json:"space,omitempty"`
	Dominance    string            `json:"dominance"`
	MemoryMetric string            `json:"memory_metric"`
	Protocol     bench.Protocol    `json:"protocol"`
	Environment  bench.Environment `json:"environment"`
	Measured     int               `json:"measured"`   // records in the archive
	Infeasible   int               `json:"infeasible"` // of which could not run
	Front        []JSONRow         `json:"front"`      // sorted by decoder parameters
}

// JSONRow is one architecture of a front in the JSON report (the raw samples stay in
// the archive).
type JSONRow struct {
	Seq            int         `json:"seq"`
	Iteration      int         `json:"iteration"`
	Key            string      `json:"key"`
	Summary        string      `json:"summary"`
	Arch           *space.Arch `json:"arch"`
	DecoderParams  int64       `json:"decoder_params"`
	TotalParams    int64       `json:"total_params"`
	Latency        bench.Stats `json:"latency_ms"`
	MemoryBytes    int64       `json:"memory_bytes"`
	AllocPeakBytes int64       `json:"alloc_peak_bytes,omitempty"`
}

// JSONReport is the JSON report of runs, as WriteJSONReport prints it.
func JSONReport(runs []*Run) []JSONRun {
	out := make([]JSONRun, len(runs))
	for i, r := range runs {
		dom := r.Info.Dominance
		if dom == "" {
			dom = "standard"
		}
		jr := JSONRun{
			Dir: r.Dir, Device: r.Info.Device, DeviceLabel: r.DeviceLabel(), Space: r.Info.Space,
			Dominance: dom, MemoryMetric: r.Info.MemoryMetric,
			Protocol: r.Info.Protocol, Environment: r.Info.Environment,
			Measured: len(r.Archive), Infeasible: r.Infeasible(), Front: []JSONRow{},
		}
		for j := range r.Front {
			rec := &r.Front[j]
			row := JSONRow{
				Seq: rec.Seq, Iteration: rec.Iteration, Key: rec.Key, Summary: rec.Arch.Summary(), Arch: rec.Arch,
				DecoderParams: rec.DecoderParams, TotalParams: rec.TotalParams(),
				Latency: rec.Latency(), MemoryBytes: rec.MemoryBytes,
			}
			if rec.Result != nil {
				row.AllocPeakBytes = rec.Result.AllocPeakBytes
			}
			jr.Front = append(jr.Front, row)
		}
		out[i] = jr
	}
	return out
}

// WriteJSONReport prints JSONReport(runs) as indented JSON.
func WriteJSONReport(w io.Writer, runs []*Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(JSONReport(runs))
}
