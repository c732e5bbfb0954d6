package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/internal/snapshot"
)

// runLtsbench runs one invocation of the CLI and returns its exit status and output.
func runLtsbench(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runContext(context.Background(), append([]string{"ltsbench"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// wantFailure checks an exit status and a one-line error on stderr that contains want,
// with nothing on stdout.
func wantFailure(t *testing.T, args []string, code int, want string) {
	t.Helper()
	got, out, errOut := runLtsbench(t, args...)
	if got != code || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "ltsbench: ") || !strings.Contains(errOut, want) {
		t.Errorf("%v: exit %d (want %d), stdout %q, stderr %q (want one line with %q)", args, got, code, out, errOut, want)
	}
}

// checkGolden compares got with testdata/name (snapshot.Env=1 rewrites it).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	snapshot.Check(t, filepath.Join("testdata", name), []byte(got))
}

func TestGroupDigitsAndSI(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 45536614: "45,536,614"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
	for x, want := range map[float64]string{12: "12", 1500: "1.5k", 45536614: "45.5M", 999_950_000: "1G", 999_400_000: "999M", 2.5e12: "2.5T"} {
		if got := siAmount(x); got != want {
			t.Errorf("siAmount(%v) = %q, want %q", x, got, want)
		}
	}
}
