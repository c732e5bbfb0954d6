package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/cpu"
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/space"
	"github.com/urfave/cli/v2"
)

// generationFlags are measure's flags of the generation modes.
func generationFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "mode", Value: bench.ModeForward, Usage: "what is timed: forward (one forward pass of batch × seq-len tokens, the paper's latency), " +
			"prefill (a forward over --prompt-len tokens that fills the KV cache), decode (one new token per sequence with the cache filled to --context: " +
			"the steady-state per-token latency) or generate (prefill + --new-tokens tokens: time to first token, per-token latency, tokens/s)"},
		&cli.IntFlag{Name: "prompt-len", Value: bench.DefaultPromptLen, Usage: "prefill and generate: prompt tokens per sequence (when not given: cut to fit n_positions, with a note)"},
		&cli.IntFlag{Name: "context", Value: bench.DefaultContext, Usage: "decode: cached positions before the timed step (when not given: at most n_positions - 1)"},
		&cli.IntFlag{Name: "new-tokens", Value: bench.DefaultNewTokens, Usage: "generate: new tokens per sequence, at least 2 (the first from the prefill, then one decode step each)"},
	}
}

// generationLengths are the length flags and the modes that read each; minLength
// their least values.
var (
	generationLengths = []struct {
		flag  string
		modes []string
	}{
		{"prompt-len", []string{bench.ModePrefill, bench.ModeGenerate}},
		{"context", []string{bench.ModeDecode}},
		{"new-tokens", []string{bench.ModeGenerate}},
	}
	minLength = map[string]int{"prompt-len": 1, "context": 1, "new-tokens": 2}
)

// measureMode reads --mode and refuses the flags the mode does not read: those a
// generation mode sets itself, and the lengths of the other modes.
func measureMode(c *cli.Context) (string, error) {
	mode, err := bench.ParseMode(c.String("mode"))
	if err != nil {
		return "", usagef("--mode: %v", err)
	}
	if mode != bench.ModeForward {
		for _, f := range []string{"seq-len", "output"} {
			if c.IsSet(f) {
				return "", usagef("--%s: --mode %s sets the tokens of each pass and computes the last position only; drop --%s", f, mode, f)
			}
		}
	}
	for _, l := range generationLengths {
		if c.IsSet(l.flag) && !slices.Contains(l.modes, mode) {
			return "", usagef("--%s: only with --mode %s, not %s; drop --%s", l.flag, strings.Join(l.modes, " or "), mode, l.flag)
		}
	}
	return mode, nil
}

// generationProtocol reads the length flags of a generation mode for a: the lengths
// not given take the defaults that fit a (each cut said on stderr), a length given
// that does not fit is a usage error.
func generationProtocol(c *cli.Context, a *space.Arch, mode, format string) (bench.GenerationProtocol, error) {
	gp := bench.GenerationProtocol{Mode: mode} // lengths left 0: Resolve's defaults
	if format == "benchfmt" {
		return gp, usagef("--format benchfmt: --mode %s writes table or json", mode)
	}
	for _, l := range generationLengths {
		if !c.IsSet(l.flag) {
			continue
		}
		v := c.Int(l.flag)
		if v < minLength[l.flag] {
			return gp, usagef("--%s: must be at least %d, got %d", l.flag, minLength[l.flag], v)
		}
		switch l.flag {
		case "prompt-len":
			gp.PromptLen = v
		case "context":
			gp.Context = v
		case "new-tokens":
			gp.NewTokens = v
		}
	}
	gp, notes, err := gp.Resolve(a)
	if err != nil {
		return gp, flagError(err)
	}
	for _, n := range notes {
		fmt.Fprintf(envOf(c).stderr, "note: %s\n", flagNames(n))
	}
	return gp, nil
}

// measureGeneration is measure in a generation mode, on an open backend.
func measureGeneration(c *cli.Context, be backend.Backend, a *space.Arch, p bench.Protocol, gp bench.GenerationProtocol, name, format string) error {
	e := envOf(c)
	res, err := bench.MeasureGeneration(e.ctx, be, a, p, gp, c.Uint64("seed"))
	if err != nil {
		return err
	}
	res.Name = name
	env := bench.CaptureEnvironment(p.Threads, be)
	var prof *cpu.Profile
	if c.Bool("profile-ops") { // decode only (measureAction checks)
		if prof, err = profileDecodeOps(a, res.Protocol, res.Generation.GenerationProtocol, c.Uint64("seed"), res.Latency.N); err != nil {
			return fmt.Errorf("--profile-ops: %w", err)
		}
	}
	if format == "json" {
		return writeJSON(e.stdout, generationJSON{GenerationResult: res, Environment: env, OpProfile: prof})
	}
	if err := writeGenerationTable(e.stdout, res, env); err != nil || prof == nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	return prof.WriteTable(e.stdout)
}

// flagNames writes a note of bench's about generation lengths with the flags' names.
func flagNames(s string) string {
	return strings.NewReplacer("prompt_len", "--prompt-len", "new_tokens", "--new-tokens", "context:", "--context:").Replace(s)
}

// generationJSON is the JSON of measure in a generation mode.
type generationJSON struct {
	*bench.GenerationResult
	Environment bench.Environment `json:"environment"`
	OpProfile   *cpu.Profile      `json:"op_profile,omitempty"`
}

func writeGenerationTable(w io.Writer, r *bench.GenerationResult, env bench.Environment) error {
	tw, row := newMeasureTable(w)
	p, g := r.Protocol, r.Generation
	resultHeadRows(row, r.Result)
	mem := ""
	if p.MemLen > 0 {
		mem = fmt.Sprintf(", a step sees the last %d positions (mem_len)", p.MemLen)
	}
	switch g.Mode {
	case bench.ModePrefill:
		row("prefill", "batch %d × %d prompt tokens into an empty KV cache, output last%s", p.Batch, g.PromptLen, mem)
		row("latency", "%s", statsCell(r.Latency, "ms"))
	case bench.ModeDecode:
		row("decode", "batch %d × 1 new token at context %d (cache filled, steady state), output last%s", p.Batch, g.Context, mem)
		row("per token", "%s", statsCell(*g.PerToken, "ms"))
		row("tokens/s", "%s", statsCell(*g.TokensPerS, "tok/s"))
		row("step traffic", "%s read per step (weights + KV cache) → %.2f GB/s at the median", measureMiB(g.StepBytes), g.StepGBPerS)
		if g.CopyGBPerS > 0 {
			row("memory", "copy bandwidth %.2f GB/s (%.2f read + %.2f written, %d threads): the step reads at %.0f%% of the copy's read rate",
				g.CopyGBPerS, g.CopyGBPerS/2, g.CopyGBPerS/2, p.Threads, 100*g.StepGBPerS/(g.CopyGBPerS/2))
		}
	case bench.ModeGenerate:
		row("generate", "batch %d: prefill %d tokens, then %d new tokens (%d decode steps), output last%s", p.Batch, g.PromptLen, g.NewTokens, g.NewTokens-1, mem)
		row("generations", "%d timed after %d warm-ups", g.Generations, r.WarmupRuns)
		row("TTFT", "%s", statsCell(*g.TTFT, "ms"))
		row("per token", "%s", statsCell(*g.PerToken, "ms"))
		row("tokens/s", "%s (new tokens / (TTFT + steps), per generation)", statsCell(*g.TokensPerS, "tok/s"))
	}
	row("KV cache", "%s (%s B per position and sequence)", measureMiB(g.CacheBytes), groupDigits(g.CacheBytesPerToken))
	row("alloc peak", "%s, exact (weights + arena + KV cache)", measureMiB(r.AllocPeakBytes))
	resultTailRows(row, r.Result, env, " over the timed passes")
	return tw.Flush()
}
