package results

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pareto.jsonl")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A failing writer leaves the old file and no temporary file behind.
	boom := errors.New("boom")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		w.Write([]byte("half of the new"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "old\n" {
		t.Errorf("failed write changed the file to %q", data)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("failed write left %d files in the directory, want 1", len(ents))
	}

	if err := WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write([]byte("new\n"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "new\n" {
		t.Errorf("file holds %q, want new", data)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("write left %d files in the directory, want 1", len(ents))
	}

	if err := WriteFileAtomic(filepath.Join(dir, "no", "such", "dir", "f"), func(io.Writer) error { return nil }); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

func TestWriteJSONLRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), ParetoFile)
	recs := []Record{testRecord(t, 0, 3), testRecord(t, 1, 3), testRecord(t, 2, 3)}
	if err := WriteJSONL(path, recs); err != nil {
		t.Fatal(err)
	}
	got, partial, err := ReadArchive(path)
	if err != nil || partial != 0 || len(got) != 3 {
		t.Fatalf("got %d records, partial %d, err %v", len(got), partial, err)
	}
	for i := range recs {
		if got[i].Key != recs[i].Key || got[i].Seq != recs[i].Seq {
			t.Errorf("record %d: got %s seq %d, want %s seq %d", i, got[i].Key, got[i].Seq, recs[i].Key, recs[i].Seq)
		}
	}
	if err := WriteJSONL(path, nil); err != nil {
		t.Fatal(err)
	}
	if got, _, err := ReadArchive(path); err != nil || len(got) != 0 {
		t.Errorf("empty front: %d records, err %v", len(got), err)
	}
}

func TestRunInfoRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ri := &RunInfo{Device: "cuda:0", Algorithm: "evolution", Seed: 1111, Dominance: "standard", MaxMemoryMB: 512}
	if err := WriteRunInfo(dir, ri); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRunInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Device != "cuda:0" || got.Seed != 1111 || got.MaxMemoryMB != 512 {
		t.Errorf("read back %+v", got)
	}
	if got.MemoryMetric != DefaultMemoryMetric {
		t.Errorf("memory metric %q, want the default %q", got.MemoryMetric, DefaultMemoryMetric)
	}

	for name, data := range map[string]string{
		"not json":  "{",
		"no device": `{"algorithm": "evolution"}`,
	} {
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, RunFile), []byte(data), 0o644)
		if _, err := ReadRunInfo(d); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.Contains(err.Error(), RunFile) {
			t.Errorf("%s: error %q does not name %s", name, err, RunFile)
		}
	}
}
