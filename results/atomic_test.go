package results

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
	ri := &RunInfo{Device: "cuda:0", Search: SearchInfo{Algorithm: "evolution", Seed: 1111, Dominance: "standard", MaxMemoryMB: 512,
		Params: json.RawMessage(`{"population":20,"parents":4}`)}}
	if err := WriteRunInfo(dir, ri); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRunInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	var params bytes.Buffer
	if err := json.Compact(&params, got.Search.Params); err != nil {
		t.Fatal(err)
	}
	if got.Device != "cuda:0" || got.Search.Seed != 1111 || got.Search.MaxMemoryMB != 512 ||
		params.String() != `{"population":20,"parents":4}` || got.Search.Sizes != nil {
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
