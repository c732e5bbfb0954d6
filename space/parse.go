package space

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ltsbench/ltsbench/internal/inputfile"
)

// ignoredKeys are keys that Hugging Face, Archai and our golden configs carry without
// changing the inference architecture. They are accepted and not used.
var ignoredKeys = map[string]bool{
	"golden": true, "dropout": true, "dropatt": true, "embd_pdrop": true, "resid_pdrop": true,
	"attn_pdrop": true, "summary_first_dropout": true, "init": true, "init_range": true,
	"init_std": true, "proj_init_std": true, "initializer_range": true, "tie_weight": true,
	"tie_word_embeddings": true, "architectures": true, "bos_token_id": true,
	"eos_token_id": true, "use_cache": true, "scale_attn_weights": true,
	"summary_type": true, "summary_use_proj": true, "summary_activation": true,
	"summary_proj_to_labels": true, "task_specific_params": true, "torch_dtype": true,
	"transformers_version": true, "n_ctx": true, "primer_conv": true, "primer_square": true,
	"reorder_and_upcast_attn": true, "scale_attn_by_inverse_layer_idx": true,
	"name": true, "id": true, "adaptive_input": true, "sample_softmax": true,
	"dtype": true, "fp16": true, "use_cache_mems": true,
}

// checkedKeys are accepted only with the value our equations implement; another value
// would describe a different model, so it is an error rather than a silent mismatch.
var checkedKeys = map[string]bool{
	"d_head": true, "activation_function": true, "layer_norm_epsilon": true,
	"attn_type": true, "pre_lnorm": true, "same_length": true, "clamp_len": true,
	"ext_len": true, "model_type": true,
}

// knownKeys are the architecture keys ParseArch reads.
var knownKeys = map[string]bool{
	"backbone": true, "adaptive": true, "n_layer": true, "d_model": true, "n_head": true,
	"d_inner": true, "d_embed": true, "div_val": true, "n_token": true, "vocab_size": true,
	"cutoffs": true, "tgt_len": true, "seq_len": true, "n_positions": true, "mem_len": true,
	"tie_projs": true,
}

// MaxLayers bounds n_layer before the per-layer lists are allocated.
const MaxLayers = 4096

// MaxWeightBytes bounds the float32 weights of an architecture ParseArch accepts (16 GiB):
// far above anything LTS searches, low enough that a typo like d_model 51200 is caught
// before anything is allocated.
const MaxWeightBytes = 16 << 30

// LoadArch reads an architecture JSON file. Errors name the file.
func LoadArch(path string) (*Arch, error) {
	data, err := inputfile.ReadFile(path, inputfile.MaxJSONBytes)
	if err != nil {
		return nil, err
	}
	a, err := ParseArch(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// ParseArch reads one architecture in the LTS/Archai key names (also the config object
// of a row of the LTS benchmark and a golden config.json), normalises it and validates it.
func ParseArch(data []byte) (*Arch, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("malformed architecture JSON: %v", jsonErr(err))
	}
	if raw == nil {
		return nil, errors.New("architecture JSON must be an object")
	}
	if dec.More() {
		return nil, errors.New("malformed architecture JSON: more than one value")
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !knownKeys[k] && !ignoredKeys[k] && !checkedKeys[k] {
			return nil, fmt.Errorf("unknown key %q (a typo? known keys: backbone, adaptive, n_layer, d_model, n_head, d_inner, d_embed, div_val, n_token, cutoffs, tgt_len, mem_len, tie_projs)", k)
		}
	}
	p := parser{raw: raw}
	a := &Arch{}

	modelType := p.str("model_type")
	backbone := p.str("backbone")
	var mt *ModelType // the type model_type names
	if modelType != "" {
		if mt = modelTypeNamed(modelType); mt == nil {
			p.fail("model_type", "%q is not one of %s", modelType, modelTypeList())
		}
	}
	switch {
	case backbone != "":
		a.Backbone = Backbone(backbone)
		if !a.Backbone.Known() {
			p.fail("backbone", "%q is not %s", backbone, backboneList())
		}
	case mt != nil:
		a.Backbone = mt.Backbone
	case p.err == nil:
		p.fail("backbone", "missing (and no model_type): say %s", backboneList())
	}
	if mt != nil && p.err == nil && mt.Backbone != a.Backbone {
		p.fail("model_type", "%q contradicts backbone %q", modelType, a.Backbone)
	}
	// Without model_type and "adaptive" a backbone's first variant.
	a.Adaptive = mt != nil && mt.Adaptive
	if t := a.ModelType(); t != nil {
		a.Adaptive = t.Adaptive
	}
	if _, ok := raw["adaptive"]; ok {
		ad := p.boolean("adaptive")
		switch t := exactModelType(a.Backbone, ad); {
		case p.err != nil:
		case t == nil && !ad:
			p.fail("adaptive", "%s is always adaptive", a.Backbone.Label())
		case t == nil:
			p.fail("adaptive", "%s has no adaptive variant", a.Backbone.Label())
		case mt != nil && t != mt && ad:
			p.fail("adaptive", "true contradicts model_type %q (use %s)", modelType, t.Name)
		case mt != nil && t != mt:
			p.fail("adaptive", "false contradicts model_type %q", modelType)
		default:
			a.Adaptive = ad
		}
	}

	a.NLayer = p.integer("n_layer", true)
	if p.err == nil && (a.NLayer <= 0 || a.NLayer > MaxLayers) {
		// Checked before the per-layer lists are read: they are sized by n_layer.
		p.fail("n_layer", "must be between 1 and %d, got %d", MaxLayers, a.NLayer)
	}
	a.DModel = p.integer("d_model", true)
	a.NHead = p.perLayer("n_head", a.NLayer)
	a.DInner = p.perLayer("d_inner", a.NLayer)
	a.NToken = p.alias(true, "n_token", "vocab_size")
	a.DivVal = 1
	if _, ok := raw["div_val"]; ok {
		a.DivVal = p.integer("div_val", true)
	}
	a.DEmbed = -1
	if _, ok := raw["d_embed"]; ok {
		a.DEmbed = p.integer("d_embed", false)
	}
	if a.DEmbed <= 0 {
		a.DEmbed = a.DModel
	}
	a.TgtLen = p.alias(true, "tgt_len", "seq_len", "n_positions")
	if _, ok := raw["mem_len"]; ok {
		a.MemLen = p.integer("mem_len", false)
	}
	if t := a.ModelType(); t != nil && !t.Memory {
		a.MemLen = 0 // LTS configs for GPT-2 carry mem_len, which GPT-2 does not use
	}
	// Archai's clean_cutoffs: a missing list means its default cutoffs; the vocabulary
	// size closes the list, so it is dropped from Cutoffs.
	cutoffs := DefaultCutoffs()
	if _, ok := raw["cutoffs"]; ok {
		cutoffs = p.ints("cutoffs")
	}
	if p.err == nil && a.IsAdaptive() {
		cs, err := CleanCutoffs(cutoffs, a.NToken)
		if err != nil {
			p.fail("cutoffs", "%v", err)
		}
		a.Cutoffs = cs
	}
	if !a.IsAdaptive() {
		// Plain GPT-2 has one embedding table and a tied head: adaptive settings
		// in its config do not apply.
		a.DivVal, a.DEmbed, a.Cutoffs, a.TieProjs = 1, a.DModel, nil, nil
	} else {
		n := len(a.Cutoffs) + 1
		// Archai's clean_tie_projs: an empty list means the default, as a missing one.
		if v, ok := raw["tie_projs"]; ok && strings.ReplaceAll(string(v), " ", "") != "[]" {
			tp := p.bools("tie_projs")
			if p.err == nil && len(tp) < n {
				p.fail("tie_projs", "has %d values, need one per softmax cluster (%d)", len(tp), n)
			}
			if len(tp) >= n {
				a.TieProjs = tp[:n]
			}
		} else {
			a.TieProjs = DefaultTieProjs(len(a.Cutoffs))
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if err := p.checkConsistent(a); err != nil {
		return nil, err
	}
	return a, nil
}

// DefaultTieProjs is Archai's default: the head's projection untied, every tail's tied.
func DefaultTieProjs(nClusters int) []bool {
	t := make([]bool, nClusters+1)
	for i := 1; i < len(t); i++ {
		t[i] = true
	}
	return t
}

// DefaultCutoffs is Archai's default_cutoffs without the vocabulary size: the list a
// config without "cutoffs" gets (CleanCutoffs then drops those not below n_token).
func DefaultCutoffs() []int { return []int{19997, 39997, 199997} }

// CleanCutoffs is Archai's clean_cutoffs (ProjectedAdaptiveLogSoftmax), returning the
// tail-cluster boundaries without the final vocabulary size. Archai walks the list from
// the second entry, requires each entry to exceed the one before it, and stops at the
// first entry above nToken, cutting the list there; then it clamps a last entry above
// nToken to nToken and appends nToken if the last entry is below it. So
// [59997, 99997, 639997, 50264] with nToken 50264 gives no tail cluster at all (the
// walk stops at 99997, and 59997 is clamped to 50264), and [19997, 39997, 199997, 50264]
// gives [19997, 39997]. An empty list means no tail clusters. Where Archai's assertion
// fails (an entry not above the one before it, before the walk stops) this is an error;
// so is a first cutoff ≤ 0, which would leave the head cluster empty.
func CleanCutoffs(cutoffs []int, nToken int) ([]int, error) {
	if len(cutoffs) == 0 {
		return []int{}, nil
	}
	c := append([]int(nil), cutoffs...)
	last, i := c[0], 1
	for i < len(c) {
		if c[i] <= last {
			return nil, fmt.Errorf("entry %d (%d) is not above entry %d (%d)", i, c[i], i-1, last)
		}
		last = c[i]
		if c[i] > nToken {
			break
		}
		i++
	}
	c = c[:i]
	if c[len(c)-1] > nToken {
		c[len(c)-1] = nToken
	}
	if c[len(c)-1] == nToken {
		c = c[:len(c)-1]
	}
	if len(c) > 0 && c[0] <= 0 {
		return nil, fmt.Errorf("first cutoff %d must be positive", c[0])
	}
	return c, nil
}

// Validate checks the rules every architecture must satisfy; errors name the field.
func (a *Arch) Validate() error {
	t := a.ModelType()
	if t == nil {
		return unknownBackbone(a.Backbone)
	}
	pos := func(name string, v int) error {
		if v <= 0 {
			return fmt.Errorf("%s: must be positive, got %d", name, v)
		}
		return nil
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"n_layer", a.NLayer}, {"d_model", a.DModel}, {"n_token", a.NToken}, {"tgt_len", a.TgtLen}, {"div_val", a.DivVal}, {"d_embed", a.DEmbed}} {
		if err := pos(f.name, f.v); err != nil {
			return err
		}
	}
	if a.NLayer > MaxLayers {
		return fmt.Errorf("n_layer: must be at most %d, got %d", MaxLayers, a.NLayer)
	}
	if a.MemLen < 0 {
		return fmt.Errorf("mem_len: must be ≥ 0, got %d", a.MemLen)
	}
	if len(a.NHead) < a.NLayer {
		return fmt.Errorf("n_head: has %d values, n_layer is %d", len(a.NHead), a.NLayer)
	}
	if len(a.DInner) < a.NLayer {
		return fmt.Errorf("d_inner: has %d values, n_layer is %d", len(a.DInner), a.NLayer)
	}
	for i := range a.NLayer {
		if a.NHead[i] <= 0 {
			return fmt.Errorf("n_head[%d]: must be positive, got %d", i, a.NHead[i])
		}
		if a.DModel%a.NHead[i] != 0 {
			return fmt.Errorf("n_head[%d]: %d does not divide d_model %d", i, a.NHead[i], a.DModel)
		}
		if a.DInner[i] <= 0 {
			return fmt.Errorf("d_inner[%d]: must be positive, got %d", i, a.DInner[i])
		}
	}
	if t.Check != nil {
		if err := t.Check(a); err != nil {
			return err
		}
	}
	if t.Adaptive {
		prev := 0
		for i, c := range a.Cutoffs {
			if c <= prev || c >= a.NToken {
				return fmt.Errorf("cutoffs[%d]: %d must be increasing and below n_token %d", i, c, a.NToken)
			}
			prev = c
		}
		if len(a.TieProjs) != len(a.Cutoffs)+1 {
			return fmt.Errorf("tie_projs: has %d values, need %d (one per softmax cluster)", len(a.TieProjs), len(a.Cutoffs)+1)
		}
		if a.DivVal > 1 {
			for c := range a.NClusters() + 1 {
				if a.DEmbC(c) < 1 {
					return fmt.Errorf("div_val: cluster %d would be %d/%d^%d = 0 wide; lower div_val or raise d_embed", c, a.DEmbed, a.DivVal, c)
				}
			}
		}
	}
	// An upper bound in float64 first: the int64 counts of an absurd architecture could
	// overflow and wrap below the limit.
	n := a.paramsUpperBound()
	if n < 1e15 {
		n = float64(a.TotalParams())
	}
	if n*4 > MaxWeightBytes || math.IsNaN(n) {
		return fmt.Errorf("architecture too large: %.3g parameters (%.1f GiB of float32 weights, limit %d GiB)", n, n*4/(1<<30), MaxWeightBytes>>30)
	}
	return nil
}

// parser reads typed fields from raw JSON, remembering the first error.
type parser struct {
	raw map[string]json.RawMessage
	err error
}

func (p *parser) fail(key, format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...))
	}
}

func (p *parser) str(key string) string {
	v, ok := p.raw[key]
	if !ok {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		p.fail(key, "want a string, got %s", short(v))
	}
	return s
}

func (p *parser) boolean(key string) bool {
	var b bool
	if err := json.Unmarshal(p.raw[key], &b); err != nil {
		p.fail(key, "want true or false, got %s", short(p.raw[key]))
	}
	return b
}

// toInt accepts JSON integers and floats with an integral value (Archai writes some
// sizes as 512.0).
func toInt(v json.RawMessage) (int, bool) {
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		return 0, false
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<40 {
		return 0, false
	}
	return int(f), true
}

func (p *parser) integer(key string, required bool) int {
	v, ok := p.raw[key]
	if !ok {
		if required {
			p.fail(key, "missing")
		}
		return 0
	}
	n, ok := toInt(v)
	if !ok {
		p.fail(key, "want an integer, got %s", short(v))
	}
	return n
}

// alias reads the first present key of names; present aliases must agree.
func (p *parser) alias(required bool, names ...string) int {
	found, val := "", 0
	for _, k := range names {
		if _, ok := p.raw[k]; !ok {
			continue
		}
		n := p.integer(k, true)
		if found == "" {
			found, val = k, n
		} else if n != val {
			p.fail(k, "%d contradicts %s %d", n, found, val)
		}
	}
	if found == "" && required {
		p.fail(names[0], "missing")
	}
	return val
}

func (p *parser) ints(key string) []int {
	var raws []json.RawMessage
	if err := json.Unmarshal(p.raw[key], &raws); err != nil {
		p.fail(key, "want a list of integers, got %s", short(p.raw[key]))
		return nil
	}
	out := make([]int, len(raws))
	for i, r := range raws {
		n, ok := toInt(r)
		if !ok {
			p.fail(fmt.Sprintf("%s[%d]", key, i), "want an integer, got %s", short(r))
			return nil
		}
		out[i] = n
	}
	return out
}

func (p *parser) bools(key string) []bool {
	var raws []json.RawMessage
	if err := json.Unmarshal(p.raw[key], &raws); err != nil {
		p.fail(key, "want a list of true/false, got %s", short(p.raw[key]))
		return nil
	}
	out := make([]bool, len(raws))
	for i, r := range raws {
		// Archai writes some flags as 0/1.
		switch strings.TrimSpace(string(r)) {
		case "true", "1":
			out[i] = true
		case "false", "0":
		default:
			p.fail(fmt.Sprintf("%s[%d]", key, i), "want true or false, got %s", short(r))
			return nil
		}
	}
	return out
}

// perLayer reads a list or a single integer; a list is cut to n values (as LTS does),
// one integer is repeated n times.
func (p *parser) perLayer(key string, n int) []int {
	if p.err != nil {
		return nil // n may be the bad n_layer
	}
	v, ok := p.raw[key]
	if !ok {
		p.fail(key, "missing")
		return nil
	}
	if x, ok := toInt(v); ok {
		out := make([]int, max(n, 0))
		for i := range out {
			out[i] = x
		}
		return out
	}
	xs := p.ints(key)
	if p.err != nil {
		return nil
	}
	if len(xs) < n {
		p.fail(key, "has %d values, n_layer is %d", len(xs), n)
		return nil
	}
	return xs[:n]
}

// checkConsistent checks keys that could contradict the architecture.
func (p *parser) checkConsistent(a *Arch) error {
	if v, ok := p.raw["d_head"]; ok {
		if x, ok := toInt(v); ok {
			for i := range a.NLayer {
				if x != a.DHead(i) {
					return fmt.Errorf("d_head: %d contradicts d_model/n_head[%d] = %d", x, i, a.DHead(i))
				}
			}
		} else {
			xs := p.ints("d_head")
			if p.err != nil {
				return p.err
			}
			if len(xs) < a.NLayer {
				return fmt.Errorf("d_head: has %d values, n_layer is %d", len(xs), a.NLayer)
			}
			for i := range a.NLayer {
				if xs[i] != a.DHead(i) {
					return fmt.Errorf("d_head[%d]: %d contradicts d_model/n_head[%d] = %d", i, xs[i], i, a.DHead(i))
				}
			}
		}
	}
	if _, ok := p.raw["activation_function"]; ok {
		if f := p.str("activation_function"); f != "gelu_new" && f != "gelu_pytorch_tanh" {
			p.fail("activation_function", "%q is not supported (GPT-2 here uses gelu_new, the tanh approximation)", f)
		}
		if t := a.ModelType(); t.FeedForward != "gelu_new" {
			p.fail("activation_function", "%s's feed-forward uses %s; the key does not apply", t.Label, t.FeedForward)
		}
	}
	if v, ok := p.raw["layer_norm_epsilon"]; ok {
		var eps float64
		if err := json.Unmarshal(v, &eps); err != nil || eps != 1e-5 {
			p.fail("layer_norm_epsilon", "%s is not supported (the models use 1e-5)", short(v))
		}
	}
	fixed := []struct {
		key  string
		want string
	}{{"attn_type", "0"}, {"pre_lnorm", "false"}, {"same_length", "false"}, {"ext_len", "0"}}
	for _, f := range fixed {
		if v, ok := p.raw[f.key]; ok && strings.TrimSpace(string(v)) != f.want {
			p.fail(f.key, "%s is not supported (only %s)", short(v), f.want)
		}
	}
	if v, ok := p.raw["clamp_len"]; ok {
		if n, ok := toInt(v); !ok || n > 0 {
			p.fail("clamp_len", "%s is not supported (only ≤ 0: no clamping)", short(v))
		}
	}
	return p.err
}

func short(v json.RawMessage) string {
	s := string(v)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

func jsonErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v at byte %d", se, se.Offset)
	}
	return err.Error()
}
