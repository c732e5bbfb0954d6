package hugemem

import (
	"os"
	"path/filepath"
	"testing"
)

// Mode reads the bracketed choice of the kernel's setting.
func TestMode(t *testing.T) {
	dir := t.TempDir()
	defer func(p string) { modePath = p }(modePath)
	for content, want := range map[string]string{
		"always [madvise] never\n": "madvise",
		"[always] madvise never\n": "always",
		"always madvise [never]\n": "never",
		"garbage\n":                "",
	} {
		modePath = filepath.Join(dir, "enabled")
		if err := os.WriteFile(modePath, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := Mode(); got != want {
			t.Errorf("%q: Mode %q, want %q", content, got, want)
		}
	}
	modePath = filepath.Join(dir, "missing")
	if got := Mode(); got != "" {
		t.Errorf("no file: Mode %q, want empty", got)
	}
}

// Floats gives n zeros.
func TestFloats(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 3 << 20} {
		x := Floats(n)
		if len(x) != n {
			t.Fatalf("Floats(%d) has %d values", n, len(x))
		}
		for i, v := range x {
			if v != 0 {
				t.Fatalf("Floats(%d)[%d] = %g", n, i, v)
			}
		}
	}
}
