package search

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ltsbench/ltsbench/results"
)

// CheckResume reports whether a run with cfg may continue the search whose run.json
// is have: every setting the candidates depend on (space, algorithm, seed,
// iterations, the algorithm's parameters, dominance, bounds) must be equal. A run.json
// from before the "search" object is read as its sizes would configure the algorithm
// now. The error names each setting that differs, with both values; the caller adds
// the file. The run command calls it before anything is measured or rewritten; Run's
// replay then checks the stored records one by one.
func CheckResume(have *results.RunInfo, cfg Config) error {
	want, err := cfg.Info()
	if err != nil {
		return err
	}
	there := have.Search
	if there.Sizes != nil {
		if there, err = fromSizes(there); err != nil {
			return fmt.Errorf("the search's sizes: %w", err)
		}
	}
	var diffs []string
	diff := func(name string, there, here any) {
		if fmt.Sprint(there) != fmt.Sprint(here) {
			diffs = append(diffs, fmt.Sprintf("%s %v there, %v here", name, there, here))
		}
	}
	diff("algorithm", there.Algorithm, want.Algorithm)
	diff("seed", there.Seed, want.Seed)
	diff("iterations", there.Iterations, want.Iterations)
	if there.Algorithm == want.Algorithm {
		a, err1 := paramMap(there.Params)
		b, err2 := paramMap(want.Params)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("comparing the %s parameters: %w", want.Algorithm, err)
		}
		for _, k := range unionKeys(a, b) {
			diff(k, orNone(a, k), orNone(b, k))
		}
	}
	diff("dominance", there.Dominance, want.Dominance)
	diff("max_latency_ms", there.MaxLatencyMS, want.MaxLatencyMS)
	diff("max_memory_mb", there.MaxMemoryMB, want.MaxMemoryMB)
	if have.Space != nil {
		there, err1 := json.Marshal(have.Space)
		here, err2 := json.Marshal(cfg.Space)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("comparing the search space: %w", err)
		}
		if !bytes.Equal(there, here) {
			diffs = append(diffs, fmt.Sprintf("space %s there, %s here", there, here))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("resuming needs the settings of the run it continues: %s", strings.Join(diffs, "; "))
	}
	return nil
}

// fromSizes is si (read from a run.json before the "search" object) with the
// parameters its algorithm takes from the sizes it recorded.
func fromSizes(si results.SearchInfo) (results.SearchInfo, error) {
	var s Sizes
	if err := json.Unmarshal(si.Sizes, &s); err != nil {
		return si, err
	}
	alg, ok := algorithms[si.Algorithm]
	if !ok {
		return si, nil // the algorithm differs: CheckResume says so
	}
	return si, si.SetParams(alg(s))
}

// paramMap is an algorithm's parameters as JSON members (nil for none).
func paramMap(data json.RawMessage) (map[string]any, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var m map[string]any
	err := json.Unmarshal(data, &m)
	return m, err
}

// unionKeys is the members of a and b, sorted.
func unionKeys(a, b map[string]any) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// orNone is m[k], or "none" when m lacks it.
func orNone(m map[string]any, k string) any {
	if v, ok := m[k]; ok {
		return v
	}
	return "none"
}
