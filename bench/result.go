package bench

import (
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// Stats summarises latency samples in milliseconds.
type Stats struct {
	Median float64 `json:"median"`
	P10    float64 `json:"p10"`
	P90    float64 `json:"p90"`
	Mean   float64 `json:"mean"`
	Std    float64 `json:"std"`
	CV     float64 `json:"cv"` // std / mean
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Protocol is how a measurement was taken; it is recorded with every result.
type Protocol struct {
	Batch      int          `json:"batch"`
	SeqLen     int          `json:"seq_len"`
	MemLen     int          `json:"mem_len,omitempty"` // Transformer-XL memory rows in the timed forward
	Output     model.Output `json:"output"`            // full | last | none
	Warmup     int          `json:"warmup"`
	MinSamples int          `json:"min_samples"`
	MaxSamples int          `json:"max_samples"`
	MinTimeS   float64      `json:"min_time_s"`
	MaxTimeS   float64      `json:"max_time_s"`
	LTSCompat  bool         `json:"lts_compat,omitempty"` // 2 warm-ups, mean of 10, as LTS measured
	// Statistic is the latency statistic a search optimises: "median", or "mean" in
	// LTS-compat mode (Result.LatencyMS).
	Statistic string `json:"statistic"`
	Threads   int    `json:"threads,omitempty"`
	// FixedWarmup runs exactly Warmup untimed forwards; otherwise (and never in
	// LTS-compat mode, which is fixed) timed warm-up forwards follow until the latency
	// settles (see warmUp).
	FixedWarmup bool `json:"fixed_warmup,omitempty"`
	TF32        bool `json:"tf32,omitempty"`
	NoGraph     bool `json:"no_graph,omitempty"`
}

// Result is one measured architecture on one device.
type Result struct {
	// Name is the preset the architecture came from, empty for an architecture file.
	Name          string      `json:"name,omitempty"`
	Device        string      `json:"device"`
	Arch          *space.Arch `json:"arch"`
	Key           string      `json:"key"`
	DecoderParams int64       `json:"decoder_params"`
	TotalParams   int64       `json:"total_params"`
	FLOPsPerToken int64       `json:"flops_per_token"`
	Protocol      Protocol    `json:"protocol"`
	Seed          uint64      `json:"seed"` // of the weights and the token ids

	// Latency summarises SamplesMS: the undisturbed timed forwards, topped up to
	// MinSamples with disturbed ones when too few were undisturbed (Disturbance says
	// how many were disturbed).
	Latency   Stats     `json:"latency_ms"`
	SamplesMS []float64 `json:"samples_ms"`
	// DisturbedMS are the timed forwards set aside because other work held a CPU our
	// threads were waiting for (see Disturbance), in the order taken, less those that
	// topped up SamplesMS.
	DisturbedMS []float64 `json:"disturbed_ms,omitempty"`
	// Disturbance is how much other work competed with the timed forwards; nil where
	// the operating system does not tell (not Linux).
	Disturbance *Disturbance `json:"disturbance,omitempty"`
	// WarmupRuns is how many warm-up forwards ran; WarmupSettled that the timed ones
	// settled (see Protocol.FixedWarmup) before their bound.
	WarmupRuns    int  `json:"warmup_runs,omitempty"`
	WarmupSettled bool `json:"warmup_settled,omitempty"`

	// AllocPeakBytes is exact: weights + planned arena + Transformer-XL memory.
	AllocPeakBytes int64 `json:"alloc_peak_bytes"`
	// WorkspaceBytes is what the backend held beyond the model's regions (GEMM packing
	// buffers on the CPU, the cuBLAS workspace on a GPU), after the timed forwards:
	// alloc_peak_bytes + workspace_bytes is all the backend allocated.
	WorkspaceBytes int64 `json:"workspace_bytes"`
	// RSSPeakBytes is the process's resident high-water mark during the timed
	// forwards (CPU, Linux), nil where it could not be read (RSSNote says why).
	RSSPeakBytes *int64 `json:"rss_peak_bytes,omitempty"`
	RSSNote      string `json:"rss_note,omitempty"`
	// GPU memory, nil where not measured.
	NVMLProcessPeakBytes *int64 `json:"nvml_process_peak_bytes,omitempty"`
	DeviceUsedDeltaBytes *int64 `json:"device_used_delta_bytes,omitempty"`
	MemoryNote           string `json:"memory_note,omitempty"`
}
