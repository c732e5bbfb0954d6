package results

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/space"
)

// JSONRun is one element of the JSON report: what a run measured, how, and its front.
// The schema is the report's own (not bench's types), so that it stays put as the
// measurement records grow; run.json and the archive hold everything else.
type JSONRun struct {
	Dir          string `json:"dir"`
	Device       string `json:"device"`
	DeviceLabel  string `json:"device_label"` // "cuda:0 (NVIDIA …)", "cpu (model, N threads)"
	CPU          string `json:"cpu,omitempty"`
	GPU          string `json:"gpu,omitempty"`
	Ltsbench     string `json:"ltsbench"` // version and commit that measured
	Space        string `json:"space,omitempty"`
	Dominance    string `json:"dominance"` // "standard" or "strict" (LTS)
	MemoryMetric string `json:"memory_metric"`
	Batch        int    `json:"batch"`
	SeqLen       int    `json:"seq_len"`
	MemLen       int    `json:"mem_len,omitempty"`
	Output       string `json:"output"`
	LTSCompat    bool   `json:"lts_compat,omitempty"`
	Threads      int    `json:"threads,omitempty"`
	// Objective is the latency the front minimises (latency, prefill, decode,
	// generate); a generation objective's lengths follow it.
	Objective  string    `json:"objective"`
	PromptLen  int       `json:"prompt_len,omitempty"`
	Context    int       `json:"context,omitempty"`
	NewTokens  int       `json:"new_tokens,omitempty"`
	Measured   int       `json:"measured"`   // records in the archive
	Infeasible int       `json:"infeasible"` // of which could not run
	Front      []JSONRow `json:"front"`      // sorted by decoder parameters
	// Devices is DIR/devices.jsonl, the front measured on other device classes (run
	// --also-measure), in file order; DeviceClasses their classes, the run's own
	// first; DeviceTaus the Kendall τ of latency of each pair of classes. All three are
	// absent for a run without devices.jsonl.
	Devices       []DeviceMeasurement `json:"devices,omitempty"`
	DeviceClasses []string            `json:"device_classes,omitempty"`
	DeviceTaus    []JSONDeviceTau     `json:"device_taus,omitempty"`
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
	Latency        JSONLatency `json:"latency_ms"`
	MemoryBytes    int64       `json:"memory_bytes"` // the run's memory metric
	AllocPeakBytes int64       `json:"alloc_peak_bytes,omitempty"`
	// Generation is what a generation objective measured beside latency_ms.
	Generation *JSONGeneration `json:"generation,omitempty"`
}

// JSONGeneration is what a generation objective measured of one architecture: the
// time to the first token (generate), the decode step (decode, generate), new tokens
// per second and the KV cache.
type JSONGeneration struct {
	TTFT               *JSONLatency `json:"ttft_ms,omitempty"`
	PerToken           *JSONLatency `json:"per_token_ms,omitempty"`
	TokensPerS         *JSONLatency `json:"tokens_per_s,omitempty"`
	CacheBytesPerToken int64        `json:"cache_bytes_per_token"`
	CacheBytes         int64        `json:"cache_bytes"`
}

func jsonStats(st *bench.Stats) *JSONLatency {
	if st == nil {
		return nil
	}
	return &JSONLatency{Median: st.Median, P10: st.P10, P90: st.P90, Mean: st.Mean, Std: st.Std, CV: st.CV, N: st.N}
}

// JSONLatency is the latency statistics of one architecture, in milliseconds.
type JSONLatency struct {
	Median float64 `json:"median"`
	P10    float64 `json:"p10"`
	P90    float64 `json:"p90"`
	Mean   float64 `json:"mean"`
	Std    float64 `json:"std"`
	CV     float64 `json:"cv"`
	N      int     `json:"n"`
}

// JSONReport is the JSON report of runs, as WriteJSONReport prints it.
func JSONReport(runs []*Run) []JSONRun {
	out := make([]JSONRun, len(runs))
	for i, r := range runs {
		env, p := &r.Info.Environment, &r.Info.Protocol
		if !r.Info.ClassEnvironment() {
			env = &bench.Environment{} // a fleet run's class not described yet: not the coordinator's machine
		}
		jr := JSONRun{
			Dir: r.Dir, Device: r.Info.Device, DeviceLabel: r.DeviceLabel(), CPU: env.CPUModel,
			Ltsbench: strings.TrimSpace(env.Ltsbench.Version + " " + env.Ltsbench.Commit),
			Space:    r.spaceLabel(), Dominance: "standard", MemoryMetric: r.Info.MemoryMetric,
			Batch: p.Batch, SeqLen: p.SeqLen, MemLen: p.MemLen, Output: string(p.Output),
			LTSCompat: p.LTSCompat, Threads: r.threads(),
			Measured: len(r.Archive), Infeasible: r.Infeasible(), Front: []JSONRow{},
			Objective: r.Info.ObjectiveOf(),
		}
		if g := r.Info.Generation; g != nil {
			jr.PromptLen, jr.Context, jr.NewTokens = g.PromptLen, g.Context, g.NewTokens
		}
		if env.GPU != nil {
			jr.GPU = env.GPU.Name
		}
		if len(r.Devices) > 0 {
			jr.Devices, jr.DeviceClasses, jr.DeviceTaus = r.Devices, r.DeviceClasses, jsonDeviceTaus(r)
		}
		if r.Strict() {
			jr.Dominance = "strict"
		}
		for j := range r.Front {
			rec := &r.Front[j]
			st := rec.Latency()
			row := JSONRow{
				Seq: rec.Seq, Iteration: rec.Iteration, Key: rec.Key, Summary: rec.Arch.Summary(), Arch: rec.Arch,
				DecoderParams: rec.DecoderParams, TotalParams: rec.TotalParams(),
				Latency:     JSONLatency{Median: st.Median, P10: st.P10, P90: st.P90, Mean: st.Mean, Std: st.Std, CV: st.CV, N: st.N},
				MemoryBytes: rec.MemoryBytes,
			}
			if rec.Result != nil {
				row.AllocPeakBytes = rec.Result.AllocPeakBytes
			}
			if g := rec.Generation; g != nil {
				row.Generation = &JSONGeneration{
					TTFT: jsonStats(g.TTFT), PerToken: jsonStats(g.PerToken), TokensPerS: jsonStats(g.TokensPerS),
					CacheBytesPerToken: g.CacheBytesPerToken, CacheBytes: g.CacheBytes,
				}
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
