package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

// commands is filled by the init functions of the cmd_*.go files, one command a file.
var commands []*cli.Command

func register(c *cli.Command) { commands = append(commands, c) }

// usageError marks a mistake in how the command was called (exit status 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// usagef returns a usage error (exit status 2).
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// env carries the writers of one invocation to the commands.
type env struct {
	stdout, stderr io.Writer
	ctx            context.Context
}

// envOf returns the writers of the invocation that runs c.
func envOf(c *cli.Context) *env { return c.App.Metadata["env"].(*env) }

// newApp builds the CLI over the given writers.
func newApp(stdout, stderr io.Writer, ctx context.Context) *cli.App {
	cmds := append([]*cli.Command(nil), commands...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	app := &cli.App{
		Name:  "ltsbench",
		Usage: "LiteTransformerSearch: find the Transformer language models that fit a device, without training",
		Description: "ltsbench searches GPT-2 and Transformer-XL architectures with heterogeneous layers,\n" +
			"using the decoder-parameter count as the proxy for perplexity, and measures latency and\n" +
			"peak memory by running each decoder on the target device (cpu or cuda:N).",
		Commands:        cmds,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		Metadata:        map[string]any{"env": &env{stdout: stdout, stderr: stderr, ctx: ctx}},
		OnUsageError: func(c *cli.Context, err error, isSub bool) error {
			return usageError{err}
		},
		ExitErrHandler: func(*cli.Context, error) {}, // we print errors ourselves
	}
	for _, c := range cmds {
		c.OnUsageError = app.OnUsageError
		for _, s := range c.Subcommands {
			s.OnUsageError = app.OnUsageError
		}
	}
	return app
}

// run executes one invocation and returns the exit status: 0 success, 1 failure, 2
// usage error. Errors are one line on stderr.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, args, stdout, stderr)
}

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr, ctx)
	err := app.RunContext(ctx, args)
	if err == nil {
		return 0
	}
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
	fmt.Fprintf(stderr, "ltsbench: %s\n", msg)
	var u usageError
	if errors.As(err, &u) || isCLIUsage(err) {
		return 2
	}
	return 1
}

// isCLIUsage recognises the parse errors urfave/cli returns without calling
// OnUsageError (unknown command, missing required flag).
func isCLIUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"flag provided but not defined", "Required flag", "Required flags", "No help topic", "invalid value"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
