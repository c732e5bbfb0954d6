package main

import (
	"fmt"
	"io"
	"math"

	"github.com/ltsbench/ltsbench/space"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "params",
		Usage:     "count the parameters and FLOPs of an architecture",
		UsageText: "ltsbench params --arch FILE [--format table|json]",
		Description: "Prints the decoder parameters (the LTS proxy for perplexity: the decoder layers\n" +
			"without embeddings or output layer), the embedding and output-layer parameters, the\n" +
			"total, and the FLOPs of one forward pass per token (matrix products at the configured\n" +
			"sequence and memory length, full output layer). The architecture file uses the\n" +
			"LTS/Archai key names; a row's config of the LTS benchmark or a golden config.json works.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "arch", Usage: "architecture JSON `FILE` (required; n_head and d_inner lists longer than n_layer are cut to their first n_layer values)"},
			formatFlag("table", "json"),
		},
		Action: paramsAction,
	})
}

// paramsJSON is the --format json output.
type paramsJSON struct {
	DecoderParams   int64   `json:"decoder_params"`
	TotalParams     int64   `json:"total_params"`
	EmbeddingParams int64   `json:"embedding_params"`
	FLOPsPerToken   float64 `json:"flops_per_token"`
}

func paramsAction(c *cli.Context) error {
	e := envOf(c)
	if c.NArg() > 0 {
		return usagef("params takes no arguments (got %q); the architecture is --arch FILE", c.Args().First())
	}
	if c.String("arch") == "" {
		return usagef("params needs --arch FILE")
	}
	format, err := formatOf(c, "table", "json")
	if err != nil {
		return err
	}
	a, err := space.LoadArch(c.String("arch"))
	if err != nil {
		return fmt.Errorf("--arch: %w", err)
	}
	p := paramsJSON{a.DecoderParams(), a.TotalParams(), a.EmbeddingParams(), a.FLOPsPerToken()}
	if format == "json" {
		return writeJSON(e.stdout, p)
	}
	return writeParamsTable(e.stdout, a, p)
}

func writeParamsTable(w io.Writer, a *space.Arch, p paramsJSON) error {
	count := func(n int64) string { return fmt.Sprintf("%s (%s)", groupDigits(n), siAmount(float64(n))) }
	rows := [][]string{
		{"architecture", a.Key()},
		{"decoder params", count(p.DecoderParams)},
		{"embedding params", count(p.EmbeddingParams)},
		{"total params", count(p.TotalParams)},
		{"FLOPs per token", fmt.Sprintf("%s (%s)", siAmount(p.FLOPsPerToken), groupDigits(int64(math.Round(p.FLOPsPerToken))))},
	}
	return renderTable(w, []string{"quantity", "value"}, rows, tw.AlignLeft, tw.AlignLeft)
}
