package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEProxyTable runs the command the README shows and checks its output is the
// README's block, so the documentation cannot drift from what ltsbench prints.
func TestREADMEProxyTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block, ok := between(string(readme), "<!-- proxy-table: begin -->\n```\n", "```\n<!-- proxy-table: end -->")
	if !ok {
		t.Fatal("README.md has no proxy-table block")
	}
	cmdLine, want, _ := strings.Cut(block, "\n")
	args := strings.Fields(strings.TrimPrefix(cmdLine, "$ ltsbench "))
	// The README's glob, expanded as a shell would, from the repository root.
	var expanded []string
	for _, a := range args {
		if strings.Contains(a, "*") {
			matches, err := globFrom("../..", a)
			if err != nil || len(matches) == 0 {
				t.Fatalf("glob %s: %v", a, err)
			}
			expanded = append(expanded, matches...)
		} else {
			expanded = append(expanded, a)
		}
	}
	code, out, errOut := runLtsbench(t, expanded...)
	if code != 0 {
		t.Fatalf("%s: exit %d: %s", cmdLine, code, errOut)
	}
	if out != want {
		t.Errorf("README's block differs from what %q prints:\n%s", cmdLine, out)
	}
}

func between(s, begin, end string) (string, bool) {
	_, rest, ok := strings.Cut(s, begin)
	if !ok {
		return "", false
	}
	in, _, ok := strings.Cut(rest, end)
	return in, ok
}

// globFrom expands pattern relative to dir and returns the matches relative to the
// working directory.
func globFrom(dir, pattern string) ([]string, error) {
	return filepath.Glob(filepath.Join(dir, pattern))
}
