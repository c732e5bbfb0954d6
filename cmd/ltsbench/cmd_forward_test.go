package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/internal/golden"
	"github.com/ltsbench/ltsbench/internal/safetensors"
)

func runForward(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runContext(context.Background(), append([]string{"ltsbench", "forward"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

var goldenRoot = filepath.Join("..", "..", "testdata", "golden")

func bundleArgs(bundle, out string) []string {
	d := filepath.Join(goldenRoot, bundle)
	return []string{"--arch", filepath.Join(d, "config.json"), "--weights", filepath.Join(d, "model.safetensors"),
		"--inputs", filepath.Join(d, "inputs.safetensors"), "--out", out}
}

// TestForwardGolden: on every golden bundle, forward writes exactly the tensors of
// expected.safetensors, each within the README's tolerance.
func TestForwardGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(goldenRoot, "*", "expected.safetensors"))
	if err != nil || len(dirs) == 0 {
		t.Fatal("no golden bundles")
	}
	for _, f := range dirs {
		dir := filepath.Dir(f)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.safetensors")
			code, stdout, stderr := runForward(t, append(bundleArgs(filepath.Base(dir), out), "--threads", "2")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout: %q", stdout)
			}
			got, err := safetensors.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			exp, err := safetensors.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Names(), exp.Names()) {
				t.Errorf("wrote %v, expected has %v", got.Names(), exp.Names())
			}
			named, err := golden.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := golden.Compare(dir, named); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestForwardErrors: each bad input is one line on stderr, exit 2 for usage and 1 for
// failures, and no output file.
func TestForwardErrors(t *testing.T) {
	tmp := t.TempDir()
	// Inputs with an id outside the vocabulary, one without input_ids, one of floats.
	badIDs := filepath.Join(tmp, "bad_ids.safetensors")
	if err := safetensors.Write(badIDs, []safetensors.Tensor{safetensors.I64("input_ids", []int{1, 2}, []int64{3, 512})}, nil); err != nil {
		t.Fatal(err)
	}
	noIDs := filepath.Join(tmp, "no_ids.safetensors")
	if err := safetensors.Write(noIDs, []safetensors.Tensor{safetensors.I64("ids", []int{1, 2}, []int64{3, 4})}, nil); err != nil {
		t.Fatal(err)
	}
	floatIDs := filepath.Join(tmp, "float_ids.safetensors")
	if err := safetensors.Write(floatIDs, []safetensors.Tensor{safetensors.F32("input_ids", []int{1, 2}, []float32{3, 4})}, nil); err != nil {
		t.Fatal(err)
	}
	tooLong := filepath.Join(tmp, "too_long.safetensors")
	if err := safetensors.Write(tooLong, []safetensors.Tensor{safetensors.I64("input_ids", []int{1, 65}, make([]int64, 65))}, nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out.safetensors")
	good := bundleArgs("gpt2_hetero_small_init", out)
	with := func(flag, value string) []string {
		args := slices.Clone(good)
		i := slices.Index(args, flag)
		args[i+1] = value
		return args
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing flag", good[:6], 2, "out"},
		{"argument", append(slices.Clone(good), "extra"), 2, "no arguments"},
		{"device", append(slices.Clone(good), "--device", "tpu"), 2, "--device"},
		{"threads", append(slices.Clone(good), "--threads", "-1"), 2, "--threads"},
		{"no weights file", with("--weights", filepath.Join(tmp, "none.safetensors")), 1, "none.safetensors"},
		{"weights of another model", with("--weights", filepath.Join(goldenRoot, "gpt2_hetero_stress", "model.safetensors")), 1, "shape"},
		{"arch file", with("--arch", filepath.Join(goldenRoot, "gpt2_hetero_small_init", "model.safetensors")), 1, "--arch"},
		{"id outside the vocabulary", with("--inputs", badIDs), 1, "outside the vocabulary"},
		{"no input_ids", with("--inputs", noIDs), 1, "no tensor input_ids"},
		{"float ids", with("--inputs", floatIDs), 1, "dtype F32"},
		{"longer than n_positions", with("--inputs", tooLong), 1, "n_positions"},
		{"out in a missing directory", with("--out", filepath.Join(tmp, "no", "such", "dir", "o.safetensors")), 1, "--out"},
	} {
		code, stdout, stderr := runForward(t, c.args...)
		if code != c.code {
			t.Errorf("%s: exit %d, want %d (stderr %q)", c.name, code, c.code, stderr)
		}
		if !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: stderr %q, want one line mentioning %q", c.name, stderr, c.want)
		}
		if stdout != "" {
			t.Errorf("%s: stdout %q", c.name, stdout)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%s: wrote %s", c.name, out)
		}
	}
}
