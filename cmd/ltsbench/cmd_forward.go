package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/golden"
	"github.com/ltsbench/ltsbench/internal/safetensors"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "forward",
		Usage:     "run a decoder on token ids from a file and write its outputs (the golden bundles' tensors)",
		UsageText: "ltsbench forward --arch FILE --weights W.safetensors --inputs I.safetensors --out O.safetensors [--device cpu] [--threads N]",
		Description: "GPT-2 reads input_ids [B, T] and writes logits (plain) or log_probs (flex) [B, T, V],\n" +
			"hidden_states [n_layer+1, B, T, d] and final_hidden [B, T, d].\n" +
			"Transformer-XL reads input_ids_seg1, input_ids_seg2, … [B, T], runs the segments in order\n" +
			"from an empty memory and writes, for each segment s, log_probs_seg{s} [B, T, V],\n" +
			"hidden_states_seg{s}, mems_after_seg{s} [n_layer, B, min(mem_len, m+T), d] (when mem_len > 0)\n" +
			"and, without cutoffs, logits_seg{s}. The output file is written atomically.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "arch", Usage: "architecture JSON `FILE` (a golden config.json or LTS/Archai keys; n_head and d_inner lists longer than n_layer are cut to their first n_layer values)"},
			&cli.StringFlag{Name: "weights", Usage: "float weights, safetensors `FILE` (golden, Hugging Face or Archai names)"},
			&cli.StringFlag{Name: "inputs", Usage: "integer token ids, safetensors `FILE`"},
			&cli.StringFlag{Name: "out", Usage: "where to write the outputs, safetensors `FILE`"},
			&cli.StringFlag{Name: "device", Value: "cpu", Usage: "where to run: " + deviceNames()},
			&cli.IntFlag{Name: "threads", Usage: "CPU worker threads (default: all cores; more than the machine has are cut to that, with a warning)"},
		},
		Action: forwardAction,
	})
}

func forwardAction(c *cli.Context) error {
	e := envOf(c)
	if c.NArg() > 0 {
		return usagef("forward takes no arguments (got %q)", c.Args().First())
	}
	for _, f := range []string{"arch", "weights", "inputs", "out"} {
		if c.String(f) == "" {
			return usagef("forward needs --%s FILE (see ltsbench forward --help)", f)
		}
	}
	// The output replaces its path: it must not be one of the inputs (the same file
	// under any name, through links too).
	if outSt, err := os.Stat(c.String("out")); err == nil {
		for _, f := range []string{"arch", "weights", "inputs"} {
			if st, err := os.Stat(c.String(f)); err == nil && os.SameFile(st, outSt) {
				return usagef("--out: %s is the --%s file %s: writing the outputs would replace it (choose another --out)", c.String("out"), f, c.String(f))
			}
		}
	}
	dev, err := backend.ParseDevice(c.String("device"))
	if err != nil {
		return usagef("--device: %v", err)
	}
	threads := c.Int("threads")
	if threads < 0 {
		return usagef("--threads: %d is negative", threads)
	}
	if n := runtime.NumCPU(); threads > n {
		fmt.Fprintf(envOf(c).stderr, "ltsbench: --threads %d is more than the %d CPUs here: using %d\n", threads, n, n)
		threads = n
	}
	a, err := space.LoadArch(c.String("arch"))
	if err != nil {
		return fmt.Errorf("--arch: %w", err)
	}
	w, err := model.LoadWeights(a, c.String("weights"))
	if err != nil {
		return fmt.Errorf("--weights: %w", err)
	}
	segs, batch, seq, err := golden.ReadInputs(a, c.String("inputs"))
	if err != nil {
		return fmt.Errorf("--inputs: %w", err)
	}
	graphs, err := golden.Graphs(a, batch, seq, len(segs))
	if err != nil {
		return fmt.Errorf("--inputs %s: %w", c.String("inputs"), err)
	}
	be, err := backend.Open(dev, backend.Options{Threads: threads})
	if err != nil {
		return err
	}
	defer be.Close()
	exe, err := be.Compile(w, graphs...)
	if err != nil {
		return err
	}
	defer exe.Close()
	outs, err := golden.Run(e.ctx, exe, graphs, segs)
	if err != nil {
		return err
	}
	out := golden.Safetensors(outs)
	meta := map[string]string{"producer": "ltsbench forward", "model_type": a.ModelType().Name, "device": dev.String()}
	if err := safetensors.Write(c.String("out"), out, meta); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(e.stderr, "wrote %d tensors to %s\n", len(out), c.String("out"))
	return nil
}
