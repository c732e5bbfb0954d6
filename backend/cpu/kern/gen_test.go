package kern

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedARM64 regenerates kernel_arm64.s with gen_arm64.go and fails when the
// checked-in file differs: the assembly is only ever edited through its generator.
func TestGeneratedARM64(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out := filepath.Join(t.TempDir(), "kernel_arm64.s")
	cmd := exec.Command(goTool, "run", "gen_arm64.go", "-o", out)
	cmd.Env = append(os.Environ(), "GOOS=", "GOARCH=", "GOFLAGS=") // the generator runs on the host
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen_arm64.go: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("kernel_arm64.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("kernel_arm64.s differs from what gen_arm64.go generates; run go generate ./backend/cpu/kern/")
	}
}
