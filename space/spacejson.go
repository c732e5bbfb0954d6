package space

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ltsbench/ltsbench/internal/inputfile"
)

// SpaceKeys are the JSON keys of a Space, in the order the space is described; each can
// be overridden by Set.
var SpaceKeys = []string{
	"backbone", "adaptive", "n_layer", "d_model", "d_inner", "n_head", "div_val",
	"n_token", "cutoffs", "tgt_len", "mem_len", "d_inner_min_ratio",
	"min_decoder_params", "max_decoder_params",
}

// derivedKeys are what a description of a space adds to its settings (its size); a
// space file may carry them, and they are ignored.
var derivedKeys = []string{"log10_size", "size_exact", "size"}

// LoadSpace reads a space JSON file (see ParseSpace). Errors name the file.
func LoadSpace(path string) (*Space, error) {
	data, err := inputfile.ReadFile(path, inputfile.MaxJSONBytes)
	if err != nil {
		return nil, err
	}
	s, err := ParseSpace(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParseSpace reads a space in JSON: "backbone" (required) selects DefaultSpace, and
// every other key present replaces that setting (a range may give only some of "min",
// "max", "step"). The size keys of a space's description (log10_size, size_exact, size)
// are ignored; other unknown keys are errors. The result is validated.
func ParseSpace(data []byte) (*Space, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("malformed space JSON: %v", jsonErr(err))
	}
	if raw == nil {
		return nil, errors.New("space JSON must be an object")
	}
	if dec.More() {
		return nil, errors.New("malformed space JSON: more than one value")
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if slices.Contains(derivedKeys, k) {
			continue
		}
		if !slices.Contains(SpaceKeys, k) {
			return nil, fmt.Errorf("unknown key %q (known keys: %s)", k, strings.Join(SpaceKeys, ", "))
		}
	}
	var b string
	if err := json.Unmarshal(raw["backbone"], &b); err != nil || b == "" {
		return nil, fmt.Errorf("backbone: missing or not a string (say %s)", quotedBackbones())
	}
	s, err := DefaultSpace(Backbone(b))
	if err != nil {
		return nil, err
	}
	// In SpaceKeys order, so that errors do not depend on map order.
	for _, k := range SpaceKeys {
		if v, ok := raw[k]; ok && k != "backbone" {
			if err := s.setJSON(k, v); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Space) setJSON(key string, v json.RawMessage) error {
	switch key {
	case "adaptive":
		return strictUnmarshal(v, &s.Adaptive)
	case "n_layer", "d_model", "d_inner":
		r := s.rangeOf(key)
		return strictUnmarshal(v, r)
	case "n_head", "div_val", "cutoffs":
		var xs []json.RawMessage
		if err := json.Unmarshal(v, &xs); err != nil {
			return fmt.Errorf("want a list of integers, got %s", short(v))
		}
		out := make([]int, len(xs))
		for i, x := range xs {
			n, ok := toInt(x)
			if !ok {
				return fmt.Errorf("[%d]: want an integer, got %s", i, short(x))
			}
			out[i] = n
		}
		*s.listOf(key) = out
		return nil
	case "n_token", "tgt_len", "mem_len":
		n, ok := toInt(v)
		if !ok {
			return fmt.Errorf("want an integer, got %s", short(v))
		}
		*s.intOf(key) = n
		return nil
	case "d_inner_min_ratio":
		return strictUnmarshal(v, &s.DInnerMinRatio)
	case "min_decoder_params", "max_decoder_params":
		n, ok := toInt(v) // 6e6 is an integer too
		if !ok {
			return fmt.Errorf("want an integer, got %s", short(v))
		}
		*s.boundOf(key) = int64(n)
		return nil
	}
	return fmt.Errorf("unknown key")
}

// strictUnmarshal decodes v into p, refusing unknown fields.
func strictUnmarshal(v json.RawMessage, p any) error {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return fmt.Errorf("%v (got %s)", strings.TrimPrefix(err.Error(), "json: "), short(v))
	}
	return nil
}

// Set overrides one setting from a command-line value: a range as "min:max:step",
// "min:max" (keeping the step) or "v" (that value only); a list as "2,4,8"; a bound as
// an integer, 6e6 allowed; "adaptive" as true or false. The backbone cannot be set (it
// selects the defaults). Call Validate after the last Set.
func (s *Space) Set(key, value string) error {
	value = strings.TrimSpace(value)
	bad := func(want string) error { return fmt.Errorf("%s: %q is not %s", key, value, want) }
	switch key {
	case "adaptive":
		b, err := strconv.ParseBool(value)
		if err != nil {
			return bad("true or false")
		}
		s.Adaptive = b
	case "n_layer", "d_model", "d_inner":
		r := s.rangeOf(key)
		parts := strings.Split(value, ":")
		nums := make([]int, len(parts))
		for i, p := range parts {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || len(parts) > 3 {
				return bad("a range min:max:step, min:max or a single value")
			}
			nums[i] = n
		}
		switch len(nums) {
		case 1:
			*r = Range{nums[0], nums[0], max(r.Step, 1)}
		case 2:
			*r = Range{nums[0], nums[1], r.Step}
		case 3:
			*r = Range{nums[0], nums[1], nums[2]}
		}
	case "n_head", "div_val", "cutoffs":
		var out []int
		if value != "" {
			for p := range strings.SplitSeq(value, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(p))
				if err != nil {
					return bad("a comma-separated list of integers")
				}
				out = append(out, n)
			}
		}
		*s.listOf(key) = out
	case "n_token", "tgt_len", "mem_len":
		n, err := strconv.Atoi(value)
		if err != nil {
			return bad("an integer")
		}
		*s.intOf(key) = n
	case "d_inner_min_ratio":
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return bad("a number")
		}
		s.DInnerMinRatio = f
	case "min_decoder_params", "max_decoder_params":
		f, err := strconv.ParseFloat(value, 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
			return bad("an integer (6e6 is fine)")
		}
		*s.boundOf(key) = int64(f)
	case "backbone":
		return errors.New("backbone: cannot be overridden; it selects the space")
	default:
		return fmt.Errorf("unknown space setting %q (known: %s)", key, strings.Join(SpaceKeys[1:], ", "))
	}
	return nil
}

func (s *Space) rangeOf(key string) *Range {
	switch key {
	case "n_layer":
		return &s.NLayer
	case "d_model":
		return &s.DModel
	}
	return &s.DInner
}

func (s *Space) listOf(key string) *[]int {
	switch key {
	case "n_head":
		return &s.NHead
	case "div_val":
		return &s.DivVal
	}
	return &s.Cutoffs
}

func (s *Space) intOf(key string) *int {
	switch key {
	case "n_token":
		return &s.NToken
	case "tgt_len":
		return &s.TgtLen
	}
	return &s.MemLen
}

func (s *Space) boundOf(key string) *int64 {
	if key == "min_decoder_params" {
		return &s.MinDecoderParams
	}
	return &s.MaxDecoderParams
}
