package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/results"
)

// tinySearch is a search that measures real, small decoders on the CPU in a second or so.
func tinySearch(backbone, dir string, extra ...string) []string {
	args := []string{"run", "--device", "cpu", "--threads", "1", "--out", dir,
		"--space", backbone, "--n-layer", "1:2", "--d-model", "32:64:32", "--d-inner", "64:128:64",
		"--n-token", "300", "--cutoffs", "100,200", "--tgt-len", "16",
		"--min-decoder-params", "0", "--max-decoder-params", "0",
		"--iterations", "2", "--population", "4", "--parents", "1", "--mutations", "2", "--crossovers", "1",
		"--warmup", "0", "--min-samples", "2", "--max-samples", "2", "--min-time", "0", "--max-time", "0"}
	if backbone == "transformer_xl" {
		args = append(args, "--mem-len", "8")
	}
	return append(args, extra...)
}

func TestRunSearchesAndReports(t *testing.T) {
	for _, backbone := range []string{"gpt2", "transformer_xl"} {
		t.Run(backbone, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			plot := filepath.Join(dir, "front.svg")
			code, out, errOut := runLtsbench(t, tinySearch(backbone, dir, "--plot", plot)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			run, err := results.LoadRun(dir)
			if err != nil {
				t.Fatal(err)
			}
			// Budget: a first population of 4, then 2 + 1 new candidates.
			if len(run.Archive) != 7 {
				t.Errorf("archive has %d records, want 7", len(run.Archive))
			}
			seen := map[string]bool{}
			for _, r := range run.Archive {
				if seen[r.Key] {
					t.Errorf("%s measured twice", r.Key)
				}
				seen[r.Key] = true
				if !r.Feasible || r.Result == nil {
					t.Fatalf("%s: not measured: %s", r.Key, r.Error)
				}
				if string(r.Arch.Backbone) != backbone || r.Arch.NLayer > 2 || r.Arch.DModel > 64 {
					t.Errorf("%s is outside the space", r.Key)
				}
				// The memory objective is the exact planner figure, the latency the median.
				if r.MemoryBytes != r.Result.AllocPeakBytes || searchLatencyMS(&r) != r.Result.Latency.Median || r.Result.Latency.N != 2 {
					t.Errorf("%s: objectives %g ms, %d B do not match the result %+v", r.Key, r.LatencyMS, r.MemoryBytes, r.Result.Latency)
				}
				if r.DecoderParams != r.Arch.DecoderParams() {
					t.Errorf("%s: decoder params %d, want %d", r.Key, r.DecoderParams, r.Arch.DecoderParams())
				}
			}
			if run.Info.Device != "cpu" || run.Info.Search.Seed != 1111 || run.Info.MemoryMetric != "alloc_peak_bytes" || run.Info.Environment.OS == "" {
				t.Errorf("run.json: %+v", run.Info)
			}
			if backbone == "transformer_xl" && run.Archive[0].Result.Protocol.MemLen != 8 {
				t.Errorf("Transformer-XL measured with %d memory rows, want 8", run.Archive[0].Result.Protocol.MemLen)
			}
			// The printed table lists every front member.
			for _, r := range run.Front {
				if !strings.Contains(out, r.Arch.Summary()) {
					t.Errorf("front member %s missing from the table:\n%s", r.Arch.Summary(), out)
				}
			}
			if !strings.Contains(errOut, "front of") {
				t.Errorf("no summary on stderr: %s", errOut)
			}
			// Resuming a finished run measures nothing and keeps the archive.
			code, _, errOut = runLtsbench(t, tinySearch(backbone, dir, "--resume")...)
			if code != 0 {
				t.Fatalf("resume: exit %d: %s", code, errOut)
			}
			again, err := results.LoadRun(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Archive) != len(run.Archive) {
				t.Errorf("resume of a finished run: %d records, want %d", len(again.Archive), len(run.Archive))
			}
		})
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Ctrl-C before the first measurement
	var out, errOut bytes.Buffer
	code := runContext(ctx, append([]string{"ltsbench"}, tinySearch("gpt2", dir)...), &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "resume") {
		t.Errorf("cancelled run: exit %d, stderr %q", code, errOut.String())
	}
	// What it wrote is a valid run directory that continues with --resume.
	code, _, stderr := runLtsbench(t, tinySearch("gpt2", dir, "--resume")...)
	if code != 0 {
		t.Fatalf("resume after cancel: exit %d: %s", code, stderr)
	}
	run, err := results.LoadRun(dir)
	if err != nil || len(run.Archive) != 7 {
		t.Fatalf("after resume: %v, %d records", err, len(run.Archive))
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	wantFailure(t, []string{"run", "--space", "gpt2"}, 2, "--out")
	wantFailure(t, []string{"run", "--out", dir}, 2, "space")
	wantFailure(t, []string{"run", "--space", "gpt2", "--out", dir, "--budget", "huge"}, 2, "--budget")
	wantFailure(t, []string{"run", "--space", "gpt2", "--out", dir, "--device", "tpu"}, 2, "--device")
	wantFailure(t, []string{"run", "--space", "gpt2", "--out", dir, "--algorithm", "annealing"}, 2, "--algorithm")
	wantFailure(t, []string{"run", "--space", "gpt2", "--out", dir, "--memory-metric", "vram"}, 2, "--memory-metric")
	wantFailure(t, []string{"run", "--space", "gpt2", "--out", dir, "--plot", "x.gif"}, 2, "--plot")
	wantFailure(t, []string{"run", "--space", "gpt2", "--out", dir, "--population", "7"}, 2, "population")
	wantFailure(t, []string{"run", "--space", "gpt2", "--out", dir, "--max-latency-ms", "-1"}, 2, "--max-latency-ms")

	// A second fresh run into a directory that holds one is refused; the archive stays.
	run := filepath.Join(t.TempDir(), "run")
	if code, _, errOut := runLtsbench(t, tinySearch("gpt2", run)...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantFailure(t, tinySearch("gpt2", run), 1, "--resume")
	// Resuming with other settings is refused.
	wantFailure(t, tinySearch("gpt2", run, "--resume", "--seed", "7"), 2, "seed")
	// … and so is resuming with another protocol: one line naming the field and both
	// values, exit 2, nothing measured.
	wantFailure(t, tinySearch("gpt2", run, "--resume", "--seq-len", "8"), 2, "--seq-len: the run in "+run+" was measured with seq_len 0, not 8")
	wantFailure(t, tinySearch("gpt2", run, "--resume", "--threads", "2"), 2, "threads 1, not 2")
	wantFailure(t, tinySearch("gpt2", run, "--resume", "--memory-metric", "rss_peak_bytes"), 2, "memory_metric alloc_peak_bytes, not rss_peak_bytes")
	wantFailure(t, tinySearch("gpt2", run, "--resume", "--max-samples", "3"), 2, "max_samples 2, not 3")
	wantFailure(t, tinySearch("gpt2", run, "--resume", "--output", "last"), 2, "output full, not last")
	// A second writer on the same directory is refused, naming the holder's PID.
	lock, err := results.LockRun(run)
	if err != nil {
		t.Fatal(err)
	}
	wantFailure(t, tinySearch("gpt2", run, "--resume"), 1, fmt.Sprintf("ltsbench process %d is writing it", os.Getpid()))
	lock.Unlock()
	if recs, _, err := results.ReadArchive(filepath.Join(run, results.ArchiveFile)); err != nil || len(recs) != 7 {
		t.Errorf("archive after refused runs: %v, %d records", err, len(recs))
	}
	// Resuming where no run was started (no run.json) fails before measuring anything.
	empty := filepath.Join(t.TempDir(), "empty")
	os.MkdirAll(empty, 0o755)
	wantFailure(t, tinySearch("gpt2", empty, "--resume"), 2, "has no run.json")
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("a refused resume wrote into %s: %v", empty, ents)
	}
}

func TestRunWithoutGPU(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errOut := runLtsbench(t, tinySearch("gpt2", dir, "--device", "cuda:0")...)
	if code == 0 {
		t.Skip("a GPU is present: this test is for machines without one")
	}
	if code != 1 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "cuda:0") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and one line naming cuda:0", code, out, errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the run directory was created for a device that cannot run: %v", err)
	}
}

func TestRunSeqLenBeyondPositions(t *testing.T) {
	// The tiny space's GPT-2s have 16 positions: 17 tokens cannot run.
	dir := filepath.Join(t.TempDir(), "run")
	wantFailure(t, tinySearch("gpt2", dir, "--seq-len", "17"), 2, "--seq-len")
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused run created its directory: %v", err)
	}
}

// Two runs started at once on one directory: one measures, the other is refused with
// one line (the directory is locked, or already holds the first one's run), and the
// archive is whole.
func TestRunRaceOnOneDirectory(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run")
	type result struct {
		code           int
		stdout, stderr string
	}
	res := make(chan result, 2)
	for range 2 {
		go func() {
			var out, errOut bytes.Buffer
			code := runContext(context.Background(), append([]string{"ltsbench"}, tinySearch("gpt2", run)...), &out, &errOut)
			res <- result{code, out.String(), errOut.String()}
		}()
	}
	a, b := <-res, <-res
	if a.code != 0 {
		a, b = b, a
	}
	if a.code != 0 || b.code != 1 || strings.Count(b.stderr, "\n") != 1 ||
		!(strings.Contains(b.stderr, "is writing it") || strings.Contains(b.stderr, "already holds a run")) {
		t.Fatalf("race: exits %d and %d; the loser said %q", a.code, b.code, b.stderr)
	}
	recs, partial, err := results.ReadArchive(filepath.Join(run, results.ArchiveFile))
	if err != nil || partial != 0 || len(recs) != 7 {
		t.Errorf("archive after the race: %v, partial %d, %d records (want 7)", err, partial, len(recs))
	}
}

// A library's field error is said with the flags: the field and the fields its
// message names; a setting with no flag keeps its name, other errors pass unchanged.
func TestFlagError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&bench.FieldError{Field: "max_time_s", Msg: "0.5s is below min_time_s 1s", Related: []string{"min_time_s"}}, "--max-time: 0.5s is below --min-time 1s"},
		{&bench.FieldError{Field: "population", Msg: "7 is not parents + mutations = 1 + 2", Related: []string{"parents", "mutations"}}, "--population: 7 is not --parents + --mutations = 1 + 2"},
		{&bench.FieldError{Field: "tf32", Msg: "no"}, "--math: no"},
		{&bench.FieldError{Field: "rounds", Msg: "must be at least 1"}, "--confirm-rounds: must be at least 1"},
		{&bench.FieldError{Field: "statistic", Msg: `"mode" is not median or mean`}, `statistic: "mode" is not median or mean`},
		{fmt.Errorf("wrapped: %w", &bench.FieldError{Field: "seq_len", Msg: "too long"}), "--seq-len: too long"},
		{errors.New("plain"), "plain"},
	} {
		err := flagError(tc.err)
		var u usageError
		if err.Error() != tc.want || !errors.As(err, &u) {
			t.Errorf("flagError(%v) = %v, want the usage error %q", tc.err, err, tc.want)
		}
	}
}
