package results

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

// shortFile writes only part of what it is given, as a full disk does.
type shortFile struct {
	*os.File
	keep int // bytes of the next write that reach the disk
}

func (s *shortFile) Write(b []byte) (int, error) {
	n, err := s.File.Write(b[:min(s.keep, len(b))])
	if err != nil {
		return n, err
	}
	return n, syscall.ENOSPC
}

// A write the disk cuts short is cut back off: the archive stays whole lines (every
// record before it still reads), the error says so, and the next append lands on a
// line of its own.
func TestArchiveShortWriteIsCutBack(t *testing.T) {
	dir := t.TempDir()
	ar, err := OpenArchive(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ar.Close()
	for i := range 2 {
		if err := ar.Append(testRecord(t, i, 3)); err != nil {
			t.Fatal(err)
		}
	}
	before, err := os.ReadFile(ar.Path())
	if err != nil {
		t.Fatal(err)
	}
	err = ar.appendLine(&shortFile{File: ar.f, keep: 17}, []byte(`{"seq":2,"key":"partial-record-that-will-not-fit"}`+"\n"))
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "cut back off") {
		t.Fatalf("short write: error %v, want ENOSPC saying the partial line was cut off", err)
	}
	after, err := os.ReadFile(ar.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatalf("archive changed by a failed append:\n%q\nwant\n%q", after, before)
	}
	if err := ar.Append(testRecord(t, 2, 3)); err != nil {
		t.Fatal(err)
	}
	recs, partial, err := ReadArchive(ar.Path())
	if err != nil || partial != 0 || len(recs) != 3 || recs[2].Seq != 2 {
		t.Fatalf("after the fault: %d records, partial %d, err %v; want 3 whole records", len(recs), partial, err)
	}
}
