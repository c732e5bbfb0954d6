package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"

	"github.com/ltsbench/ltsbench/backend"
	_ "github.com/ltsbench/ltsbench/backend/cpu" // registers "cpu"
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
			&cli.StringFlag{Name: "device", Value: "cpu", Usage: "where to run: cpu or cuda:N"},
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
	segs, batch, seq, err := readTokenIDs(a, c.String("inputs"))
	if err != nil {
		return fmt.Errorf("--inputs: %w", err)
	}

	var graphs []*model.Graph
	for _, s := range model.SegmentShapesSeq(a, batch, seq, len(segs)) {
		g, err := model.Build(a, s, model.BuildOptions{Output: model.OutputFull, KeepHidden: true, KeepLogits: true})
		if err != nil {
			return fmt.Errorf("--inputs %s: %w", c.String("inputs"), err)
		}
		graphs = append(graphs, g)
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
	if err := exe.ResetState(); err != nil {
		return err
	}

	var out []safetensors.Tensor
	for s, g := range graphs {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		if err := exe.SetIDs(s, segs[s]); err != nil {
			return err
		}
		if err := exe.Run(s); err != nil {
			return err
		}
		ts, err := forwardOutputs(exe, s, g)
		if err != nil {
			return err
		}
		out = append(out, ts...)
	}
	meta := map[string]string{"producer": "ltsbench forward", "model_type": a.ModelType(), "device": dev.String()}
	if err := safetensors.Write(c.String("out"), out, meta); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(e.stderr, "wrote %d tensors to %s\n", len(out), c.String("out"))
	return nil
}

// readTokenIDs reads input_ids (GPT-2) or input_ids_seg1, input_ids_seg2, …
// (Transformer-XL), each [B, T] with one B and T, every id inside the vocabulary.
func readTokenIDs(a *space.Arch, path string) (segs [][]int32, batch, seq int, err error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	names := []string{"input_ids"}
	if a.Backbone == space.TransformerXL {
		names = nil
		for s := 1; ; s++ {
			n := fmt.Sprintf("input_ids_seg%d", s)
			if _, ok := f.Info(n); !ok {
				break
			}
			names = append(names, n)
		}
		if len(names) == 0 {
			return nil, 0, 0, fmt.Errorf("%s: no tensor input_ids_seg1 (Transformer-XL reads input_ids_seg1, input_ids_seg2, …)", path)
		}
	} else if _, ok := f.Info("input_ids"); !ok {
		return nil, 0, 0, fmt.Errorf("%s: no tensor input_ids", path)
	}
	for _, n := range names {
		info, _ := f.Info(n)
		if !info.DType.IsInt() {
			return nil, 0, 0, fmt.Errorf("%s: tensor %q has dtype %s, want token ids (I64 or I32)", path, n, info.DType)
		}
		if len(info.Shape) != 2 || info.Shape[0] < 1 || info.Shape[1] < 1 {
			return nil, 0, 0, fmt.Errorf("%s: tensor %q has shape %v, want [batch, seq]", path, n, info.Shape)
		}
		if batch > 0 && (info.Shape[0] != batch || info.Shape[1] != seq) {
			return nil, 0, 0, fmt.Errorf("%s: tensor %q has shape %v, the first segment [%d %d]", path, n, info.Shape, batch, seq)
		}
		batch, seq = info.Shape[0], info.Shape[1]
		v, _, err := f.Int64(n)
		if err != nil {
			return nil, 0, 0, err
		}
		ids := make([]int32, len(v))
		for i, x := range v {
			if x < 0 || x >= int64(a.NToken) {
				return nil, 0, 0, fmt.Errorf("%s: tensor %q: token id %d at [%d, %d] is outside the vocabulary [0, %d)", path, n, x, i/seq, i%seq, a.NToken)
			}
			ids[i] = int32(x)
		}
		segs = append(segs, ids)
	}
	return segs, batch, seq, nil
}

// forwardOutputs reads what graph s wrote, under the golden bundles' names.
func forwardOutputs(exe backend.Executable, s int, g *model.Graph) ([]safetensors.Tensor, error) {
	a := g.Arch
	txl := a.Backbone == space.TransformerXL
	suffix := ""
	if txl {
		suffix = fmt.Sprintf("_seg%d", s+1)
	}
	var names []string
	switch {
	case txl && a.NClusters() == 0:
		names = []string{"log_probs", "logits", "hidden_states"}
	case txl:
		names = []string{"log_probs", "hidden_states"}
	case a.IsAdaptive():
		names = []string{"log_probs", "hidden_states", "final_hidden"}
	default:
		names = []string{"logits", "hidden_states", "final_hidden"}
	}
	var out []safetensors.Tensor
	for _, n := range names {
		id, ok := g.Outputs[n]
		if !ok {
			return nil, fmt.Errorf("graph has no output %s", n)
		}
		t := g.Tensors[id]
		v := make([]float32, t.Elems())
		if err := exe.Read(s, id, v); err != nil {
			return nil, err
		}
		out = append(out, safetensors.F32(n+suffix, slices.Clone(t.Shape), v))
	}
	if txl && g.Shape.MemOut > 0 {
		L, B, m, d := a.NLayer, g.Shape.Batch, g.Shape.MemOut, a.DModel
		v := make([]float32, L*B*m*d)
		for i := range L {
			id, ok := g.Outputs[fmt.Sprintf("mems.%d", i)]
			if !ok {
				return nil, fmt.Errorf("graph has no output mems.%d", i)
			}
			if err := exe.Read(s, id, v[i*B*m*d:(i+1)*B*m*d]); err != nil {
				return nil, err
			}
		}
		out = append(out, safetensors.F32("mems_after"+suffix, []int{L, B, m, d}, v))
	}
	return out, nil
}
