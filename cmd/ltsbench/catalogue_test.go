package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"

	"github.com/ltsbench/ltsbench/results"
)

// badInput is one entry of the catalogue of bad inputs and faults: the command line
// (with {D} for the fixture folder and {RUN} for a finished tiny run), the exit status
// and a text the one line on stderr must hold (the file, flag or field it names).
type badInput struct {
	name string
	args []string
	code int
	want string
}

// TestBadInputCatalogue runs every command on bad input: each case must exit with
// its status, print nothing on stdout and exactly one line on stderr naming what is
// wrong, never panic, and leave every file it was given (and the finished run)
// byte for byte as it was.
func TestBadInputCatalogue(t *testing.T) {
	d := t.TempDir()
	run := filepath.Join(t.TempDir(), "run")
	if code, _, errOut := runLtsbench(t, tinySearch("gpt2", run)...); code != 0 {
		t.Fatalf("the tiny run the catalogue resumes: exit %d: %s", code, errOut)
	}
	golden := filepath.Join("..", "..", "testdata", "golden", "gpt2_hetero_small_init")
	weights, _ := os.ReadFile(filepath.Join(golden, "model.safetensors"))
	inputs, _ := os.ReadFile(filepath.Join(golden, "inputs.safetensors"))
	config, _ := os.ReadFile(filepath.Join(golden, "config.json"))
	hugeHeader := binary.LittleEndian.AppendUint64(nil, 1<<63)
	bigHeader := append(binary.LittleEndian.AppendUint64(nil, 1<<20), []byte(`{"x":`)...)
	files := map[string][]byte{
		"arch.json":           []byte(`{"backbone": "gpt2", "n_layer": 2, "d_model": 64, "n_head": 2, "d_inner": 128, "n_token": 300, "tgt_len": 16}`),
		"config.json":         config,
		"weights.safetensors": weights,
		"inputs.safetensors":  inputs,
		"malformed.json":      []byte(`{"backbone": "gpt2", "n_layer": 2,`),
		"empty.json":          nil,
		"garbage.json":        {0x89, 'P', 'N', 'G', 0, 0, 0xff, 0xfe},
		"nul.json":            {0, 0, 0, 0},
		"array.json":          []byte(`[1, 2, 3]`),
		"wrongtype.json":      []byte(`{"backbone": "gpt2", "n_layer": "two", "d_model": 64}`),
		"backbone.json":       []byte(`{"backbone": "bert", "n_layer": 2, "d_model": 64}`),
		"typo.json":           []byte(`{"backbone": "gpt2", "nlayer": 2, "d_model": 64}`),
		"neglayers.json":      []byte(`{"backbone": "gpt2", "n_layer": -2, "d_model": 64, "n_head": 2, "d_inner": 128, "n_token": 300, "tgt_len": 16}`),
		"zerolayers.json":     []byte(`{"backbone": "gpt2", "n_layer": 0, "d_model": 64, "n_head": 2, "d_inner": 128, "n_token": 300, "tgt_len": 16}`),
		"zerodmodel.json":     []byte(`{"backbone": "gpt2", "n_layer": 2, "d_model": 0, "n_head": 2, "d_inner": 128, "n_token": 300, "tgt_len": 16}`),
		"hugedmodel.json":     []byte(`{"backbone": "gpt2", "n_layer": 2, "d_model": 100000000000, "n_head": 2, "d_inner": 128, "n_token": 300, "tgt_len": 16}`),
		"hugelayers.json":     []byte(`{"backbone": "gpt2", "n_layer": 1000000, "d_model": 64, "n_head": 2, "d_inner": 128, "n_token": 300, "tgt_len": 16}`),
		"headsplit.json":      []byte(`{"backbone": "gpt2", "n_layer": 2, "d_model": 64, "n_head": 3, "d_inner": 128, "n_token": 300, "tgt_len": 16}`),
		"shortheads.json":     []byte(`{"backbone": "gpt2", "n_layer": 3, "d_model": 64, "n_head": [2, 2], "d_inner": 128, "n_token": 300, "tgt_len": 16}`),
		"overflow.json":       []byte(`{"backbone": "gpt2", "n_layer": 2, "d_model": 1e400, "n_head": 2, "d_inner": 128, "n_token": 300, "tgt_len": 16}`),
		"hugevocab.json":      []byte(`{"backbone": "gpt2", "n_layer": 2, "d_model": 64, "n_head": 2, "d_inner": 128, "n_token": 549755813888, "tgt_len": 16}`),
		"space-huge.json":     []byte(`{"backbone": "gpt2", "d_model": {"min": 128, "max": 100000000000, "step": 64}}`),
		"space-bad.json":      []byte(`{"backbone": "gpt2", "d_model": {"min": 128, "max": 64, "step": 64}}`),
		"space-step.json":     []byte(`{"backbone": "gpt2", "n_layer": {"min": 2, "max": 4, "step": 0}}`),
		"trunc.safetensors":   weights[:min(100, len(weights))],
		"short.safetensors":   weights[:len(weights)/2],
		"hdrbig.safetensors":  bigHeader,
		"hdr63.safetensors":   hugeHeader,
		"tiny.safetensors":    {1, 2, 3},
		"notjson.safetensors": append(binary.LittleEndian.AppendUint64(nil, 4), []byte("nope")...),
		"bench-garbage.jsonl": []byte("{\"config\": \nnot json at all\n"),
		"plot.gif":            nil,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(d, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(d, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(d, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	emptyRun := filepath.Join(d, "emptyrun")
	os.Mkdir(emptyRun, 0o755)
	brokenRun := filepath.Join(d, "brokenrun")
	os.Mkdir(brokenRun, 0o755)
	os.WriteFile(filepath.Join(brokenRun, results.ArchiveFile), []byte("{\"seq\": 0}\nnot a record\n{\"seq\": 2}\n"), 0o644)
	os.WriteFile(filepath.Join(brokenRun, results.RunFile), []byte(`{"device": "cpu"`), 0o644)

	arch := []string{"--arch", "{D}/arch.json"}
	fwd := func(extra ...string) []string {
		return append([]string{"forward", "--arch", "{D}/config.json", "--weights", "{D}/weights.safetensors",
			"--inputs", "{D}/inputs.safetensors", "--out", "{D}/out.safetensors"}, extra...)
	}
	measure := func(extra ...string) []string {
		return append([]string{"measure", "--preset", "gpt2-tiny", "--warmup", "0", "--min-samples", "1", "--min-time", "0s"}, extra...)
	}
	resume := func(extra ...string) []string {
		return tinySearch("gpt2", "{RUN}", append([]string{"--resume"}, extra...)...)
	}
	cases := []badInput{
		// params: every kind of bad architecture file
		{"params no --arch", []string{"params"}, 2, "--arch"},
		{"params missing file", []string{"params", "--arch", "{D}/none.json"}, 1, "none.json"},
		{"params directory", []string{"params", "--arch", "{D}/adir"}, 1, "adir: a directory"},
		{"params /dev/zero", []string{"params", "--arch", "/dev/zero"}, 1, "/dev/zero: not a regular file"},
		{"params fifo", []string{"params", "--arch", "{D}/fifo"}, 1, "fifo: not a regular file"},
		{"params malformed", []string{"params", "--arch", "{D}/malformed.json"}, 1, "malformed.json"},
		{"params empty", []string{"params", "--arch", "{D}/empty.json"}, 1, "empty.json"},
		{"params binary", []string{"params", "--arch", "{D}/garbage.json"}, 1, "garbage.json"},
		{"params NULs", []string{"params", "--arch", "{D}/nul.json"}, 1, "nul.json"},
		{"params array", []string{"params", "--arch", "{D}/array.json"}, 1, "array.json"},
		{"params wrong type", []string{"params", "--arch", "{D}/wrongtype.json"}, 1, "n_layer"},
		{"params unknown backbone", []string{"params", "--arch", "{D}/backbone.json"}, 1, "bert"},
		{"params unknown key", []string{"params", "--arch", "{D}/typo.json"}, 1, `"nlayer"`},
		{"params negative n_layer", []string{"params", "--arch", "{D}/neglayers.json"}, 1, "n_layer"},
		{"params zero n_layer", []string{"params", "--arch", "{D}/zerolayers.json"}, 1, "n_layer"},
		{"params zero d_model", []string{"params", "--arch", "{D}/zerodmodel.json"}, 1, "d_model"},
		{"params huge d_model", []string{"params", "--arch", "{D}/hugedmodel.json"}, 1, "too large"},
		{"params huge n_layer", []string{"params", "--arch", "{D}/hugelayers.json"}, 1, "n_layer"},
		{"params heads do not divide", []string{"params", "--arch", "{D}/headsplit.json"}, 1, "n_head"},
		{"params head list too short", []string{"params", "--arch", "{D}/shortheads.json"}, 1, "n_head"},
		{"params number overflow", []string{"params", "--arch", "{D}/overflow.json"}, 1, "overflow.json"},
		{"params huge vocabulary", []string{"params", "--arch", "{D}/hugevocab.json"}, 1, "too large"},
		{"params bad format", append([]string{"params", "--format", "yaml"}, arch...), 2, "--format"},
		{"params stray argument", append([]string{"params", "extra"}, arch...), 2, "extra"},
		// space
		{"space unknown", []string{"space", "--space", "bert"}, 2, "bert"},
		{"space file huge d_model", []string{"space", "--space-file", "{D}/space-huge.json"}, 1, "d_model: max must be at most 65536"},
		{"space file max below min", []string{"space", "--space-file", "{D}/space-bad.json"}, 1, "d_model"},
		{"space file zero step", []string{"space", "--space-file", "{D}/space-step.json"}, 1, "step"},
		{"space file /dev/zero", []string{"space", "--space-file", "/dev/zero"}, 1, "/dev/zero"},
		{"space file malformed", []string{"space", "--space-file", "{D}/malformed.json"}, 1, "malformed.json"},
		{"space bad format", []string{"space", "--space", "gpt2", "--format", "xml"}, 2, "--format"},
		// measure
		{"measure unknown device", measure("--device", "tpu"), 2, "--device"},
		{"measure no such GPU", measure("--device", "cuda:99"), 1, "cuda:99"},
		{"measure unknown preset", []string{"measure", "--preset", "gpt5"}, 2, "gpt5"},
		{"measure no architecture", []string{"measure"}, 2, "--arch"},
		{"measure batch 0", measure("--batch", "0"), 2, "--batch"},
		{"measure batch -1", measure("--batch", "-1"), 2, "--batch"},
		{"measure batch 2^63-1", measure("--batch", "9223372036854775807"), 2, "--batch: at most 65536"},
		{"measure batch 2^57", measure("--batch", "144115188075855872"), 2, "--batch: at most 65536"},
		{"measure batch not a number", measure("--batch", "many"), 2, "batch"},
		{"measure seq-len huge", measure("--seq-len", "4000000000"), 2, "--seq-len"},
		{"measure seq-len beyond positions", measure("--seq-len", "4096"), 2, "--seq-len"},
		{"measure threads -1", measure("--threads", "-1"), 2, "--threads"},
		{"measure bad output", measure("--output", "some"), 2, "--output"},
		{"measure bad math", measure("--math", "fp8"), 2, "--math"},
		{"measure min-samples 0", measure("--min-samples", "0"), 2, "--min-samples"},
		{"measure max below min samples", measure("--min-samples", "5", "--max-samples", "2"), 2, "--max-samples"},
		{"measure bad format", measure("--format", "yaml"), 2, "--format"},
		{"measure forward prompt-len", measure("--prompt-len", "10"), 2, "--prompt-len: only with --mode prefill or generate, not forward"},
		{"measure forward context", measure("--context", "10"), 2, "--context: only with --mode decode, not forward"},
		{"measure forward new-tokens", measure("--new-tokens", "5"), 2, "--new-tokens: only with --mode generate, not forward"},
		{"measure prefill context", measure("--mode", "prefill", "--context", "10"), 2, "--context: only with --mode decode, not prefill"},
		{"measure prefill new-tokens", measure("--mode", "prefill", "--new-tokens", "5"), 2, "--new-tokens: only with --mode generate, not prefill"},
		{"measure decode prompt-len", measure("--mode", "decode", "--prompt-len", "10"), 2, "--prompt-len: only with --mode prefill or generate, not decode"},
		{"measure decode new-tokens", measure("--mode", "decode", "--new-tokens", "5"), 2, "--new-tokens: only with --mode generate, not decode"},
		{"measure generate context", measure("--mode", "generate", "--context", "10"), 2, "--context: only with --mode decode, not generate"},
		{"measure generate new-tokens 1", measure("--mode", "generate", "--new-tokens", "1"), 2, "--new-tokens: must be at least 2, got 1"},
		{"measure decode context 0", measure("--mode", "decode", "--context", "0"), 2, "--context: must be at least 1, got 0"},
		{"measure prefill prompt-len -3", measure("--mode", "prefill", "--prompt-len", "-3"), 2, "--prompt-len: must be at least 1, got -3"},
		{"measure decode context beyond positions", measure("--mode", "decode", "--context", "64"), 2, "--context: 64: the step at position 64 needs 65 positions, n_positions is 64 (at most 63)"},
		{"measure prefill beyond positions", measure("--mode", "prefill", "--prompt-len", "65"), 2, "--prompt-len: 65 tokens exceed n_positions 64"},
		{"measure generate beyond positions", measure("--mode", "generate", "--prompt-len", "60", "--new-tokens", "10"), 2, "--new-tokens: --prompt-len 60 + --new-tokens 10 reach position 68, n_positions is 64"},
		{"measure arch /dev/zero", []string{"measure", "--arch", "/dev/zero"}, 1, "/dev/zero"},
		{"measure arch huge d_model", []string{"measure", "--arch", "{D}/hugedmodel.json"}, 1, "too large"},
		// forward
		{"forward no flags", []string{"forward"}, 2, "--arch"},
		{"forward out is the weights", []string{"forward", "--arch", "{D}/config.json", "--weights", "{D}/weights.safetensors",
			"--inputs", "{D}/inputs.safetensors", "--out", "{D}/weights.safetensors"}, 2, "is the --weights file"},
		{"forward out is the inputs", []string{"forward", "--arch", "{D}/config.json", "--weights", "{D}/weights.safetensors",
			"--inputs", "{D}/inputs.safetensors", "--out", "{D}/inputs.safetensors"}, 2, "is the --inputs file"},
		{"forward weights /dev/zero", []string{"forward", "--arch", "{D}/config.json", "--weights", "/dev/zero",
			"--inputs", "{D}/inputs.safetensors", "--out", "{D}/out.safetensors"}, 1, "/dev/zero: not a regular file"},
		{"forward weights truncated", []string{"forward", "--arch", "{D}/config.json", "--weights", "{D}/trunc.safetensors",
			"--inputs", "{D}/inputs.safetensors", "--out", "{D}/out.safetensors"}, 1, "trunc.safetensors"},
		{"forward weights half", []string{"forward", "--arch", "{D}/config.json", "--weights", "{D}/short.safetensors",
			"--inputs", "{D}/inputs.safetensors", "--out", "{D}/out.safetensors"}, 1, "short.safetensors"},
		{"forward header past the end", []string{"forward", "--arch", "{D}/config.json", "--weights", "{D}/hdrbig.safetensors",
			"--inputs", "{D}/inputs.safetensors", "--out", "{D}/out.safetensors"}, 1, "hdrbig.safetensors"},
		{"forward header length 2^63", []string{"forward", "--arch", "{D}/config.json", "--weights", "{D}/hdr63.safetensors",
			"--inputs", "{D}/inputs.safetensors", "--out", "{D}/out.safetensors"}, 1, "hdr63.safetensors"},
		{"forward 3-byte weights", []string{"forward", "--arch", "{D}/config.json", "--weights", "{D}/tiny.safetensors",
			"--inputs", "{D}/inputs.safetensors", "--out", "{D}/out.safetensors"}, 1, "tiny.safetensors"},
		{"forward header not JSON", []string{"forward", "--arch", "{D}/config.json", "--weights", "{D}/notjson.safetensors",
			"--inputs", "{D}/inputs.safetensors", "--out", "{D}/out.safetensors"}, 1, "notjson.safetensors"},
		{"forward weights of another model", []string{"forward", "--arch", "{D}/arch.json", "--weights", "{D}/weights.safetensors",
			"--inputs", "{D}/inputs.safetensors", "--out", "{D}/out.safetensors"}, 1, "--weights"},
		{"forward inputs are weights", []string{"forward", "--arch", "{D}/config.json", "--weights", "{D}/weights.safetensors",
			"--inputs", "{D}/weights.safetensors", "--out", "{D}/out.safetensors"}, 1, "--inputs"},
		{"forward inputs a directory", []string{"forward", "--arch", "{D}/config.json", "--weights", "{D}/weights.safetensors",
			"--inputs", "{D}/adir", "--out", "{D}/out.safetensors"}, 1, "adir"},
		{"forward unknown device", fwd("--device", "tpu"), 2, "--device"},
		{"forward threads -1", fwd("--threads", "-1"), 2, "--threads"},
		// report
		{"report missing dir", []string{"report", "{D}/nothere"}, 1, "nothere"},
		{"report empty dir", []string{"report", "{D}/emptyrun"}, 1, "emptyrun"},
		{"report broken archive", []string{"report", "{D}/brokenrun"}, 1, "brokenrun"},
		{"report no dir", []string{"report"}, 2, "report"},
		{"report bad format", []string{"report", "--format", "docx", "{RUN}"}, 2, "--format"},
		{"report plot extension", []string{"report", "--plot", "{D}/plot.gif", "{RUN}"}, 2, "--plot"},
		// run
		{"run no --out", []string{"run", "--space", "gpt2"}, 2, "--out"},
		{"run unknown device", tinySearch("gpt2", "{D}/r1", "--device", "tpu"), 2, "--device"},
		{"run GPU metric on cpu", tinySearch("gpt2", "{D}/r2", "--memory-metric", "nvml_process_peak_bytes"), 2, "--memory-metric: nvml_process_peak_bytes is measured on a GPU only"},
		{"run unknown budget", []string{"run", "--space", "gpt2", "--out", "{D}/r3", "--budget", "huge"}, 2, "--budget"},
		{"run space file huge", []string{"run", "--space-file", "{D}/space-huge.json", "--out", "{D}/r4"}, 1, "d_model"},
		{"run into a finished run", tinySearch("gpt2", "{RUN}"), 1, "already holds a run"},
		{"run resume without run.json", tinySearch("gpt2", "{D}/emptyrun", "--resume"), 2, "has no run.json"},
		{"run resume other seq-len", resume("--seq-len", "8"), 2, "seq_len 0, not 8"},
		{"run resume other threads", resume("--threads", "2"), 2, "threads 1, not 2"},
		{"run resume other metric", resume("--memory-metric", "rss_peak_bytes"), 2, "memory_metric alloc_peak_bytes, not rss_peak_bytes"},
		{"run resume other seed", resume("--seed", "9"), 2, "seed"},
		{"run resume other output", resume("--output", "none"), 2, "output full, not none"},
		// proxy
		{"proxy no files", []string{"proxy"}, 2, "proxy"},
		{"proxy missing file", []string{"proxy", "{D}/none.jsonl"}, 1, "none.jsonl"},
		{"proxy /dev/zero", []string{"proxy", "/dev/zero"}, 1, "/dev/zero: not a regular file"},
		{"proxy garbage", []string{"proxy", "{D}/bench-garbage.jsonl"}, 1, "bench-garbage.jsonl"},
		// devices, version, help
		{"devices stray argument", []string{"devices", "gpu"}, 2, "devices takes no arguments"},
		{"devices bad format", []string{"devices", "--format", "xml"}, 2, "--format"},
		{"version stray argument", []string{"version", "1"}, 2, "version takes no arguments"},
		{"help unknown command", []string{"help", "train"}, 2, `no command "train"`},
		{"unknown command", []string{"train"}, 2, "train"},
		{"unknown flag", []string{"params", "--arhc", "x"}, 2, "arhc"},
	}
	before := hashTree(t, d, run)
	for _, c := range cases {
		args := make([]string, len(c.args))
		for i, a := range c.args {
			args[i] = strings.NewReplacer("{D}", d, "{RUN}", run).Replace(a)
		}
		code, out, errOut, panicked := runCatching(args)
		if panicked != "" {
			t.Errorf("%s: panic: %s", c.name, panicked)
			continue
		}
		if code != c.code || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "ltsbench: ") || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d (want %d), stdout %q, stderr %q (want one line with %q)", c.name, code, c.code, trunc(out), errOut, c.want)
		}
	}
	after := hashTree(t, d, run)
	for path, h := range before {
		if after[path] != h {
			t.Errorf("%s changed", path)
		}
		delete(after, path)
	}
	for path := range after {
		if !strings.Contains(path, results.LockFile) && !strings.HasSuffix(path, "/r1") {
			t.Errorf("%s was written by a refused command", path)
		}
	}
	if len(cases) < 60 {
		t.Errorf("the catalogue has %d cases; it promises at least 60", len(cases))
	}
}

// runCatching runs one invocation in this process and reports a panic instead of
// dying of it.
func runCatching(args []string) (code int, stdout, stderr, panicked string) {
	var out, errOut bytes.Buffer
	defer func() {
		if r := recover(); r != nil {
			panicked = fmt.Sprintf("%v\n%s", r, debug.Stack())
		}
	}()
	code = runContext(context.Background(), append([]string{"ltsbench"}, args...), &out, &errOut)
	return code, out.String(), errOut.String(), ""
}

// hashTree maps every regular file under the roots to its SHA-256.
func hashTree(t *testing.T, roots ...string) map[string][32]byte {
	t.Helper()
	m := map[string][32]byte{}
	for _, root := range roots {
		filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m[path] = sha256.Sum256(b)
			return nil
		})
	}
	return m
}

func trunc(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
