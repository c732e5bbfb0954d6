package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// --profile-ops adds the op table to the table output and "op_profile" to the JSON,
// counting every op of the measured graph (gpt2-tiny, output none: 1 embedding,
// 2 layers of 2 layer norms, 4 matmuls and an attention, and ln_f = 16 ops, no head).
func TestMeasureProfileOps(t *testing.T) {
	code, out, errOut := runMeasure(t, append([]string{"--preset", "gpt2-tiny", "--output", "none", "--profile-ops"}, quick...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"matmul qkv", "matmul fc+gelu", "attention", "layernorm", "embedding", "sum of the ops"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "matmul head") {
		t.Errorf("output none has no head, the table shows one:\n%s", out)
	}
	code, out, errOut = runMeasure(t, append([]string{"--preset", "gpt2-tiny", "--output", "none", "--profile-ops", "--format", "json"}, quick...)...)
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errOut)
	}
	var res struct {
		OpProfile *struct {
			Forwards int `json:"forwards"`
			Kinds    []struct {
				Kind  string `json:"kind"`
				Count int    `json:"count"`
			} `json:"kinds"`
		} `json:"op_profile"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.OpProfile == nil {
		t.Fatalf("json: %v, op_profile %v:\n%s", err, res.OpProfile, out)
	}
	n := 0
	for _, k := range res.OpProfile.Kinds {
		n += k.Count
	}
	if n != 16 || res.OpProfile.Forwards != 3 {
		t.Errorf("op_profile counts %d ops over %d forwards, want 16 over 3", n, res.OpProfile.Forwards)
	}
	if code, _, errOut := runMeasure(t, "--preset", "gpt2-tiny", "--profile-ops", "--format", "benchfmt"); code != 2 || !strings.Contains(errOut, "--profile-ops") {
		t.Errorf("--profile-ops with benchfmt: exit %d, %q; want a usage error", code, errOut)
	}
}

// --mode decode --profile-ops profiles the decode step: the table reads in GB/s and
// names the cache's ops; the JSON carries the profile beside the generation result;
// the other generation modes are refused.
func TestMeasureProfileOpsDecode(t *testing.T) {
	args := append([]string{"--preset", "gpt2-tiny", "--mode", "decode", "--context", "16", "--profile-ops"}, quick...)
	code, out, errOut := runMeasure(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"per token", "cached attention", "kv append", "matmul qkv", "GB/s", "read a step"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = runMeasure(t, append(args, "--format", "json")...)
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errOut)
	}
	var res struct {
		Generation struct {
			Context int `json:"context"`
		} `json:"generation"`
		OpProfile *struct {
			Mode  string `json:"mode"`
			Kinds []struct {
				Kind  string  `json:"kind"`
				Bytes float64 `json:"bytes"`
			} `json:"kinds"`
		} `json:"op_profile"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.OpProfile == nil {
		t.Fatalf("json: %v, op_profile %v:\n%s", err, res.OpProfile, out)
	}
	// gpt2-tiny's head: 512 tokens × d 64 floats, read once a step.
	head := 0.0
	for _, k := range res.OpProfile.Kinds {
		if k.Kind == "matmul head" {
			head = k.Bytes
		}
	}
	if res.OpProfile.Mode != "decode" || res.Generation.Context != 16 || head != 512*64*4 {
		t.Errorf("op_profile mode %q, context %d, head reads %g bytes; want decode, 16, %d", res.OpProfile.Mode, res.Generation.Context, head, 512*64*4)
	}
	if code, _, errOut := runMeasure(t, append([]string{"--preset", "gpt2-tiny", "--mode", "prefill", "--profile-ops"}, quick...)...); code != 2 || !strings.Contains(errOut, "--profile-ops") {
		t.Errorf("--profile-ops with prefill: exit %d, %q; want a usage error", code, errOut)
	}
}
