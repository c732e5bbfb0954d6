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

// On Linux with transparent huge pages, a large slice from Floats is on huge pages
// ("AnonHugePages" of its mapping), also where make reuses the memory of a buffer that
// was written and freed before (a search compiles model after model): the pages are
// collapsed, not only advised. Where a mapping advised by hand before it is touched
// gets no huge page (no THP, an emulator that passes madvise over, none free), there
// is nothing to check.
func TestFloatsOnHugePages(t *testing.T) {
	switch Mode() {
	case "madvise", "always":
	default:
		t.Skipf("transparent huge pages %q", Mode())
	}
	probe, err := unix.Mmap(-1, 0, 4*hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer unix.Munmap(probe)
	if err := unix.Madvise(probe, unix.MADV_HUGEPAGE); err != nil {
		t.Skipf("madvise(MADV_HUGEPAGE): %v", err)
	}
	for i := range probe {
		probe[i] = 1
	}
	if m, err := mapping(uintptr(unsafe.Pointer(&probe[2*hugePage]))); err != nil || m.hugeKB == 0 {
		t.Skipf("a mapping advised by hand has %d kB of huge pages (%v): none to be had here", m.hugeKB, err)
	}

	const n = 16 << 20 // 64 MiB
	check := func(what string, x []float32) {
		t.Helper()
		for i := range x { // as the weights are written
			x[i] = 2
		}
		m, err := mapping(uintptr(unsafe.Pointer(&x[n/2])))
		if err != nil {
			t.Fatal(err)
		}
		if !hasFlag(m.flags, "hg") || m.hugeKB < m.sizeKB/2 {
			t.Errorf("%s: its mapping (%d kB, VmFlags %q) has %d kB of huge pages, want most of it", what, m.sizeKB, m.flags, m.hugeKB)
		}
	}
	// First memory a written, plain buffer left (make zeroes it again, on the small
	// pages it has), then fresh memory.
	reused := 0
	for range 3 {
		y := make([]float32, n)
		for i := range y {
			y[i] = 1
		}
		at := uintptr(unsafe.Pointer(&y[0]))
		y = nil
		runtime.GC()
		x := Floats(n)
		if uintptr(unsafe.Pointer(&x[0])) == at {
			reused++
			check("a 64 MiB slice where a freed one was", x)
		}
		x = nil
		runtime.GC()
	}
	if reused == 0 {
		t.Log("the heap never handed back a freed buffer's memory: reuse not checked")
	}
	check("a fresh 64 MiB slice", Floats(n))
}

type vma struct {
	sizeKB, hugeKB int
	flags          string
}

// mapping is what /proc/self/smaps says of the mapping holding addr.
func mapping(addr uintptr) (vma, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return vma{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in, found := false, false
	var m vma
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := mappingRange(line); ok {
			if found {
				break
			}
			in = addr >= lo && addr < hi
			found = in
			continue
		}
		if !in {
			continue
		}
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "Size":
			m.sizeKB, _ = strconv.Atoi(strings.Fields(v)[0])
		case "AnonHugePages":
			m.hugeKB, _ = strconv.Atoi(strings.Fields(v)[0])
		case "VmFlags":
			m.flags = strings.TrimSpace(v)
		}
	}
	if !found {
		return m, fmt.Errorf("no mapping holds %#x", addr)
	}
	return m, sc.Err()
}

func hasFlag(flags, f string) bool { return strings.Contains(" "+flags+" ", " "+f+" ") }

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
