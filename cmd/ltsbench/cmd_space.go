package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/ltsbench/ltsbench/space"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "space",
		Usage:     "describe a search space and its size, or sample architectures from it",
		UsageText: "ltsbench space --space " + backboneNames("|") + " [--space-file FILE] [--n-layer 2:15 …] [--sample N --seed S] [--format table|json]",
		Description: "Without --sample, prints the choices of every gene, the fixed settings, the constraints\n" +
			"and the number of distinct valid architectures. With --sample N, prints N distinct\n" +
			"architectures drawn from the space, each inside its constraints, one JSON object per\n" +
			"line (each line is a valid --arch file).\n\n" +
			"The defaults are the paper's; a JSON space file (--space-file, keys as in --format json)\n" +
			"and the flags below override them, flags last. Ranges are min:max:step, min:max (keeping\n" +
			"the step) or one value; lists are comma-separated.",
		Flags:  append(spaceFlags(), sampleFlags()...),
		Action: spaceAction,
	})
}

// spaceFlagKeys maps the override flags to space.Space keys.
var spaceFlagKeys = map[string]string{
	"n-layer": "n_layer", "d-model": "d_model", "d-inner": "d_inner", "n-head": "n_head",
	"div-val": "div_val", "n-token": "n_token", "cutoffs": "cutoffs", "tgt-len": "tgt_len",
	"mem-len": "mem_len", "d-inner-min-ratio": "d_inner_min_ratio",
	"min-decoder-params": "min_decoder_params", "max-decoder-params": "max_decoder_params",
}

// spaceFlags are the flags that select a search space: --space, --space-file, and one
// override per setting. Commands that search take the same flags (see spaceFromFlags).
func spaceFlags() []cli.Flag {
	fs := []cli.Flag{
		&cli.StringFlag{Name: "space", Usage: "the search space: " + backboneNames(" or ") + " (the paper's settings)"},
		&cli.StringFlag{Name: "space-file", Usage: "JSON `FILE` with a space's settings (\"backbone\" and any overrides)"},
		&cli.BoolFlag{Name: "adaptive", Value: true, Usage: "GPT-2: search the adaptive \"flex\" variant, as the paper (false: plain Hugging Face GPT-2)"},
	}
	for _, k := range []struct{ flag, usage string }{
		{"n-layer", "layer counts, as a range (" + perBackbone(func(s *space.Space) string { return fmt.Sprintf("%d:%d", s.NLayer.Min, s.NLayer.Max) }) + ")"},
		{"d-model", "model widths, as a range (128:960:64)"},
		{"d-inner", "per-layer feed-forward widths, as a range (128:4032:64)"},
		{"n-head", "per-layer head counts, a list (2,4,8)"},
		{"div-val", "adaptive embedding divisors, a list (4; the reference code searched 1,2,4)"},
		{"n-token", "vocabulary size (" + perBackbone(func(s *space.Space) string { return fmt.Sprint(s.NToken) }) + ")"},
		{"cutoffs", "adaptive softmax cutoffs, a list (19997,39997,199997)"},
		{"tgt-len", "sequence length (192)"},
		{"mem-len", "Transformer-XL memory length (192)"},
		{"d-inner-min-ratio", "require d_inner ≥ ratio·d_model in every layer (1.7)"},
		{"min-decoder-params", "lower bound on decoder params (" + perBackbone(func(s *space.Space) string { return shortInt(s.MinDecoderParams) }) + ")"},
		{"max-decoder-params", "upper bound on decoder params (1e8; 0: none)"},
	} {
		fs = append(fs, &cli.StringFlag{Name: k.flag, Usage: k.usage})
	}
	return fs
}

// backboneNames joins the registered backbones with sep: "gpt2|transformer_xl".
func backboneNames(sep string) string {
	var names []string
	for _, b := range space.Backbones() {
		names = append(names, string(b))
	}
	return strings.Join(names, sep)
}

// perBackbone is "gpt2 2:15, transformer_xl 2:16": f of each backbone's default space.
func perBackbone(f func(*space.Space) string) string {
	var parts []string
	for _, b := range space.Backbones() {
		s, err := space.DefaultSpace(b)
		if err != nil {
			panic(err) // a registered backbone has a default space (space.TestModelTypes)
		}
		parts = append(parts, string(b)+" "+f(s))
	}
	return strings.Join(parts, ", ")
}

// shortInt writes a round integer as 6e6.
func shortInt(n int64) string {
	e := 0
	for n != 0 && n%10 == 0 {
		n /= 10
		e++
	}
	if e < 3 {
		for range e {
			n *= 10
		}
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%de%d", n, e)
}

func sampleFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "sample", Usage: "print `N` distinct valid architectures instead of the description"},
		&cli.Uint64Flag{Name: "seed", Value: 1111, Usage: "seed of --sample"},
		formatFlag("table", "json"),
	}
}

// spaceFromFlags builds the space the flags describe: --space or --space-file, then the
// overrides. Mistakes are usage errors; an unreadable space file is a failure.
func spaceFromFlags(c *cli.Context) (*space.Space, error) {
	var s *space.Space
	name, file := c.String("space"), c.String("space-file")
	switch {
	case file != "":
		var err error
		if s, err = space.LoadSpace(file); err != nil {
			return nil, fmt.Errorf("--space-file: %w", err)
		}
		if name != "" && space.Backbone(name) != s.Backbone {
			return nil, usagef("--space %s contradicts the backbone %s of --space-file %s", name, s.Backbone, file)
		}
	case name != "":
		var err error
		if s, err = space.DefaultSpace(space.Backbone(name)); err != nil {
			return nil, usagef("--space: %v", strings.TrimPrefix(err.Error(), "backbone: "))
		}
	default:
		return nil, usagef("say which space: --space %s or --space-file FILE", backboneNames("|"))
	}
	if c.IsSet("adaptive") {
		if err := s.Set("adaptive", fmt.Sprint(c.Bool("adaptive"))); err != nil {
			return nil, usagef("--adaptive: %v", err)
		}
	}
	for _, f := range c.Command.Flags {
		flag := f.Names()[0]
		key, ok := spaceFlagKeys[flag]
		if !ok || !c.IsSet(flag) {
			continue
		}
		if err := s.Set(key, c.String(flag)); err != nil {
			return nil, usagef("--%s: %v", flag, err)
		}
	}
	if err := s.Validate(); err != nil {
		return nil, usagef("space: %v", err)
	}
	return s, nil
}

func spaceAction(c *cli.Context) error {
	e := envOf(c)
	if c.NArg() > 0 {
		return usagef("space takes no arguments (got %q)", c.Args().First())
	}
	format, err := formatOf(c, "table", "json")
	if err != nil {
		return err
	}
	s, err := spaceFromFlags(c)
	if err != nil {
		return err
	}
	if c.IsSet("sample") {
		n := c.Int("sample")
		if n <= 0 {
			return usagef("--sample: want a positive count, got %d", n)
		}
		return sampleSpace(e.stdout, s, n, c.Uint64("seed"))
	}
	if format == "json" {
		return writeJSON(e.stdout, newSpaceJSON(s))
	}
	return writeSpaceTable(e.stdout, s)
}

// sampleSpace prints n distinct architectures of s, one JSON object a line.
func sampleSpace(w io.Writer, s *space.Space, n int, seed uint64) error {
	if size := s.Size(); size != nil && size.Sign() == 0 {
		return usagef("--sample: no architecture satisfies the space's constraints")
	} else if size != nil && size.IsInt64() && size.Int64() < int64(n) {
		return usagef("--sample: the space has only %d valid architectures, fewer than %d", size.Int64(), n)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	seen := map[string]bool{}
	for tries := 0; len(seen) < n; tries++ {
		if tries >= 100*n+1000 {
			return fmt.Errorf("--sample: found only %d distinct architectures in %d draws", len(seen), tries)
		}
		a, err := s.Sample(rng)
		if err != nil {
			return err
		}
		if seen[a.Key()] {
			continue
		}
		seen[a.Key()] = true
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
			return err
		}
	}
	return nil
}

// spaceJSON is the --format json description: the space's settings (what --space-file
// reads) and its size.
type spaceJSON struct {
	*space.Space
	// Log10Size is null for an empty space.
	Log10Size *float64 `json:"log10_size"`
	SizeExact bool     `json:"size_exact"`
	// Size is the exact count as a decimal string (it exceeds JSON's integers).
	Size string `json:"size,omitempty"`
}

func newSpaceJSON(s *space.Space) spaceJSON {
	j := spaceJSON{Space: s}
	l, exact := s.Log10Size()
	if !math.IsInf(l, -1) {
		j.Log10Size = &l
	}
	j.SizeExact = exact
	if n := s.Size(); n != nil {
		j.Size = n.String()
	}
	return j
}

func writeSpaceTable(w io.Writer, s *space.Space) error {
	ints := func(xs []int) string {
		parts := make([]string, len(xs))
		for i, x := range xs {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ", ")
	}
	count := func(n int) string {
		if n == 1 {
			return "1 choice"
		}
		return fmt.Sprintf("%d choices", n)
	}
	t := s.ModelType()
	rows := [][]string{
		{"backbone", string(s.Backbone), t.About},
		{"n_layer", s.NLayer.String(), count(s.NLayer.Len())},
		{"d_model", s.DModel.String(), count(s.DModel.Len())},
		{"d_inner", s.DInner.String(), fmt.Sprintf("per layer, %s, at least %g·d_model", count(s.DInner.Len()), s.DInnerMinRatio)},
		{"n_head", ints(s.NHead), "per layer, those dividing d_model"},
	}
	if s.IsAdaptive() {
		cut, err := space.CleanCutoffs(s.Cutoffs, s.NToken)
		if err != nil {
			return err
		}
		note := "cleaned for n_token"
		if len(cut) < len(s.Cutoffs) {
			note = fmt.Sprintf("as given %s; those ≥ n_token dropped", ints(s.Cutoffs))
		}
		rows = append(rows,
			[]string{"div_val", ints(s.DivVal), count(len(s.DivVal))},
			[]string{"d_embed", "= d_model", "tied, as in LTS"},
			[]string{"cutoffs", ints(cut), note})
	}
	rows = append(rows, []string{"n_token", fmt.Sprint(s.NToken), "fixed"})
	if t.Memory {
		rows = append(rows, []string{"tgt_len, mem_len", fmt.Sprintf("%d, %d", s.TgtLen, s.MemLen), "fixed"})
	} else {
		rows = append(rows, []string{"n_positions", fmt.Sprint(s.TgtLen), "fixed (tgt_len)"})
	}
	bound := "no upper bound"
	if s.MaxDecoderParams > 0 {
		bound = siAmount(float64(s.MaxDecoderParams))
	}
	rows = append(rows, []string{"decoder params", siAmount(float64(s.MinDecoderParams)) + " … " + bound, "inclusive"})
	l, exact := s.Log10Size()
	size, how := "none", "no architecture satisfies the constraints"
	if !math.IsInf(l, -1) {
		size = fmt.Sprintf("10^%.2f", l)
		how = "estimate"
		if exact {
			how = "exact: " + s.Size().String()
		}
	}
	rows = append(rows, []string{"valid architectures", size, how})
	return renderTable(w, []string{"setting", "value", "note"}, rows)
}
