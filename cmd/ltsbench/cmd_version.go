package main

import (
	"fmt"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:  "version",
		Usage: "print the ltsbench version and the VCS revision it was built from",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("version takes no arguments")
			}
			v := bench.Version()
			mod := ""
			if v.Modified {
				mod = " with uncommitted changes"
			}
			fmt.Fprintf(envOf(c).stdout, "ltsbench %s (commit %s%s, %s)\n", v.Version, v.Commit, mod, v.GoVersion)
			return nil
		},
	})
}
