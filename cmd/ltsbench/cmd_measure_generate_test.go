package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/bench"
)

// measure --mode: each generation mode reports its own numbers in the JSON, and the
// table names them.
func TestMeasureGenerationModes(t *testing.T) {
	for _, tc := range []struct {
		preset string
		args   []string
		mode   string
	}{
		{"gpt2-tiny", []string{"--mode", "prefill", "--prompt-len", "20"}, "prefill"},
		{"txl-tiny", []string{"--mode", "decode", "--context", "40"}, "decode"},
		{"gpt2-tiny", []string{"--mode", "generate", "--prompt-len", "16", "--new-tokens", "4"}, "generate"},
	} {
		code, out, errOut := runMeasure(t, append(append([]string{"--preset", tc.preset, "--format", "json"}, tc.args...), quick...)...)
		if code != 0 {
			t.Fatalf("%s %s: exit %d: %s", tc.preset, tc.mode, code, errOut)
		}
		var got struct {
			bench.Result
			Generation  bench.Generation  `json:"generation"`
			Environment bench.Environment `json:"environment"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s: %v\n%s", tc.mode, err, out)
		}
		g := got.Generation
		if g.Mode != tc.mode || g.CacheBytesPerToken != 1024 || g.CacheBytes <= 0 || got.Latency.N < 3 || got.Environment.OS == "" {
			t.Errorf("%s %s: generation %+v, latency n %d", tc.preset, tc.mode, g, got.Latency.N)
		}
		switch tc.mode {
		case "prefill":
			if g.PromptLen != 20 || got.Protocol.SeqLen != 20 {
				t.Errorf("prefill: prompt %d, seq_len %d", g.PromptLen, got.Protocol.SeqLen)
			}
		case "decode":
			if g.Context != 40 || g.PerToken == nil || g.TokensPerS == nil {
				t.Errorf("decode: context %d, per-token %v, tokens/s %v", g.Context, g.PerToken, g.TokensPerS)
			}
		case "generate":
			if g.Generations != 3 || g.TTFT == nil || g.PerToken.N != 9 {
				t.Errorf("generate: %d generations, TTFT %v, per-token %v", g.Generations, g.TTFT, g.PerToken)
			}
		}
	}
	code, out, errOut := runMeasure(t, append([]string{"--preset", "gpt2-tiny", "--mode", "generate", "--prompt-len", "8", "--new-tokens", "3"}, quick...)...)
	if code != 0 {
		t.Fatalf("table: exit %d: %s", code, errOut)
	}
	for _, k := range []string{"TTFT", "per token", "tokens/s", "KV cache", "resident peak"} {
		if !strings.Contains(out, k) {
			t.Errorf("the generate table lacks %q:\n%s", k, out)
		}
	}
}

func TestMeasureGenerationUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--mode", "sample"}, `mode "sample"`},
		{[]string{"--mode", "decode", "--seq-len", "10"}, "--seq-len"},
		{[]string{"--mode", "decode", "--output", "full"}, "--output"},
		{[]string{"--mode", "decode", "--format", "benchfmt"}, "benchfmt"},
		{[]string{"--mode", "decode", "--context", "64"}, "n_positions is 64"},
	} {
		code, _, errOut := runMeasure(t, append(append([]string{"--preset", "gpt2-tiny"}, tc.args...), quick...)...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error with %q", tc.args, code, errOut, tc.want)
		}
	}
}

// The default lengths are cut to fit the model's positions, each cut said on stderr:
// gpt2-tiny has 64, so a decode step defaults to context 63 and a generation of 64 new
// tokens to a prompt of 1 (1 + 64 - 1 = 64 positions).
func TestMeasureGenerationDefaultsFit(t *testing.T) {
	for _, tc := range []struct {
		mode, note string
		check      func(g bench.Generation) bool
	}{
		{"decode", "note: --context: the default 192 is cut to 63", func(g bench.Generation) bool { return g.Context == 63 }},
		{"generate", "note: --prompt-len: the default 192 is cut to 1", func(g bench.Generation) bool { return g.PromptLen == 1 && g.NewTokens == 64 }},
	} {
		code, out, errOut := runMeasure(t, append([]string{"--preset", "gpt2-tiny", "--format", "json", "--mode", tc.mode}, quick...)...)
		if code != 0 {
			t.Fatalf("%s with the defaults: exit %d: %s", tc.mode, code, errOut)
		}
		if !strings.Contains(errOut, tc.note) {
			t.Errorf("%s: stderr %q lacks %q", tc.mode, errOut, tc.note)
		}
		var got struct {
			Generation bench.Generation `json:"generation"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if !tc.check(got.Generation) {
			t.Errorf("%s: lengths %+v", tc.mode, got.Generation.GenerationProtocol)
		}
	}
}
