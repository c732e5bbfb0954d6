package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/model"
)

func runMeasure(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runContext(context.Background(), append([]string{"ltsbench", "measure"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// Tiny sample counts keep these end-to-end runs fast.
var quick = []string{"--warmup", "1", "--min-samples", "3", "--max-samples", "3", "--min-time", "0", "--threads", "1"}

func TestMeasureJSON(t *testing.T) {
	for _, tc := range []struct {
		preset, output string
		seq, mem       int
	}{
		{"gpt2-tiny", "full", 64, 0},
		{"txl-tiny", "last", 32, 32},
	} {
		code, out, errOut := runMeasure(t, append([]string{"--preset", tc.preset, "--output", tc.output, "--format", "json"}, quick...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.preset, code, errOut)
		}
		// The contract: latency_ms {median, p10, p90, mean, n}, alloc_peak_bytes,
		// decoder_params, and the environment.
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &raw); err != nil {
			t.Fatalf("%s: %v\n%s", tc.preset, err, out)
		}
		var lat map[string]float64
		if err := json.Unmarshal(raw["latency_ms"], &lat); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"median", "p10", "p90", "mean", "std", "cv", "n"} {
			if _, ok := lat[k]; !ok {
				t.Errorf("%s: latency_ms lacks %s: %s", tc.preset, k, raw["latency_ms"])
			}
		}
		for _, k := range []string{"alloc_peak_bytes", "decoder_params", "environment", "protocol", "samples_ms", "key", "arch"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("%s: JSON lacks %s", tc.preset, k)
			}
		}
		var got struct {
			bench.Result
			Environment bench.Environment `json:"environment"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		a, _ := bench.Preset(tc.preset)
		g, err := model.Build(a, model.Shape{Batch: 1, Seq: tc.seq, Mem: tc.mem, MemOut: tc.mem}, model.BuildOptions{Output: model.Output(tc.output)})
		if err != nil {
			t.Fatal(err)
		}
		if got.AllocPeakBytes != g.AllocPeakBytes() {
			t.Errorf("%s: alloc_peak_bytes %d, model.Build says %d", tc.preset, got.AllocPeakBytes, g.AllocPeakBytes())
		}
		if got.DecoderParams != a.DecoderParams() || got.Name != tc.preset || got.Key != a.Key() {
			t.Errorf("%s: decoder_params %d name %q key %q", tc.preset, got.DecoderParams, got.Name, got.Key)
		}
		if got.Latency.N != 3 || len(got.SamplesMS) != 3 || lat["n"] != 3 {
			t.Errorf("%s: n %d with %d samples", tc.preset, got.Latency.N, len(got.SamplesMS))
		}
		p := got.Protocol
		if p.SeqLen != tc.seq || p.MemLen != tc.mem || string(p.Output) != tc.output || p.Warmup != 1 || p.Threads != 1 {
			t.Errorf("%s: recorded protocol %+v", tc.preset, p)
		}
		env := got.Environment
		if env.OS == "" || env.Arch == "" || env.Threads != 1 || env.Ltsbench.GoVersion == "" || env.Device != "cpu" || env.CPUCores < 1 {
			t.Errorf("%s: environment %+v", tc.preset, env)
		}
	}
}

func TestMeasureLTSCompat(t *testing.T) {
	code, out, errOut := runMeasure(t, "--preset", "gpt2-tiny", "--lts-compat", "--threads", "1", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r bench.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, s := range r.SamplesMS {
		sum += s
	}
	if r.Latency.N != 10 || r.Protocol.Warmup != 2 || r.Protocol.Statistic != "mean" || !r.Protocol.LTSCompat {
		t.Fatalf("LTS-compat: n %d, protocol %+v", r.Latency.N, r.Protocol)
	}
	if d := r.LatencyMS() - sum/10; d > 1e-9 || d < -1e-9 {
		t.Fatalf("LTS latency %g, mean of the samples %g", r.LatencyMS(), sum/10)
	}
}

func TestMeasureTableAndBenchfmt(t *testing.T) {
	code, out, errOut := runMeasure(t, append([]string{"--preset", "gpt2-tiny"}, quick...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"gpt2-tiny", "decoder params  75,328", "latency", "median", "alloc peak"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = runMeasure(t, append([]string{"--preset", "gpt2-tiny", "--format", "benchfmt"}, quick...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "\nBenchmarkForward/gpt2-tiny-1\t1\t"); n != 3 {
		t.Errorf("%d result lines, want 3:\n%s", n, out)
	}
	for _, want := range []string{"goos: ", "goarch: ", "cpu: ", "device: cpu\n", " alloc-peak-B", " decoder-params", "Unit alloc-peak-B assume=exact better=lower\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("benchfmt lacks %q:\n%s", want, out)
		}
	}
}

func TestMeasureArchFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "arch.json")
	os.WriteFile(good, []byte(`{"backbone": "gpt2", "n_layer": 1, "d_model": 32, "n_head": 2, "d_inner": 64, "n_token": 100, "n_positions": 16}`), 0o644)
	code, out, errOut := runMeasure(t, append([]string{"--arch", good, "--format", "json"}, quick...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r bench.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Name != "" || r.Protocol.SeqLen != 16 {
		t.Fatalf("arch file: %v name %q seq %d", err, r.Name, r.Protocol.SeqLen)
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"backbone": "gpt2", "n_layer": 2`), 0o644)
	for _, f := range []string{bad, filepath.Join(dir, "missing.json")} {
		code, out, errOut := runMeasure(t, "--arch", f)
		if code != 1 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, f) {
			t.Errorf("--arch %s: exit %d, stdout %q, stderr %q: want exit 1 and one line naming the file", f, code, out, errOut)
		}
	}
}

func TestMeasureUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "exactly one of --arch"},
		{[]string{"--preset", "gpt2-tiny", "--arch", "x.json"}, "exactly one of --arch"},
		{[]string{"--preset", "gpt3"}, "--preset"},
		{[]string{"--preset", "gpt2-tiny", "extra"}, "no arguments"},
		{[]string{"--preset", "gpt2-tiny", "--device", "tpu"}, "--device"},
		{[]string{"--preset", "gpt2-tiny", "--format", "xml"}, "--format"},
		{[]string{"--preset", "gpt2-tiny", "--output", "all"}, "--output"},
		{[]string{"--preset", "gpt2-tiny", "--math", "fp16"}, "--math"},
		{[]string{"--preset", "gpt2-tiny", "--batch", "0"}, "--batch"},
		{[]string{"--preset", "gpt2-tiny", "--min-samples", "20", "--max-samples", "10"}, "--max-samples"},
		{[]string{"--preset", "gpt2-tiny", "--lts-compat", "--warmup", "5"}, "--warmup"},
		{[]string{"--preset", "gpt2-tiny", "--seq-len", "65"}, "n_positions"},
		{[]string{"--preset", "gpt2-tiny", "--min-time", "soon"}, "min-time"},
	} {
		code, out, errOut := runMeasure(t, tc.args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("measure %v: exit %d, stdout %q, stderr %q: want exit 2 and one line about %s", tc.args, code, out, errOut, tc.want)
		}
	}
}
