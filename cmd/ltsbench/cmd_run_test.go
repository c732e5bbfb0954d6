package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
			if run.Info.Device != "cpu" || run.Info.Seed != 1111 || run.Info.MemoryMetric != "alloc_peak_bytes" || run.Info.Environment.OS == "" {
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
	wantFailure(t, tinySearch("gpt2", run, "--resume", "--seed", "7"), 1, "seed")
	if recs, _, err := results.ReadArchive(filepath.Join(run, results.ArchiveFile)); err != nil || len(recs) != 7 {
		t.Errorf("archive after refused runs: %v, %d records", err, len(recs))
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
