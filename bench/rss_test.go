package bench

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A /proc/self/status of a Linux 6.1 process (abridged).
const sampleStatus = `Name:	ltsbench
Umask:	0022
State:	R (running)
Tgid:	4242
Pid:	4242
VmPeak:	 2531448 kB
VmSize:	 2531448 kB
VmLck:	       0 kB
VmPin:	       0 kB
VmHWM:	  812340 kB
VmRSS:	  790112 kB
RssAnon:	  781004 kB
Threads:	9
`

func TestParseVmHWM(t *testing.T) {
	got, err := parseVmHWM([]byte(sampleStatus))
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(812340) * 1024; got != want {
		t.Fatalf("VmHWM = %d bytes, want %d", got, want)
	}
	for _, bad := range []string{
		"Name:\tx\nVmRSS:\t 12 kB\n", // no VmHWM line
		"VmHWM:\t12 MB\n",            // unknown unit
		"VmHWM:\t-3 kB\n",
		"VmHWM:\tlots kB\n",
		"VmHWM:\n",
	} {
		if v, err := parseVmHWM([]byte(bad)); err == nil {
			t.Errorf("%q: parsed as %d, want an error", bad, v)
		}
	}
}

// The reset writes "5" to clear_refs; the read parses status. Both files are pointed at
// a temporary directory here, so the test runs without /proc too.
func TestPeakRSSFiles(t *testing.T) {
	if runtime.GOOS != "linux" {
		if err := resetPeakRSS(); err == nil || !strings.Contains(err.Error(), "Linux-only") {
			t.Fatalf("reset on %s: %v, want a Linux-only error", runtime.GOOS, err)
		}
		return
	}
	dir := t.TempDir()
	oldRefs, oldStatus := procClearRefs, procStatus
	defer func() { procClearRefs, procStatus = oldRefs, oldStatus }()
	procClearRefs, procStatus = filepath.Join(dir, "clear_refs"), filepath.Join(dir, "status")
	if err := os.WriteFile(procClearRefs, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(procStatus, []byte(sampleStatus), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := resetPeakRSS(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(procClearRefs); string(b) != "5" {
		t.Fatalf("clear_refs got %q, want \"5\"", b)
	}
	if got, err := readPeakRSS(); err != nil || got != 812340*1024 {
		t.Fatalf("readPeakRSS = %d, %v", got, err)
	}
	// A reset that cannot write says so, and the note starts with "unavailable".
	procClearRefs = filepath.Join(dir, "missing", "clear_refs")
	err := resetPeakRSS()
	if err == nil {
		t.Fatal("reset through a missing file succeeded")
	}
	if n := rssNote(err); !strings.HasPrefix(n, "unavailable: cannot reset the peak") {
		t.Fatalf("note %q", n)
	}
}

// On a real Linux kernel the peak after a reset covers at least a buffer touched after
// it, and is no lower than the current resident set.
func TestPeakRSSLive(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("VmHWM is Linux-only")
	}
	if err := resetPeakRSS(); err != nil {
		t.Skipf("cannot reset VmHWM here: %v", err)
	}
	before, err := readPeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	const n = 64 << 20
	buf := make([]byte, n)
	for i := 0; i < n; i += 4096 {
		buf[i] = 1
	}
	after, err := readPeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(buf)
	if after-before < n*3/4 {
		t.Fatalf("VmHWM grew by %d bytes after touching %d", after-before, n)
	}
}
