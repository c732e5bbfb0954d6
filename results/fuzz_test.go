package results

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzArchive feeds ReadArchive arbitrary bytes as archive.jsonl: it never panics, a
// file it accepts gives records whose re-encoding reads back the same, and partial
// bytes are only ever a tail that lacks its newline.
func FuzzArchive(f *testing.F) {
	rec, _ := json.Marshal(testRecord(f, 0, 3))
	f.Add(append(rec, '\n'))
	f.Add(append(append(rec, '\n'), rec[:len(rec)/2]...))
	f.Add([]byte("\n\n" + string(rec) + "\n\x00\x00"))
	f.Add([]byte(`{"seq":0,"key":"k","arch":null,"feasible":false,"error":"oom"}` + "\n"))
	f.Add([]byte(`{"seq":"zero"}` + "\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "archive.jsonl")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		recs, partial, err := ReadArchive(path)
		if err != nil {
			return
		}
		if partial < 0 || partial > len(data) || strings.Contains(string(data[len(data)-partial:]), "\n") {
			t.Fatalf("partial %d of %d bytes is not a tail without a newline", partial, len(data))
		}
		var again []byte
		for _, r := range recs {
			b, err := json.Marshal(&r)
			if err != nil {
				t.Fatalf("an accepted record does not encode: %v", err)
			}
			again = append(append(again, b...), '\n')
		}
		if err := os.WriteFile(path, again, 0o644); err != nil {
			t.Fatal(err)
		}
		back, partial2, err := ReadArchive(path)
		if err != nil || partial2 != 0 || len(back) != len(recs) {
			t.Fatalf("re-encoded records read back as %d records, partial %d, err %v; want %d", len(back), partial2, err, len(recs))
		}
	})
}

// FuzzRunInfo feeds ReadRunInfo arbitrary bytes as run.json: it never panics, and an
// accepted file names a device and a memory metric.
func FuzzRunInfo(f *testing.F) {
	good, _ := json.Marshal(&RunInfo{Device: "cpu", Search: SearchInfo{Algorithm: "evolution", Seed: 1111, Iterations: 4, Params: json.RawMessage(`{"population":20}`)}})
	f.Add(good)
	f.Add([]byte(`{"device":""}`))
	f.Add([]byte(`{"device":"cpu","algorithm":"random","population":5,"search":{"algorithm":"random","random":7}}`))
	f.Add([]byte(`{"device":"cuda:0","protocol":{"batch":-1,"seq_len":1e99}}`))
	f.Add([]byte(`{"device":"cpu","space":{"backbone":"gpt2","n_layer":[1e11]}}`))
	f.Add([]byte("\x00{"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, RunFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		ri, err := ReadRunInfo(dir)
		if err != nil {
			if !strings.Contains(err.Error(), RunFile) {
				t.Fatalf("error %q does not name %s", err, RunFile)
			}
			return
		}
		if ri.Device == "" || ri.MemoryMetric == "" {
			t.Fatalf("accepted run.json without device or memory metric: %+v", ri)
		}
	})
}

// FuzzDevices feeds ReadDevices arbitrary bytes as devices.jsonl: it never panics, a
// file it accepts gives measurements with a key and a class, classes that are exactly
// theirs in first-seen order, and a device table that writes; partial bytes are only
// ever a tail that lacks its newline.
func FuzzDevices(f *testing.F) {
	f.Add([]byte(`{"key":"k1","class":"a","decoder_params":1,"feasible":true,"latency_ms":1,"memory_bytes":1}` + "\n"))
	f.Add([]byte(`{"key":"k1","class":"a","feasible":false,"error":"oom"}` + "\n" + `{"key":"k1","class":"b","feasible":true,"latency_ms":2}`))
	f.Add([]byte(`{"key":"k1","class":"a","feasible":true,"latency_ms":1}` + "\n" + `{"key":"k2","cl`))
	f.Add([]byte("\n\n{\"key\":\"\"}\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, DevicesFile)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ms, classes, partial, err := ReadDevices(path)
		if err != nil {
			if !strings.HasPrefix(err.Error(), path+":") {
				t.Fatalf("error %q does not name the file and line", err)
			}
			return
		}
		if partial < 0 || partial > len(data) || strings.Contains(string(data[len(data)-partial:]), "\n") {
			t.Fatalf("partial %d of %d bytes is not a tail without a newline", partial, len(data))
		}
		var seen []string
		for _, m := range ms {
			if m.Key == "" || strings.TrimSpace(m.Class) == "" {
				t.Fatalf("accepted %+v", m)
			}
			if !slices.Contains(seen, m.Class) {
				seen = append(seen, m.Class)
			}
		}
		if !slices.Equal(seen, classes) {
			t.Fatalf("classes %q, want %q", classes, seen)
		}
		if err := WriteDeviceTable(io.Discard, ms, classes); err != nil {
			t.Fatal(err)
		}
	})
}
