package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/space"
)

// testArch is a small GPT-2 flex architecture with n layers.
func testArch(t testing.TB, nLayer, dModel int) *space.Arch {
	t.Helper()
	heads := strings.TrimSuffix(strings.Repeat("2,", nLayer), ",")
	inner := strings.TrimSuffix(strings.Repeat(strconv.Itoa(4*dModel)+",", nLayer), ",")
	a, err := space.ParseArch(fmt.Appendf(nil, `{"backbone": "gpt2", "adaptive": true, "n_layer": %d, "d_model": %d,
		"n_head": [%s], "d_inner": [%s], "n_token": 1000, "cutoffs": [200, 500], "div_val": 2, "tgt_len": 64}`,
		nLayer, dModel, heads, inner))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// testRecord is a feasible record with nSamples raw samples.
func testRecord(t testing.TB, seq int, nSamples int) Record {
	a := testArch(t, 1+seq%4, 64*(1+seq%3))
	samples := make([]float64, nSamples)
	for i := range samples {
		samples[i] = 1 + float64(i%7)/10
	}
	return Record{
		Seq: seq, Iteration: seq / 3, Key: a.Key(), Arch: a, DecoderParams: a.DecoderParams(),
		Feasible: true, LatencyMS: 1.3, MemoryBytes: 1 << 20,
		Result: &bench.Result{Device: "cpu", Arch: a, Key: a.Key(), DecoderParams: a.DecoderParams(),
			TotalParams: a.TotalParams(), Latency: bench.Stats{Median: 1.3, P10: 1, P90: 1.6, N: nSamples},
			SamplesMS: samples, AllocPeakBytes: 1 << 20},
	}
}

func mustLine(t *testing.T, rec Record) []byte {
	t.Helper()
	b, err := json.Marshal(&rec)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestArchiveAppendRead(t *testing.T) {
	dir := t.TempDir()
	a, err := OpenArchive(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []Record
	for seq := range 5 {
		rec := testRecord(t, seq, 3)
		if seq == 2 {
			rec = Record{Seq: 2, Key: rec.Key, Arch: rec.Arch, DecoderParams: rec.DecoderParams,
				Error: "out of memory: 9 GiB arena"}
		}
		if err := a.Append(rec); err != nil {
			t.Fatal(err)
		}
		want = append(want, rec)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ArchiveFile))
	if err != nil {
		t.Fatal(err)
	}
	// One complete JSON value a line, each ending in a newline.
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) != 6 || len(lines[5]) != 0 {
		t.Fatalf("archive has %d newline-separated parts, want 5 lines and nothing after", len(lines))
	}
	for i, l := range lines[:5] {
		if !json.Valid(l) {
			t.Errorf("line %d is not one JSON value: %.80s", i+1, l)
		}
	}
	got, partial, err := ReadArchive(filepath.Join(dir, ArchiveFile))
	if err != nil || partial != 0 {
		t.Fatalf("ReadArchive: %v, partial %d", err, partial)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(mustLine(t, got[i]), mustLine(t, want[i])) {
			t.Errorf("record %d changed in the round trip:\n got %s\nwant %s", i, mustLine(t, got[i]), mustLine(t, want[i]))
		}
	}
	if got[2].Feasible || got[2].Error == "" {
		t.Errorf("infeasible record read back as %+v", got[2])
	}
}

func TestArchivePartialLastLine(t *testing.T) {
	for _, nSamples := range []int{3, 20000} { // 20000 samples: a line longer than repairTail's block
		t.Run(fmt.Sprint(nSamples), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, ArchiveFile)
			var data []byte
			for seq := range 2 {
				data = append(data, mustLine(t, testRecord(t, seq, nSamples))...)
			}
			third := mustLine(t, testRecord(t, 2, nSamples))
			cut := third[:len(third)*2/3] // what a writer killed mid-line leaves
			if err := os.WriteFile(path, append(data, cut...), 0o644); err != nil {
				t.Fatal(err)
			}
			recs, partial, err := ReadArchive(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 || partial != len(cut) {
				t.Fatalf("got %d records and a %d-byte partial line, want 2 and %d", len(recs), partial, len(cut))
			}

			a, err := OpenArchive(dir)
			if err != nil {
				t.Fatal(err)
			}
			if a.RepairedBytes != int64(len(cut)) {
				t.Errorf("RepairedBytes = %d, want %d", a.RepairedBytes, len(cut))
			}
			if err := a.Append(testRecord(t, 2, nSamples)); err != nil {
				t.Fatal(err)
			}
			a.Close()
			recs, partial, err = ReadArchive(path)
			if err != nil || partial != 0 || len(recs) != 3 || recs[2].Seq != 2 {
				t.Fatalf("after repair and append: %d records, partial %d, err %v", len(recs), partial, err)
			}
		})
	}
}

func TestArchiveLastLineWithoutNewline(t *testing.T) {
	// A complete record whose newline was lost is kept, and OpenArchive ends its line.
	dir := t.TempDir()
	path := filepath.Join(dir, ArchiveFile)
	l0, l1 := mustLine(t, testRecord(t, 0, 3)), mustLine(t, testRecord(t, 1, 3))
	if err := os.WriteFile(path, append(l0, l1[:len(l1)-1]...), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, partial, err := ReadArchive(path)
	if err != nil || partial != 0 || len(recs) != 2 {
		t.Fatalf("got %d records, partial %d, err %v; want 2, 0, nil", len(recs), partial, err)
	}
	a, err := OpenArchive(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.RepairedBytes != 0 {
		t.Errorf("RepairedBytes = %d for a complete record", a.RepairedBytes)
	}
	a.Close()
	data, _ := os.ReadFile(path)
	if !bytes.Equal(data, append(l0, l1...)) {
		t.Errorf("OpenArchive did not just add the missing newline")
	}
}

func TestReadArchiveErrors(t *testing.T) {
	good := string(mustLine(t, testRecord(t, 0, 3)))
	noArch := `{"seq": 1, "feasible": false, "error": "oom"}` + "\n"
	feasibleNoLatency := strings.Replace(good, `"latency_ms":1.3`, `"latency_ms":0`, 1)
	for _, tc := range []struct{ name, data, want string }{
		{"corrupt middle line", good + "{\"seq\": 1, \"arch\n" + good, ArchiveFile + ":2: bad record"},
		{"corrupt complete last line", good + "not json\n", ArchiveFile + ":2: bad record"},
		{"no arch", good + noArch, ArchiveFile + ":2: bad record: no arch"},
		{"bad arch", strings.Replace(good, `"d_model":64`, `"d_model":"x"`, 1), ArchiveFile + ":1: bad record"},
		{"feasible without latency", feasibleNoLatency, ArchiveFile + ":1: bad record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ArchiveFile)
			os.WriteFile(path, []byte(tc.data), 0o644)
			_, _, err := ReadArchive(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, _, err := ReadArchive(filepath.Join(t.TempDir(), "missing.jsonl")); !os.IsNotExist(err) {
		t.Errorf("missing file: err = %v, want not-exist", err)
	}
}

func TestReadArchiveSkipsBlankLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), ArchiveFile)
	data := "\n" + string(mustLine(t, testRecord(t, 0, 3))) + "  \n" + string(mustLine(t, testRecord(t, 1, 3)))
	os.WriteFile(path, []byte(data), 0o644)
	recs, partial, err := ReadArchive(path)
	if err != nil || partial != 0 || len(recs) != 2 {
		t.Fatalf("got %d records, partial %d, err %v", len(recs), partial, err)
	}
}

// TestArchiveSurvivesKill kills a process that appends records as fast as it can and
// checks what it leaves: whole records numbered 0…n−1, at most one partial line, and an
// archive that OpenArchive can continue.
func TestArchiveSurvivesKill(t *testing.T) {
	if dir := os.Getenv("LTSBENCH_ARCHIVE_WRITER"); dir != "" {
		a, err := OpenArchive(dir)
		if err != nil {
			os.Exit(3)
		}
		for seq := 0; ; seq++ {
			if err := a.Append(testRecord(t, seq, 500)); err != nil {
				os.Exit(4)
			}
			if seq == 0 {
				os.WriteFile(filepath.Join(dir, "started"), nil, 0o644)
			}
		}
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestArchiveSurvivesKill$")
	cmd.Env = append(os.Environ(), "LTSBENCH_ARCHIVE_WRITER="+dir)
	if err := cmd.Start(); err != nil {
		// Under an emulator without binfmt support the test binary cannot exec itself.
		t.Skipf("cannot start the writer process: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("writer did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()

	recs, partial, err := ReadArchive(filepath.Join(dir, ArchiveFile))
	if err != nil {
		t.Fatalf("archive of a killed writer: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("no record survived")
	}
	for i := range recs {
		if recs[i].Seq != i {
			t.Fatalf("record %d has seq %d: a record was lost or torn", i, recs[i].Seq)
		}
	}
	a, err := OpenArchive(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.RepairedBytes != int64(partial) {
		t.Errorf("OpenArchive removed %d bytes, ReadArchive skipped %d", a.RepairedBytes, partial)
	}
	if err := a.Append(testRecord(t, len(recs), 3)); err != nil {
		t.Fatal(err)
	}
	a.Close()
	again, partial, err := ReadArchive(filepath.Join(dir, ArchiveFile))
	if err != nil || partial != 0 || len(again) != len(recs)+1 {
		t.Fatalf("resumed archive: %d records (want %d), partial %d, err %v", len(again), len(recs)+1, partial, err)
	}
	t.Logf("%d records survived the kill, partial last line %d bytes", len(recs), partial)
}
