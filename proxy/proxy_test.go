package proxy

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The five random sets of the LTS benchmark: models trained with perplexities.
var randomSets = []string{
	"random_GPT2_lm1b", "random_GPT2_wt103", "random_TransXL_lm1b", "random_TransXL_wt103",
	"random_TransXL_wt103_homogeneous",
}

func readSet(t *testing.T, set string) Study {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "lts-benchmark", set+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := Read(f, set, "valid_ppl")
	if err != nil {
		t.Fatalf("%s: %v", set, err)
	}
	return st
}

// The paper's finding on its own data: decoder params rank the trained models almost
// perfectly (ρ about −0.95 to −0.99 against perplexity) on every random set, and on
// WikiText-103 far better than total params. Model counts and the untrained models are
// those of the published files.
func TestReproducesPaper(t *testing.T) {
	n := map[string][2]int{ // trained, untrained
		"random_GPT2_lm1b": {200, 0}, "random_GPT2_wt103": {200, 0}, "random_TransXL_lm1b": {183, 3},
		"random_TransXL_wt103": {200, 0}, "random_TransXL_wt103_homogeneous": {98, 1},
	}
	for _, set := range randomSets {
		st := readSet(t, set)
		if st.Set != set || st.N != n[set][0] || st.Untrained != n[set][1] || len(st.Results) != len(Proxies) {
			t.Errorf("%s: set %q, %d trained, %d untrained, %d results; want %v", set, st.Set, st.N, st.Untrained, len(st.Results), n[set])
			continue
		}
		rho := map[string]float64{}
		for _, r := range st.Results {
			if r.Spearman == nil || r.Kendall == nil {
				t.Fatalf("%s %s: undefined correlation", set, r.Proxy)
			}
			rho[r.Proxy] = *r.Spearman
		}
		if rho["decoder_params"] > -0.94 {
			t.Errorf("%s: decoder params ρ = %.3f, want ≤ −0.94", set, rho["decoder_params"])
		}
		if strings.Contains(set, "wt103") && math.Abs(rho["decoder_params"])-math.Abs(rho["total_params"]) < 0.2 {
			t.Errorf("%s: decoder params ρ %.3f, total params ρ %.3f: want decoder far better", set, rho["decoder_params"], rho["total_params"])
		}
	}
}

// Four tiny models whose proxies all grow with d_inner, perplexities 40, 30, 35, 20 (one
// given as a single number, as the pareto sets do), and one untrained model. By hand:
// rank differences −3, 0, 0, 3, so ρ = 1 − 6·18/(4·15) = −0.8; one concordant and five
// discordant pairs, so τ = −4/6.
func TestByHand(t *testing.T) {
	row := func(dInner int, ppl string) string {
		s := `{"set": "tiny", "backbone": "transformer_xl", "config": {"n_layer": 1, "d_model": 16, "n_head": 2, "d_inner": ` +
			strconv.Itoa(dInner) + `, "n_token": 100, "cutoffs": [], "tgt_len": 8, "mem_len": 8}`
		if ppl != "" {
			s += `, "ppl": ` + ppl
		}
		return s + "}\n"
	}
	in := row(32, `{"valid_ppl": 40, "test_ppl": 41}`) + row(64, `{"valid_ppl": 30}`) + "\n" + row(96, "35") +
		row(128, `{"valid_ppl": 20}`) + row(160, "")
	st, err := Read(strings.NewReader(in), "file", "valid_ppl")
	if err != nil || st.Set != "tiny" || st.N != 4 || st.Untrained != 1 {
		t.Fatalf("%+v, %v", st, err)
	}
	for i, r := range st.Results {
		if r.Set != "tiny" || r.N != 4 || r.Proxy != Proxies[i].Key || r.Spearman == nil || r.Kendall == nil ||
			math.Abs(*r.Spearman+0.8) > 1e-12 || math.Abs(*r.Kendall+4.0/6) > 1e-12 {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	// Without a set name in the rows, the name given is the set; one model has no
	// correlation.
	st, err = Read(strings.NewReader(strings.ReplaceAll(row(32, "20"), `"set": "tiny", `, "")), "one_model", "valid_ppl")
	if err != nil || st.Set != "one_model" || st.Results[0].Spearman != nil || st.Results[0].Kendall != nil {
		t.Errorf("one model: %+v, %v", st, err)
	}
}

// Bad input: the line and what is wrong with it; a missing target is a
// MissingTargetError with the keys there are.
func TestErrors(t *testing.T) {
	good := `{"backbone": "gpt2", "config": {"n_layer": 1, "d_model": 8, "n_head": 2, "d_inner": 16, "n_token": 10, "tgt_len": 4}, "ppl": {"valid_ppl": 3}}` + "\n"
	for _, c := range []struct{ in, want string }{
		{good + `{"backbone": "gpt2", "config": {` + "\n", "2: malformed JSON"},
		{strings.Replace(good, `"n_head": 2`, `"n_head": 3`, 1), "1: config: n_head[0]: 3 does not divide d_model 8"},
		{strings.Replace(good, `"n_layer"`, `"n_layers"`, 1), `1: config: unknown key "n_layers"`},
		{`{"ppl": 3}` + "\n", `1: no "config" object`},
		{strings.Replace(good, `, "ppl": {"valid_ppl": 3}`, "", 1), "no trained models in the file"},
		{strings.Replace(good, `{"valid_ppl": 3}`, `"low"`, 1), `1: "ppl" is neither a number nor an object`},
		{strings.Replace(good, `{"valid_ppl": 3}`, `{"valid_ppl": "x"}`, 1), "1: ppl.valid_ppl: not a number"},
	} {
		if _, err := Read(strings.NewReader(c.in), "f", "valid_ppl"); err == nil || err.Error() != c.want && !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
	_, err := Read(strings.NewReader(good), "f", "test_ppl")
	var mt *MissingTargetError
	var le *LineError
	if !errors.As(err, &mt) || !errors.As(err, &le) || le.Line != 1 || mt.Target != "test_ppl" || len(mt.Have) != 1 || mt.Have[0] != "valid_ppl" {
		t.Errorf("missing target: %v", err)
	}
}
