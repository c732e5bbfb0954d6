package snapshot

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Env is the environment variable that turns checking into rewriting.
const Env = "LTSBENCH_UPDATE_GOLDEN"

// Update reports whether this test run rewrites the committed files (Env is "1").
func Update() bool { return os.Getenv(Env) == "1" }

// Check compares got with the file at path. With Update it writes got to path (creating
// its folder) instead and passes.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (%s=1 go test writes it)", err, Env)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (%s=1 go test rewrites it; read the diff before committing):\n%s", path, Env, FirstDiff(string(got), string(want)))
	}
}

// FirstDiff shows the first line where got and want differ.
func FirstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return "(same lines)"
}
