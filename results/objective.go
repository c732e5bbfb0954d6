package results

import (
	"fmt"

	"github.com/ltsbench/ltsbench/bench"
)

// The latency objectives of a search (run.json's "objective"): the latency its Pareto
// front minimises.
//
//   - latency: one full forward of batch × seq_len tokens (the paper's; Protocol);
//   - prefill: a forward over the prompt that fills the KV cache, at prompt_len
//     (Generation), the time to the first token;
//   - decode: one decode step at context (the cache filled to it), the steady-state
//     time per token;
//   - generate: prefill + new_tokens tokens; the objective is the median time of a
//     decode step over every step of every generation (per_token_ms), while the
//     record keeps the time to the first token and tokens/s beside it.
const (
	ObjectiveLatency  = "latency"
	ObjectivePrefill  = bench.ModePrefill
	ObjectiveDecode   = bench.ModeDecode
	ObjectiveGenerate = bench.ModeGenerate
)

// Objectives lists the objectives in the order help texts show them.
var Objectives = []string{ObjectiveLatency, ObjectivePrefill, ObjectiveDecode, ObjectiveGenerate}

// ParseObjective checks an --objective value.
func ParseObjective(s string) (string, error) {
	for _, o := range Objectives {
		if s == o {
			return s, nil
		}
	}
	return "", fmt.Errorf("objective %q is not latency, prefill, decode or generate", s)
}

// ObjectiveOf is ri's objective: latency for a run.json written before the field.
func (ri *RunInfo) ObjectiveOf() string {
	if ri.Objective == "" {
		return ObjectiveLatency
	}
	return ri.Objective
}

// Generative reports whether the run measured generation with a KV cache (its
// objective is prefill, decode or generate).
func (ri *RunInfo) Generative() bool { return ri.ObjectiveOf() != ObjectiveLatency }
