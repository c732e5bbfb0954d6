package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/space"
)

// The JSON counts of a benchmark row's config are the counts published with it.
func TestParamsJSONReproducesBenchmarkRow(t *testing.T) {
	f, err := os.Open("../../testdata/lts-benchmark/random_TransXL_wt103.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	sc.Scan()
	var row struct {
		Backbone string
		Config   map[string]any
		Params   struct {
			Nonembedding, Total float64
		}
	}
	if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
		t.Fatal(err)
	}
	row.Config["backbone"] = row.Backbone
	path := filepath.Join(t.TempDir(), "arch.json")
	data, _ := json.Marshal(row.Config)
	os.WriteFile(path, data, 0o644)

	code, out, errOut := runLtsbench(t, "params", "--arch", path, "--format", "json")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var got map[string]float64
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(got) != 4 {
		t.Errorf("keys: %v, want decoder_params, total_params, embedding_params, flops_per_token", got)
	}
	if got["decoder_params"] != row.Params.Nonembedding || got["total_params"] != row.Params.Total {
		t.Errorf("got %v, published nonembedding %.0f, total %.0f", got, row.Params.Nonembedding, row.Params.Total)
	}
	if got["embedding_params"] != got["total_params"]-got["decoder_params"] {
		t.Errorf("embedding_params %v is not total − decoder", got["embedding_params"])
	}
	a, _ := space.ParseArch(data)
	if got["flops_per_token"] != a.FLOPsPerToken() {
		t.Errorf("flops_per_token %v, want %v", got["flops_per_token"], a.FLOPsPerToken())
	}
}

func TestParamsTable(t *testing.T) {
	arch := "../../testdata/golden/gpt2_hetero_small_init/config.json"
	a, err := space.LoadArch(arch)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runLtsbench(t, "params", "--arch", arch)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"│ decoder params", groupDigits(a.DecoderParams()), "│ total params", groupDigits(a.TotalParams()), a.Key(), "FLOPs per token"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestParamsErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	good := "../../testdata/golden/gpt2_hetero_small_init/config.json"
	malformed := write("malformed.json", `{"backbone": "gpt2", "n_layer": 2,`)
	unknown := write("unknown.json", `{"backbone": "gpt2", "n_layer": 1, "d_model": 8, "n_head": 2, "d_inner": 16, "n_token": 10, "tgt_len": 4, "n_heads": 2}`)
	impossible := write("impossible.json", `{"backbone": "gpt2", "n_layer": 1, "d_model": 8, "n_head": 3, "d_inner": 16, "n_token": 10, "tgt_len": 4}`)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"params"}, 2, "params needs --arch FILE"},
		{[]string{"params", "--arch", good, "--format", "yaml"}, 2, `--format: "yaml" is not one of table, json`},
		{[]string{"params", "--arch", good, "extra"}, 2, "params takes no arguments"},
		{[]string{"params", "--arhc", good}, 2, "flag provided but not defined"},
		{[]string{"params", "--arch", filepath.Join(dir, "none.json")}, 1, "--arch: open " + filepath.Join(dir, "none.json")},
		{[]string{"params", "--arch", malformed}, 1, malformed + ": malformed architecture JSON"},
		{[]string{"params", "--arch", unknown}, 1, `unknown key "n_heads"`},
		{[]string{"params", "--arch", impossible}, 1, "n_head[0]: 3 does not divide d_model 8"},
		{[]string{"params", "--arch", dir}, 1, dir},
	} {
		wantFailure(t, c.args, c.code, c.want)
	}
}
