package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/ltsbench/ltsbench/bench"
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

// settingFlags are the flags of the settings whose flag is not their JSON field with
// "-" for "_" (bench.Protocol's, search.Config's); settings without a flag are absent
// from flagless.
var (
	settingFlags = map[string]string{"min_time_s": "--min-time", "max_time_s": "--max-time", "tf32": "--math", "rounds": "--confirm-rounds"}
	flagless     = map[string]bool{"statistic": true}
)

// flagOf is the flag that sets a library's setting field ("seq_len": "--seq-len").
func flagOf(field string) string {
	if f, ok := settingFlags[field]; ok {
		return f
	}
	if flagless[field] {
		return field
	}
	return "--" + strings.ReplaceAll(field, "_", "-")
}

// flagError is the usage error of a bad setting: a *bench.FieldError (bench's and
// search's validation) is said with the flags that set the fields it names.
func flagError(err error) error {
	var fe *bench.FieldError
	if !errors.As(err, &fe) {
		return usageError{err}
	}
	msg := fe.Msg
	for _, f := range fe.Related {
		msg = regexp.MustCompile(`\b`+regexp.QuoteMeta(f)+`\b`).ReplaceAllLiteralString(msg, flagOf(f))
	}
	return usagef("%s: %s", flagOf(fe.Field), msg)
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
	args, err := helpArgs(app, args)
	if err == nil {
		err = app.RunContext(ctx, args)
	}
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

// helpArgs turns `ltsbench help` into `ltsbench --help` and `ltsbench help CMD` into
// `ltsbench CMD --help`; an unknown CMD is a usage error naming it.
func helpArgs(app *cli.App, args []string) ([]string, error) {
	if len(args) < 2 || args[1] != "help" {
		return args, nil
	}
	switch len(args) {
	case 2:
		return []string{args[0], "--help"}, nil
	case 3:
		if app.Command(args[2]) == nil {
			return nil, usagef("help: no command %q (ltsbench help lists them)", args[2])
		}
		return []string{args[0], args[2], "--help"}, nil
	}
	return nil, usagef("help takes one command name (got %q)", strings.Join(args[2:], " "))
}

// defaultSuffix is the " (default: …)" urfave/cli appends to a flag's usage.
var defaultSuffix = regexp.MustCompile(` \(default: ([^()]*)\)$`)

// flagHelp is urfave/cli's flag line without a "(default: …)" that misleads: one whose
// usage text already states the default ("(default: all cores)", "(paper 30, quick
// 4)"), or whose value is the zero the flag uses to mean "not given" (0, false, "").
func flagHelp(base cli.FlagStringFunc) cli.FlagStringFunc {
	return func(f cli.Flag) string {
		s := base(f)
		m := defaultSuffix.FindStringSubmatchIndex(s)
		if m == nil {
			return s
		}
		rest, val := s[:m[0]], s[m[2]:m[3]]
		switch {
		case val == "0" || val == "false" || val == `""` || val == "0s":
			return rest
		case strings.Contains(rest, "(default") || strings.Contains(rest, "(paper"):
			return rest
		}
		return s
	}
}

func init() { cli.FlagStringer = flagHelp(cli.FlagStringer) }

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
