package hugemem

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// On Linux the mapping holding the aligned interior of a large slice is marked for
// huge pages ("hg" in its VmFlags), where a mapping marked by hand shows the mark (a
// kernel without transparent huge pages, or an emulator that passes madvise over,
// shows none: then there is nothing to check).
func TestFloatsAdviseHuge(t *testing.T) {
	probe, err := unix.Mmap(-1, 0, 4*hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer unix.Munmap(probe)
	if err := unix.Madvise(probe, unix.MADV_HUGEPAGE); err != nil {
		t.Skipf("madvise(MADV_HUGEPAGE): %v", err)
	}
	if flags, err := vmFlags(uintptr(unsafe.Pointer(&probe[hugePage]))); err != nil || !hasFlag(flags, "hg") {
		t.Skipf("a mapping advised by hand shows VmFlags %q (%v): huge page advice is not recorded here", flags, err)
	}
	x := Floats(6 << 20) // 24 MiB
	flags, err := vmFlags(uintptr(unsafe.Pointer(&x[len(x)/2])))
	if err != nil {
		t.Fatal(err)
	}
	if !hasFlag(flags, "hg") {
		t.Errorf("the mapping of a 24 MiB slice has VmFlags %q, want hg (MADV_HUGEPAGE)", flags)
	}
	runtime.KeepAlive(x)
}

func hasFlag(flags, f string) bool { return strings.Contains(" "+flags+" ", " "+f+" ") }

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
