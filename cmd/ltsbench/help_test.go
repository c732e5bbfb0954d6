package main

import (
	"strings"
	"testing"
)

// `ltsbench help` and `ltsbench help CMD` print the help (exit 0) as --help does; an
// unknown command is one line, exit 2.
func TestHelpCommand(t *testing.T) {
	code, top, _ := runLtsbench(t, "help")
	_, topFlag, _ := runLtsbench(t, "--help")
	if code != 0 || top != topFlag || !strings.Contains(top, "COMMANDS:") {
		t.Errorf("help: exit %d, output differs from --help or lacks the commands:\n%s", code, top)
	}
	for _, cmd := range []string{"run", "measure", "report", "params", "space", "proxy", "forward", "devices", "version"} {
		code, out, errOut := runLtsbench(t, "help", cmd)
		if code != 0 || !strings.Contains(out, "USAGE:") || !strings.Contains(out, "ltsbench "+cmd) {
			t.Errorf("help %s: exit %d, stderr %q, output is not the command's help:\n%s", cmd, code, errOut, out)
		}
	}
	wantFailure(t, []string{"help", "nosuch"}, 2, `help: no command "nosuch"`)
	wantFailure(t, []string{"help", "run", "measure"}, 2, "help takes one command name")
}

// Each flag's default is shown once: no "(default: 0)" or "(default: false)" for a zero
// that means "not given", and none after a usage text that states its own default.
func TestHelpDefaults(t *testing.T) {
	for _, cmd := range []string{"run", "measure", "report", "params", "space", "proxy", "forward", "devices", "version"} {
		_, out, _ := runLtsbench(t, cmd, "--help")
		for _, line := range strings.Split(out, "\n") {
			if strings.Count(line, "(default") > 1 || strings.Contains(line, "(default: 0)") || strings.Contains(line, "(default: false)") {
				t.Errorf("%s --help: %q", cmd, strings.TrimSpace(line))
			}
		}
	}
	_, out, _ := runLtsbench(t, "run", "--help")
	for _, want := range []string{
		"CPU worker threads (default: all cores",
		"chance a mutation redraws each gene (0.3)\n",
		`search size: paper or quick (default: "paper")`,
		"seed of the search, the weights and the token ids (default: 1111)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("run --help lacks %q", want)
		}
	}
}
