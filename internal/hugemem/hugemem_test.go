package hugemem

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
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

// Floats gives n zeros; on Linux with transparent huge pages the mapping holding the
// aligned interior of a large slice is marked for them ("hg" in its VmFlags).
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
	if runtime.GOOS != "linux" || Mode() == "" {
		t.Skip("no transparent huge pages here")
	}
	x := Floats(6 << 20) // 24 MiB
	mid := uintptr(unsafe.Pointer(&x[len(x)/2]))
	flags, err := vmFlags(mid)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("the mapping of a 24 MiB slice has VmFlags %q, want hg (MADV_HUGEPAGE)", flags)
	}
	runtime.KeepAlive(x)
}

// vmFlags is the VmFlags line of /proc/self/smaps for the mapping holding addr.
func vmFlags(addr uintptr) (string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := mappingRange(line); ok {
			in = addr >= lo && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmFlags:")), nil
		}
	}
	return "", fmt.Errorf("no mapping holds %#x", addr)
}

// mappingRange parses the "lo-hi perms …" header line of a mapping.
func mappingRange(line string) (lo, hi uintptr, ok bool) {
	r, _, found := strings.Cut(line, " ")
	a, b, dash := strings.Cut(r, "-")
	if !found || !dash {
		return 0, 0, false
	}
	l, err1 := strconv.ParseUint(a, 16, 64)
	h, err2 := strconv.ParseUint(b, 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uintptr(l), uintptr(h), true
}
