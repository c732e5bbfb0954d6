package space

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseSpaceOverridesDefaults(t *testing.T) {
	s, err := ParseSpace([]byte(`{"backbone": "gpt2", "n_layer": {"max": 6}, "div_val": [1, 2, 4],
		"adaptive": true, "min_decoder_params": 1e6, "d_inner_min_ratio": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := DefaultSpace(GPT2)
	want.NLayer.Max = 6
	want.DivVal = []int{1, 2, 4}
	want.MinDecoderParams = 1_000_000
	want.DInnerMinRatio = 2
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
	// What json.Marshal writes, ParseSpace reads back.
	data, _ := json.Marshal(s)
	back, err := ParseSpace(data)
	if err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("round trip: %v, %+v", err, back)
	}
	// A description with its size reads back as the space.
	var desc map[string]any
	json.Unmarshal(data, &desc)
	desc["log10_size"], desc["size_exact"], desc["size"] = 34.2, true, "123"
	data2, _ := json.Marshal(desc)
	if back, err := ParseSpace(data2); err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("description with size: %v, %+v", err, back)
	}
	path := filepath.Join(t.TempDir(), "space.json")
	os.WriteFile(path, data, 0o644)
	if l, err := LoadSpace(path); err != nil || !reflect.DeepEqual(l, s) {
		t.Errorf("LoadSpace: %v", err)
	}
}

func TestParseSpaceErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"backbone": "gpt2", "n_layers": {"max": 6}}`, `unknown key "n_layers"`},
		{`{"backbone": "gpt2", "n_layer": {"maxi": 6}}`, `n_layer: unknown field "maxi"`},
		{`{"n_layer": {"max": 6}}`, "backbone: missing"},
		{`{"backbone": "bert"}`, `backbone: "bert" is not gpt2 or transformer_xl`},
		{`{"backbone": "gpt2", "n_head": [2, "x"]}`, "n_head: [1]: want an integer"},
		{`{"backbone": "gpt2", "n_token": 1.5}`, "n_token: want an integer"},
		{`{"backbone": "gpt2", "n_layer": {"min": 8, "max": 6}}`, "n_layer: max 6 is below min 8"},
		{`{"backbone": "gpt2", "d_model": {"step": 0}}`, "d_model: step must be positive"},
		{`{"backbone": "gpt2", "div_val": []}`, "div_val: needs at least one choice"},
		{`{"backbone": "gpt2", "n_head": [2, 2]}`, "n_head[1]: 2 is listed twice"},
		{`{"backbone": "gpt2", "mem_len": 10}`, "mem_len: GPT-2 has no memory"},
		{`{"backbone": "transformer_xl", "adaptive": false}`, "adaptive: Transformer-XL is always adaptive"},
		{`{"backbone": "gpt2", "cutoffs": [500, 100]}`, "cutoffs: entry 1"},
		{`{"backbone": "gpt2", "max_decoder_params": 1e5}`, "max_decoder_params: 100000 is below min_decoder_params"},
		{`{"backbone": "gpt2", "d_inner_min_ratio": -1}`, "d_inner_min_ratio"},
		{`{"backbone": "gpt2"`, "malformed space JSON"},
		{`[1]`, "malformed space JSON"},
	} {
		_, err := ParseSpace([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSpace(%s): %v, want %q", c.in, err, c.want)
		}
	}
	if _, err := LoadSpace(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("LoadSpace of a missing file succeeded")
	}
}

func TestSpaceSet(t *testing.T) {
	s, _ := DefaultSpace(TransformerXL)
	for _, kv := range [][2]string{
		{"n_layer", "3:8"}, {"d_model", "256:512:128"}, {"d_inner", "1024"}, {"n_head", "4, 8"},
		{"div_val", "1,2,4"}, {"adaptive", "true"}, {"n_token", "1000"}, {"cutoffs", "200,500"},
		{"tgt_len", "64"}, {"mem_len", "0"}, {"d_inner_min_ratio", "2.5"},
		{"min_decoder_params", "1e6"}, {"max_decoder_params", "50000000"},
	} {
		if err := s.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	if s.NLayer != (Range{3, 8, 1}) || s.DModel != (Range{256, 512, 128}) || s.DInner != (Range{1024, 1024, 64}) ||
		!slices.Equal(s.NHead, []int{4, 8}) || !slices.Equal(s.DivVal, []int{1, 2, 4}) || s.NToken != 1000 ||
		!slices.Equal(s.Cutoffs, []int{200, 500}) || s.TgtLen != 64 || s.MemLen != 0 || s.DInnerMinRatio != 2.5 ||
		s.MinDecoderParams != 1e6 || s.MaxDecoderParams != 5e7 {
		t.Errorf("after Set: %+v", s)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	for _, kv := range [][2]string{
		{"n_layer", "3:8:1:2"}, {"n_layer", "x"}, {"n_head", "2,,4"}, {"adaptive", "maybe"},
		{"n_token", "1e3"}, {"min_decoder_params", "1.5"}, {"backbone", "gpt2"}, {"d_embed", "64"},
	} {
		if err := s.Set(kv[0], kv[1]); err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("Set(%s, %s): %v, want an error naming %s", kv[0], kv[1], err, kv[0])
		}
	}
}

// Widths, head counts, the vocabulary and the sequence lengths are bounded when a space
// file is parsed, before anything enumerates its choices (a d_model max of 1e11 listed
// billions of them).
func TestParseSpaceRefusesHugeDimensions(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"backbone": "gpt2", "d_model": {"min": 128, "max": 100000000000, "step": 64}}`, "d_model: max must be at most 65536"},
		{`{"backbone": "gpt2", "d_inner": {"min": 128, "max": 65537, "step": 1}}`, "d_inner: max must be at most 65536"},
		{`{"backbone": "gpt2", "n_head": [2, 131072]}`, "n_head[1]: must be at most 65536"},
		{`{"backbone": "gpt2", "n_token": 100000000, "cutoffs": []}`, "n_token: must be at most 16777216"},
		{`{"backbone": "transformer_xl", "mem_len": 100000000}`, "mem_len: must be at most 16777216"},
	} {
		if _, err := ParseSpace([]byte(c.json)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.json, err, c.want)
		}
	}
	s, err := ParseSpace([]byte(`{"backbone": "gpt2", "d_model": {"min": 128, "max": 65536, "step": 64}}`))
	if err != nil || s.DModel.Max != 65536 {
		t.Errorf("the bound itself is allowed: %v", err)
	}
}
