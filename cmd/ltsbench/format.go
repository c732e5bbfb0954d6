package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/urfave/cli/v2"
)

// formatFlag is a --format flag whose first choice is the default.
func formatFlag(choices ...string) *cli.StringFlag {
	return &cli.StringFlag{Name: "format", Value: choices[0], Usage: "output: " + strings.Join(choices, ", ")}
}

// formatOf returns the --format value, or a usage error naming the choices.
func formatOf(c *cli.Context, choices ...string) (string, error) {
	return checkFormat(c.String("format"), choices...)
}

// checkFormat returns f if it is one of the choices, else a usage error naming them.
func checkFormat(f string, choices ...string) (string, error) {
	if !slices.Contains(choices, f) {
		return "", usagef("--format: %q is not one of %s", f, strings.Join(choices, ", "))
	}
	return f, nil
}

// trailingFlags reads the string flags named in names from among the positional
// arguments: urfave/cli stops parsing flags at the first argument, but
// `proxy FILE --format csv` is the natural order. It returns the positional arguments
// and the flags' values (those given as flags before the arguments included, later
// ones winning). "--" ends the flags; -h/--help shows the command's help.
func trailingFlags(c *cli.Context, names ...string) (args []string, vals map[string]string, err error) {
	vals = map[string]string{}
	for _, n := range names {
		vals[n] = c.String(n)
	}
	in := c.Args().Slice()
	for i := 0; i < len(in); i++ {
		a := in[i]
		if a == "--" {
			return append(args, in[i+1:]...), vals, nil
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			args = append(args, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			return nil, nil, cli.ShowSubcommandHelp(c)
		}
		if !slices.Contains(names, name) {
			return nil, nil, usagef("flag provided but not defined: %s", a)
		}
		if !hasVal {
			if i+1 == len(in) {
				return nil, nil, usagef("--%s needs a value", name)
			}
			i++
			val = in[i]
		}
		vals[name] = val
	}
	return args, vals, nil
}

// renderTable writes a terminal table (box drawing) with the header as given (no
// upper-casing) and the columns aligned as align says (left where align is short).
func renderTable(w io.Writer, header []string, rows [][]string, align ...tw.Align) error {
	al := make(tw.Alignment, len(header))
	for i := range al {
		al[i] = tw.AlignLeft
		if i < len(align) {
			al[i] = align[i]
		}
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithAlignment(al),
		tablewriter.WithHeaderAlignment(tw.AlignCenter),
	)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	return t.Render()
}

// writeJSON writes v as indented JSON and a newline.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// groupDigits writes n with comma separators: 85,056,000.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}

// siAmount writes x with an SI prefix and 3 significant digits: 45.5M, 1.23G.
func siAmount(x float64) string {
	for _, u := range []struct {
		scale  float64
		prefix string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if x >= u.scale*0.9995 { // what %.3g rounds up to 1000 takes the next prefix
			return fmt.Sprintf("%.3g%s", x/u.scale, u.prefix)
		}
	}
	return fmt.Sprintf("%.3g", x)
}
