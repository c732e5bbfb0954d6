package proxy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/ltsbench/ltsbench/internal/stats"
	"github.com/ltsbench/ltsbench/space"
)

// Proxy is a cost proxy computed from an architecture alone.
type Proxy struct {
	Key     string // machine name: decoder_params, total_params, flops_per_token
	Heading string // human name: "decoder params", …
	Of      func(*space.Arch) float64
}

// Proxies are the proxies of the study, in output order.
var Proxies = []Proxy{
	{"decoder_params", "decoder params", func(a *space.Arch) float64 { return float64(a.DecoderParams()) }},
	{"total_params", "total params", func(a *space.Arch) float64 { return float64(a.TotalParams()) }},
	{"flops_per_token", "FLOPs", func(a *space.Arch) float64 { return a.FLOPsPerToken() }},
}

// Result is the rank correlation of one proxy with the target over one set.
type Result struct {
	Set      string   `json:"set"`
	N        int      `json:"n"`
	Proxy    string   `json:"proxy"`
	Spearman *float64 `json:"spearman"` // nil where undefined (fewer than 2 models, constant data)
	Kendall  *float64 `json:"kendall"`
}

// Study is one set of trained models and its results, one per proxy in Proxies order.
type Study struct {
	Set       string
	N         int // trained models correlated
	Untrained int // models without "ppl", left out
	Results   []Result
}

// MissingTargetError says that a model's "ppl" object has no entry for the target.
type MissingTargetError struct {
	Target string
	Have   []string // the keys it has, sorted
}

func (e *MissingTargetError) Error() string {
	return fmt.Sprintf(`"ppl" has no %q (it has %s)`, e.Target, strings.Join(e.Have, ", "))
}

// LineError is an error in one line of the input.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Read reads trained models from r and correlates each proxy with ppl[target] (or ppl
// itself where it is one number, as in the pareto sets) over the trained ones. The set
// is the rows' "set" when they all name the same one, else name.
func Read(r io.Reader, name, target string) (Study, error) {
	proxies := make([][]float64, len(Proxies))
	var y []float64
	var untrained int
	sets := map[string]bool{}
	rd := bufio.NewReader(r)
	for line := 1; ; line++ {
		data, err := rd.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return Study{}, err
		}
		if len(bytes.TrimSpace(data)) > 0 {
			a, v, set, perr := row(data, target)
			if errors.Is(perr, errUntrained) {
				untrained++
				continue
			}
			if perr != nil {
				return Study{}, &LineError{line, perr}
			}
			for i, p := range Proxies {
				proxies[i] = append(proxies[i], p.Of(a))
			}
			y = append(y, v)
			sets[set] = true
		}
		if err != nil {
			break
		}
	}
	if len(y) == 0 {
		return Study{}, errors.New("no trained models in the file")
	}
	if len(sets) == 1 && !sets[""] {
		name = slices.Collect(maps.Keys(sets))[0]
	}
	st := Study{Set: name, N: len(y), Untrained: untrained}
	for i, p := range Proxies {
		st.Results = append(st.Results, Result{Set: name, N: len(y), Proxy: p.Key,
			Spearman: finite(stats.Spearman(proxies[i], y)), Kendall: finite(stats.KendallTauB(proxies[i], y))})
	}
	return st, nil
}

// errUntrained marks a model without "ppl".
var errUntrained = errors.New(`no "ppl"`)

// row reads one model: its architecture, the target value and its set.
func row(data []byte, target string) (*space.Arch, float64, string, error) {
	var r struct {
		Set      string                     `json:"set"`
		Backbone string                     `json:"backbone"`
		Config   map[string]json.RawMessage `json:"config"`
		PPL      json.RawMessage            `json:"ppl"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, 0, "", fmt.Errorf("malformed JSON: %v", err)
	}
	if r.Config == nil {
		return nil, 0, "", errors.New(`no "config" object`)
	}
	// Benchmark rows carry the backbone next to the config.
	if _, ok := r.Config["backbone"]; !ok && r.Backbone != "" {
		r.Config["backbone"], _ = json.Marshal(r.Backbone)
	}
	cfg, _ := json.Marshal(r.Config)
	a, err := space.ParseArch(cfg)
	if err != nil {
		return nil, 0, "", fmt.Errorf("config: %w", err)
	}
	v, err := targetValue(r.PPL, target)
	if err != nil {
		return nil, 0, "", err
	}
	return a, v, r.Set, nil
}

// targetValue is ppl[target], or ppl itself where it is a single number.
func targetValue(ppl json.RawMessage, target string) (float64, error) {
	if len(ppl) == 0 || string(ppl) == "null" {
		return 0, errUntrained
	}
	var v float64
	if err := json.Unmarshal(ppl, &v); err == nil {
		return v, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(ppl, &m); err != nil {
		return 0, fmt.Errorf(`"ppl" is neither a number nor an object: %.40s`, ppl)
	}
	raw, ok := m[target]
	if !ok {
		return 0, &MissingTargetError{Target: target, Have: slices.Sorted(maps.Keys(m))}
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, fmt.Errorf("ppl.%s: not a number: %.40s", target, raw)
	}
	return v, nil
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
