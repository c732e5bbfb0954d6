package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/proxy"
)

// The five random sets of the LTS benchmark: models trained with perplexities.
var randomSets = []string{
	"../../testdata/lts-benchmark/random_GPT2_lm1b.jsonl",
	"../../testdata/lts-benchmark/random_GPT2_wt103.jsonl",
	"../../testdata/lts-benchmark/random_TransXL_lm1b.jsonl",
	"../../testdata/lts-benchmark/random_TransXL_wt103.jsonl",
	"../../testdata/lts-benchmark/random_TransXL_wt103_homogeneous.jsonl",
}

// untrainedNotes is what the command says on stderr about the random sets' models
// without a perplexity.
const untrainedNotes = `../../testdata/lts-benchmark/random_TransXL_lm1b.jsonl: left out 3 model(s) without "ppl" (not trained)
../../testdata/lts-benchmark/random_TransXL_wt103_homogeneous.jsonl: left out 1 model(s) without "ppl" (not trained)
`

// Every format over the paper's data, against golden files; the flags may also come
// after the files.
func TestProxyGolden(t *testing.T) {
	for format, golden := range map[string]string{
		"table": "proxy_random.txt", "markdown": "proxy_random.md", "latex": "proxy_random.tex",
		"csv": "proxy_random.csv", "json": "proxy_random.json",
	} {
		code, out, errOut := runLtsbench(t, append([]string{"proxy", "--format", format}, randomSets...)...)
		if code != 0 || errOut != untrainedNotes {
			t.Fatalf("%s: exit %d, stderr %q", format, code, errOut)
		}
		checkGolden(t, golden, out)
	}
	args := append(append([]string{"proxy"}, randomSets[:2]...), "--format=csv", "--target", "valid_ppl")
	code, out, _ := runLtsbench(t, args...)
	want, _ := os.ReadFile(filepath.Join("testdata", "proxy_random.csv"))
	if lines := strings.SplitAfter(string(want), "\n"); code != 0 || out != strings.Join(lines[:7], "") {
		t.Errorf("flags after the files: exit %d, output\n%s", code, out)
	}
}

// The command over a file (the study itself is tested in package proxy): four tiny
// models whose proxies all grow with d_inner, perplexities 40, 30, 35, 20 (one
// given as a single number, as the pareto sets do), and one untrained model. By hand:
// rank differences −3, 0, 0, 3, so ρ = 1 − 6·18/(4·15) = −0.8; one concordant and five
// discordant pairs, so τ = −4/6.
func TestProxyByHand(t *testing.T) {
	row := func(dInner int, ppl string) string {
		s := `{"set": "tiny", "backbone": "transformer_xl", "config": {"n_layer": 1, "d_model": 16, "n_head": 2, "d_inner": ` +
			itoa(dInner) + `, "n_token": 100, "cutoffs": [], "tgt_len": 8, "mem_len": 8}`
		if ppl != "" {
			s += `, "ppl": ` + ppl
		}
		return s + "}\n"
	}
	path := filepath.Join(t.TempDir(), "tiny.jsonl")
	os.WriteFile(path, []byte(row(32, `{"valid_ppl": 40, "test_ppl": 41}`)+row(64, `{"valid_ppl": 30}`)+
		"\n"+row(96, "35")+row(128, `{"valid_ppl": 20}`)+row(160, "")), 0o644)
	code, out, errOut := runLtsbench(t, "proxy", path, "--format", "json")
	if code != 0 || errOut != path+": left out 1 model(s) without \"ppl\" (not trained)\n" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var rs []proxy.Result
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d results: %s", len(rs), out)
	}
	for i, r := range rs {
		if r.Set != "tiny" || r.N != 4 || r.Proxy != proxy.Proxies[i].Key || r.Spearman == nil || r.Kendall == nil ||
			math.Abs(*r.Spearman+0.8) > 1e-12 || math.Abs(*r.Kendall+4.0/6) > 1e-12 {
			t.Errorf("result %d: %s", i, out)
		}
	}
	// The raw object has exactly the five keys.
	var raw []map[string]any
	json.Unmarshal([]byte(out), &raw)
	if len(raw[0]) != 5 {
		t.Errorf("keys %v, want set, n, proxy, spearman, kendall", raw[0])
	}
	// Without a set name in the rows, the file name is the set; one model has no
	// correlation (null in JSON, n/a in tables).
	one := filepath.Join(t.TempDir(), "one_model.jsonl")
	os.WriteFile(one, []byte(strings.ReplaceAll(row(32, "20"), `"set": "tiny", `, "")), 0o644)
	code, out, _ = runLtsbench(t, "proxy", one, "--format", "json")
	if code != 0 || !strings.Contains(out, `"set": "one_model"`) || !strings.Contains(out, `"spearman": null`) {
		t.Errorf("one model: exit %d, %s", code, out)
	}
	code, out, _ = runLtsbench(t, "proxy", one)
	if code != 0 || !strings.Contains(out, "n/a") {
		t.Errorf("one model, table: exit %d, %s", code, out)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestProxyErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	good := `{"backbone": "gpt2", "config": {"n_layer": 1, "d_model": 8, "n_head": 2, "d_inner": 16, "n_token": 10, "tgt_len": 4}, "ppl": {"valid_ppl": 3}}` + "\n"
	malformed := write("malformed.jsonl", good+`{"backbone": "gpt2", "config": {`+"\n")
	badConfig := write("bad_config.jsonl", strings.Replace(good, `"n_head": 2`, `"n_head": 3`, 1))
	unknownKey := write("unknown_key.jsonl", strings.Replace(good, `"n_layer"`, `"n_layers"`, 1))
	noConfig := write("no_config.jsonl", `{"ppl": 3}`+"\n")
	untrained := write("untrained.jsonl", strings.Replace(good, `, "ppl": {"valid_ppl": 3}`, "", 1))
	badPPL := write("bad_ppl.jsonl", strings.Replace(good, `{"valid_ppl": 3}`, `"low"`, 1))
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"proxy"}, 2, "proxy needs at least one FILE.jsonl"},
		{[]string{"proxy", malformed, "--format", "html"}, 2, `--format: "html" is not one of table, markdown, latex, csv, json`},
		{[]string{"proxy", malformed, "--fromat", "csv"}, 2, "flag provided but not defined: --fromat"},
		{[]string{"proxy", malformed, "--format"}, 2, "--format needs a value"},
		{[]string{"proxy", "--target", "", malformed}, 2, "--target: empty"},
		{[]string{"proxy", filepath.Join(dir, "none.jsonl")}, 1, "open " + filepath.Join(dir, "none.jsonl")},
		{[]string{"proxy", dir}, 1, dir},
		{[]string{"proxy", malformed}, 1, malformed + ":2: malformed JSON"},
		{[]string{"proxy", badConfig}, 1, badConfig + ":1: config: n_head[0]: 3 does not divide d_model 8"},
		{[]string{"proxy", unknownKey}, 1, unknownKey + `:1: config: unknown key "n_layers"`},
		{[]string{"proxy", noConfig}, 1, noConfig + `:1: no "config" object`},
		{[]string{"proxy", untrained}, 1, untrained + ": no trained models"},
		{[]string{"proxy", badPPL}, 1, `"ppl" is neither a number nor an object`},
		{[]string{"proxy", badConfig, "--target", "test_ppl"}, 1, "config"},
		{[]string{"proxy", write("target.jsonl", good), "--target", "test_ppl"}, 1, `:1: "ppl" has no "test_ppl" (it has valid_ppl); choose with --target`},
	} {
		wantFailure(t, c.args, c.code, c.want)
	}
}
