package space

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every config of the benchmark parses; d_embed -1 resolves to d_model and the cutoffs
// are cleaned per file as Archai does (the published parameter counts, which depend on
// both, are checked in params_test.go).
func TestParseBenchmarkConfigs(t *testing.T) {
	// The five (cutoffs, n_token) pairs of the benchmark, cleaned by hand.
	wantCutoffs := map[string][]int{
		"[59997,99997,639997,50264] 50264":   {}, // stops at 99997; 59997 clamped to 50264
		"[19997,39997,199997,50264] 50264":   {19997, 39997},
		"[19997,39997,199997] 50257":         {19997, 39997},
		"[19997,39997,199997,267736] 267736": {19997, 39997, 199997},
		"[59997,99997,639997,267735] 267735": {59997, 99997},
		"[59997,99997,639997,793470] 793470": {59997, 99997, 639997},
	}
	for _, r := range readBenchRows(t) {
		a, err := r.arch, r.err
		if err != nil {
			t.Fatalf("%s %s: %v", r.file, r.id, err)
		}
		var raw map[string]any
		json.Unmarshal(r.config, &raw)
		if raw["d_embed"].(float64) <= 0 && a.DEmbed != a.DModel {
			t.Errorf("%s %s: d_embed %v resolved to %d, want d_model %d", r.file, r.id, raw["d_embed"], a.DEmbed, a.DModel)
		}
		cs, _ := json.Marshal(raw["cutoffs"])
		pair := fmt.Sprintf("%s %v", cs, raw["n_token"])
		if want, ok := wantCutoffs[pair]; !ok {
			t.Errorf("%s %s: no expectation for cutoffs and n_token %s", r.file, r.id, pair)
		} else if !slices.Equal(a.Cutoffs, want) {
			t.Errorf("%s %s: cutoffs %v, want %v", r.file, r.id, a.Cutoffs, want)
		}
		if len(a.NHead) != a.NLayer || len(a.DInner) != a.NLayer || len(a.TieProjs) != len(a.Cutoffs)+1 {
			t.Errorf("%s %s: lists not normalised: %+v", r.file, r.id, a)
		}
	}
}

func TestParseGoldenConfigs(t *testing.T) {
	want := map[string]string{
		"gpt2_flex_adaptive_div2":  "gpt2_flex:L3:d64:h2,4,8:i192,96,256:V1000:T24:e96:k2:c200,500:p010",
		"gpt2_hetero_small_init":   "gpt2:L3:d64:h2,4,8:i128,256,192:V512:T64",
		"gpt2_hetero_stress":       "gpt2:L3:d96:h3,8,1:i384,96,200:V640:T48",
		"txl_hetero_adaptive_div2": "transformer_xl:L3:d64:h4,1,2:i192,64,128:V1000:T12:M20:e64:k2:c200,500:p011",
		"txl_hetero_plain_softmax": "transformer_xl:L3:d64:h2,4,8:i128,256,96:V500:T16:M16:e64:k1:c:p1",
	}
	files, _ := filepath.Glob("../testdata/golden/*/config.json")
	if len(files) != len(want) {
		t.Fatalf("%d golden configs, want %d", len(files), len(want))
	}
	for _, f := range files {
		a, err := LoadArch(f)
		if err != nil {
			t.Fatal(err)
		}
		if k := want[filepath.Base(filepath.Dir(f))]; a.Key() != k {
			t.Errorf("%s: key %s, want %s", f, a.Key(), k)
		}
	}
}

// base is a valid Transformer-XL config; tests change one key at a time.
func base() map[string]any {
	return map[string]any{
		"backbone": "transformer_xl", "n_layer": 2, "d_model": 64, "n_head": []int{2, 4},
		"d_inner": []int{128, 256}, "d_embed": 64, "div_val": 2, "n_token": 1000,
		"cutoffs": []int{200, 500}, "tgt_len": 16, "mem_len": 16,
	}
}

func parseMap(t *testing.T, m map[string]any) (*Arch, error) {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return ParseArch(data)
}

func with(kv ...any) map[string]any {
	m := base()
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
		} else {
			m[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}

func TestParseNormalises(t *testing.T) {
	a, err := parseMap(t, with("n_head", []int{2, 4, 8, 16}, "d_inner", 300, "d_embed", -1, "tie_projs", []bool{false, true, false, true, true}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.NHead, []int{2, 4}) || !slices.Equal(a.DInner, []int{300, 300}) {
		t.Errorf("per-layer lists: n_head %v, d_inner %v; want [2 4], [300 300]", a.NHead, a.DInner)
	}
	if a.DEmbed != 64 {
		t.Errorf("d_embed -1 gave %d, want d_model 64", a.DEmbed)
	}
	if !slices.Equal(a.TieProjs, []bool{false, true, false}) {
		t.Errorf("tie_projs %v, want the first 3 values", a.TieProjs)
	}
	a, err = parseMap(t, with("d_embed", 0, "tie_projs", []bool{}))
	if err != nil || a.DEmbed != 64 || !slices.Equal(a.TieProjs, []bool{false, true, true}) {
		t.Errorf("d_embed 0 and empty tie_projs: %v, %+v; want d_model and Archai's default", err, a)
	}
	// Aliases of Hugging Face configs.
	a, err = parseMap(t, with("n_token", nil, "vocab_size", 1000, "tgt_len", nil, "n_positions", 16))
	if err != nil || a.NToken != 1000 || a.TgtLen != 16 {
		t.Errorf("aliases: %v, %+v", err, a)
	}
	// Archai writes some sizes as floats.
	a, err = parseMap(t, with("d_model", 64.0, "n_layer", 2.0))
	if err != nil || a.DModel != 64 {
		t.Errorf("integral floats: %v", err)
	}
}

// Archai's clean_cutoffs, traced by hand on each input.
func TestCleanCutoffs(t *testing.T) {
	for _, c := range []struct {
		in      []int
		n       int
		want    []int
		wantErr string
	}{
		{[]int{}, 1000, []int{}, ""},
		{[]int{200, 500}, 1000, []int{200, 500}, ""},
		{[]int{200, 500, 1000}, 1000, []int{200, 500}, ""},
		{[]int{200, 500, 1200}, 1000, []int{200, 500}, ""}, // walk stops at 1200
		{[]int{200, 1200, 900}, 1000, []int{200}, ""},      // stops at 1200; 900 never read
		{[]int{1200, 900}, 1000, nil, "not above"},         // 900 ≤ 1200 before the stop
		{[]int{1200, 1300}, 1000, []int{}, ""},             // [1200] clamped to 1000
		{[]int{59997, 99997, 639997, 50264}, 50264, []int{}, ""},
		{[]int{19997, 39997, 199997, 50264}, 50264, []int{19997, 39997}, ""},
		{[]int{19997, 39997, 199997}, 267735, []int{19997, 39997, 199997}, ""},
		{[]int{200, 200}, 1000, nil, "not above"},
		{[]int{500, 200}, 1000, nil, "not above"},
		{[]int{1000}, 1000, []int{}, ""},
		{[]int{1000, 1001}, 1000, []int{}, ""},
		{[]int{0, 5}, 1000, nil, "positive"},
		{[]int{-3}, 1000, nil, "positive"},
	} {
		got, err := CleanCutoffs(c.in, c.n)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("CleanCutoffs(%v, %d) = %v, %v; want an error with %q", c.in, c.n, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("CleanCutoffs(%v, %d) = %v, %v; want %v", c.in, c.n, got, err, c.want)
		}
	}
	// A missing list is Archai's default, cleaned for the vocabulary.
	a, err := parseMap(t, with("cutoffs", nil, "n_token", 50264))
	if err != nil || !slices.Equal(a.Cutoffs, []int{19997, 39997}) {
		t.Errorf("missing cutoffs: %v, %v; want the default [19997 39997]", err, a)
	}
	a, err = parseMap(t, with("cutoffs", nil))
	if err != nil || len(a.Cutoffs) != 0 {
		t.Errorf("missing cutoffs, n_token 1000: %v, %v; want none", err, a)
	}
}

// Each broken rule gives an error that names the field.
func TestParseErrorsNameTheField(t *testing.T) {
	for _, c := range []struct {
		m    map[string]any
		want string
	}{
		{with("n_head", []int{3, 4}), "n_head[0]: 3 does not divide d_model 64"},
		{with("n_head", []int{2}), "n_head: has 1 values, n_layer is 2"},
		{with("d_inner", []int{128}), "d_inner: has 1 values"},
		{with("d_inner", []int{128, 0}), "d_inner[1]: must be positive"},
		{with("n_head", []int{2, -4}), "n_head[1]: must be positive"},
		{with("d_model", 0), "d_model: must be positive"},
		{with("d_model", 65, "n_head", 1), "d_model: Transformer-XL's sinusoidal positions need an even"},
		{with("n_layer", 0), "n_layer: must be between 1"},
		{with("n_layer", -2), "n_layer: must be between 1"},
		{with("n_layer", 1e12), "n_layer"},
		{with("n_layer", nil), "n_layer: missing"},
		{with("d_inner", nil), "d_inner: missing"},
		{with("n_token", nil), "n_token: missing"},
		{with("tgt_len", 0), "tgt_len: must be positive"},
		{with("mem_len", -1), "mem_len: must be ≥ 0"},
		{with("div_val", 0), "div_val: must be positive"},
		{with("d_embed", 4, "div_val", 4, "cutoffs", []int{100, 200, 300}), "div_val: cluster 2 would be 4/4^2 = 0 wide"},
		{with("cutoffs", []int{500, 200}), "cutoffs: entry 1 (200) is not above entry 0 (500)"},
		{with("tie_projs", []bool{false}), "tie_projs: has 1 values, need one per softmax cluster (3)"},
		{with("tie_projs", []any{"yes", true, true}), "tie_projs[0]: want true or false"},
		{with("n_head", "four"), "n_head: want a list of integers"},
		{with("n_head", []any{2, 4.5}), "n_head[1]: want an integer"},
		{with("d_model", "64"), "d_model: want an integer"},
		{with("backbone", "bert"), `backbone: "bert" is not gpt2 or transformer_xl`},
		{with("backbone", nil), "backbone: missing"},
		{with("adaptive", false), "adaptive: Transformer-XL is always adaptive"},
		{with("n_toekn", 5), `unknown key "n_toekn"`},
		{with("vocab_size", 999), "vocab_size: 999 contradicts n_token 1000"},
		{with("d_head", 32), "d_head: 32 contradicts d_model/n_head[1] = 16"},
		{with("d_head", []int{32, 32}), "d_head[1]: 32 contradicts"},
		{with("activation_function", "relu"), "activation_function"},
		{with("layer_norm_epsilon", 1e-6), "layer_norm_epsilon"},
		{with("pre_lnorm", true), "pre_lnorm"},
		{with("attn_type", 2), "attn_type"},
		{with("same_length", true), "same_length"},
		{with("clamp_len", 100), "clamp_len"},
		{with("model_type", "gpt2"), `model_type: "gpt2" contradicts backbone`},
		{with("model_type", "bert"), "model_type"},
		{with("d_model", 51200, "n_head", 2, "d_embed", -1), "architecture too large"},
		{with("d_model", 1<<36, "n_head", 2, "d_embed", -1), "architecture too large"},
		{with("n_token", 1<<39), "architecture too large"},
	} {
		_, err := parseMap(t, c.m)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to contain %q", diff(c.m), err, c.want)
		}
	}
	for _, bad := range []string{``, `[]`, `null`, `{"n_layer": 2,}`, `{} {}`, `"x"`} {
		if _, err := ParseArch([]byte(bad)); err == nil {
			t.Errorf("ParseArch(%q) accepted", bad)
		}
	}
}

// diff shows the keys of m that differ from base, for error messages.
func diff(m map[string]any) string {
	b := base()
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		bj, _ := json.Marshal(b[k])
		mj, _ := json.Marshal(m[k])
		if string(bj) != string(mj) {
			out = append(out, k+"="+string(mj))
		}
	}
	for k := range b {
		if _, ok := m[k]; !ok {
			out = append(out, "-"+k)
		}
	}
	return strings.Join(out, " ")
}

// Keys that Hugging Face and Archai configs carry without changing the model are
// accepted, and the checked ones with the value our equations implement.
func TestParseAcceptsHarmlessKeys(t *testing.T) {
	m := with("dropout", 0.1, "dropatt", 0.0, "init_range", 0.1, "tie_weight", true,
		"golden", map[string]any{"seed": 1}, "d_head", []int{32, 16}, "layer_norm_epsilon", 1e-5,
		"attn_type", 0, "pre_lnorm", false, "same_length", false, "clamp_len", -1, "ext_len", 0,
		"model_type", "mem_transformer", "primer_conv", false, "adaptive", true)
	if _, err := parseMap(t, m); err != nil {
		t.Fatal(err)
	}
	g := map[string]any{"model_type": "gpt2", "n_layer": 1, "d_model": 8, "n_head": 2, "d_inner": 16,
		"vocab_size": 10, "n_positions": 4, "activation_function": "gelu_new", "initializer_range": 0.02,
		"embd_pdrop": 0.1, "n_ctx": 4, "architectures": []string{"GPT2LMHeadModel"}}
	a, err := parseMap(t, g)
	if err != nil || a.Backbone != GPT2 || a.Adaptive {
		t.Fatalf("Hugging Face GPT-2 config: %v, %+v", err, a)
	}
}

// MarshalJSON writes what ParseArch reads back to the same architecture.
func TestArchJSONRoundTrip(t *testing.T) {
	for _, r := range readBenchRows(t) {
		a, err := r.arch, r.err
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var b Arch
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatalf("%s %s: %s does not parse back: %v", r.file, r.id, data, err)
		}
		if a.Key() != b.Key() || a.TotalParams() != b.TotalParams() {
			t.Errorf("%s %s: round trip changed %s into %s", r.file, r.id, a.Key(), b.Key())
		}
	}
}
