package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/space"
)

func TestSpaceDescribes(t *testing.T) {
	for _, b := range []space.Backbone{space.GPT2, space.TransformerXL} {
		s, _ := space.DefaultSpace(b)
		code, out, errOut := runLtsbench(t, "space", "--space", string(b))
		if code != 0 || errOut != "" {
			t.Fatalf("%s: exit %d, stderr %q", b, code, errOut)
		}
		for _, want := range []string{"│ n_layer", s.NLayer.String(), "128…960 step 64", "128…4032 step 64", "2, 4, 8", "exact: " + s.Size().String()} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: table lacks %q:\n%s", b, want, out)
			}
		}
		code, out, errOut = runLtsbench(t, "space", "--space", string(b), "--format", "json")
		if code != 0 || errOut != "" {
			t.Fatalf("%s json: exit %d, stderr %q", b, code, errOut)
		}
		// The description reads back as the space, and carries its exact size.
		back, err := space.ParseSpace([]byte(out))
		if err != nil || !reflect.DeepEqual(back, s) {
			t.Errorf("%s: --format json does not read back as the default space: %v", b, err)
		}
		var j struct {
			Log10Size float64 `json:"log10_size"`
			SizeExact bool    `json:"size_exact"`
			Size      string  `json:"size"`
		}
		json.Unmarshal([]byte(out), &j)
		l, _ := s.Log10Size()
		if !j.SizeExact || j.Size != s.Size().String() || j.Log10Size != l {
			t.Errorf("%s: size %+v", b, j)
		}
	}
}

func TestSpaceOverrides(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "space.json")
	os.WriteFile(file, []byte(`{"backbone": "gpt2", "n_layer": {"max": 6}, "n_head": [2, 4]}`), 0o644)
	code, out, errOut := runLtsbench(t, "space", "--space-file", file, "--n-layer", "3:5", "--div-val", "1,2,4",
		"--max-decoder-params", "5e7", "--adaptive=false", "--format", "json")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	got, err := space.ParseSpace([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := space.DefaultSpace(space.GPT2)
	want.NLayer = space.Range{Min: 3, Max: 5, Step: 1}
	want.NHead = []int{2, 4}
	want.DivVal = []int{1, 2, 4}
	want.MaxDecoderParams = 5e7
	want.Adaptive = false
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestSpaceSample(t *testing.T) {
	s, _ := space.DefaultSpace(space.TransformerXL)
	run := func(seed string) []string {
		code, out, errOut := runLtsbench(t, "space", "--space", "transformer_xl", "--sample", "20", "--seed", seed)
		if code != 0 || errOut != "" {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 20 {
			t.Fatalf("%d lines, want 20", len(lines))
		}
		keys := map[string]bool{}
		for _, l := range lines {
			a, err := space.ParseArch([]byte(l))
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			if err := s.Check(a); err != nil {
				t.Errorf("%s outside the space: %v", a.Key(), err)
			}
			keys[a.Key()] = true
		}
		if len(keys) != 20 {
			t.Errorf("only %d distinct architectures", len(keys))
		}
		return lines
	}
	a, b, c := run("3"), run("3"), run("4")
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave different samples")
	}
	if reflect.DeepEqual(a, c) {
		t.Error("different seeds gave the same samples")
	}
	// One layer, one d_model, one d_inner: the three head counts make 3 architectures.
	wantFailure(t, []string{"space", "--space", "gpt2", "--n-layer", "1", "--d-model", "512", "--d-inner", "1024",
		"--min-decoder-params", "0", "--sample", "4"}, 2, "only 3 valid architectures")
	code, out, _ := runLtsbench(t, "space", "--space", "gpt2", "--n-layer", "1", "--d-model", "512", "--d-inner", "1024",
		"--min-decoder-params", "0", "--sample", "3")
	if code != 0 || strings.Count(out, "\n") != 3 {
		t.Errorf("all 3 of a 3-architecture space: exit %d, %q", code, out)
	}
}

func TestSpaceErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"backbone": "gpt2", "n_layers": 3}`), 0o644)
	malformed := filepath.Join(dir, "malformed.json")
	os.WriteFile(malformed, []byte(`{"backbone": `), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"space"}, 2, "say which space"},
		{[]string{"space", "--space", "bert"}, 2, `--space: "bert" is not gpt2 or transformer_xl`},
		{[]string{"space", "--space", "gpt2", "--format", "csv"}, 2, `--format: "csv"`},
		{[]string{"space", "--space", "gpt2", "--n-layer", "two"}, 2, "--n-layer: n_layer"},
		{[]string{"space", "--space", "gpt2", "--n-layer", "8:3"}, 2, "n_layer: max 3 is below min 8"},
		{[]string{"space", "--space", "gpt2", "--n-head", "2,x"}, 2, "--n-head"},
		{[]string{"space", "--space", "gpt2", "--mem-len", "10"}, 2, "mem_len: GPT-2 has no memory"},
		{[]string{"space", "--space", "transformer_xl", "--adaptive=false"}, 2, "Transformer-XL is always adaptive"},
		{[]string{"space", "--space", "gpt2", "--sample", "0"}, 2, "--sample: want a positive count"},
		{[]string{"space", "--space", "gpt2", "--min-decoder-params", "2e8", "--max-decoder-params", "3e8", "--sample", "1"}, 2, "--sample: no architecture satisfies"},
		{[]string{"space", "--space", "gpt2", "stray"}, 2, "space takes no arguments"},
		{[]string{"space", "--space-file", filepath.Join(dir, "none.json")}, 1, "--space-file: open"},
		{[]string{"space", "--space-file", bad}, 1, bad + `: unknown key "n_layers"`},
		{[]string{"space", "--space-file", malformed}, 1, malformed + ": malformed space JSON"},
		{[]string{"space", "--space-file", bad, "--space", "transformer_xl"}, 1, `unknown key`},
	} {
		wantFailure(t, c.args, c.code, c.want)
	}
}
