package search

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/results"
)

// run.json keeps the algorithm's parameters in the "search" object, under the
// algorithm's name: LTS's sizes for the evolution, the batch sizes for random.
func TestRunInfoSearchObject(t *testing.T) {
	for alg, want := range map[string]string{
		Evolution: `"search":{"algorithm":"evolution","seed":1111,"iterations":5,"dominance":"standard","evolution":{"population":10,"parents":2,"mutations":4,"crossovers":4,"mutation_prob":0.3,"crossover_prob":0.5}}`,
		Random:    `"search":{"algorithm":"random","seed":1111,"iterations":5,"dominance":"standard","random":{"population":10,"per_iteration":8}}`,
	} {
		info, err := smallConfig(wideSpace(), alg).RunInfo()
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(&info)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s: run.json %s\nwant it to hold %s", alg, data, want)
		}
	}
}

// legacyRunJSON is the run.json ltsbench wrote before the "search" object, with the
// settings of cfg.
func legacyRunJSON(cfg Config) string {
	return `{"command":["ltsbench","run"],"device":"cpu","algorithm":"` + cfg.Algorithm + `","seed":1111,"iterations":5,` +
		`"population":10,"parents":2,"mutations":4,"crossovers":4,"mutation_prob":0.3,"crossover_prob":0.5,` +
		`"dominance":"standard","memory_metric":"alloc_peak_bytes","protocol":{},"environment":{},"started":"2026-01-02T03:04:05Z"}`
}

// A run directory whose run.json predates the "search" object resumes: the settings
// compare as the sizes configure the algorithm now, a differing one is named, and the
// resumed run ends with the archive an uninterrupted one has.
func TestResumeOldRunJSON(t *testing.T) {
	for _, alg := range []string{Evolution, Random} {
		cfg := smallConfig(wideSpace(), alg)
		want := run(t, cfg, &fakeMeasurer{}, t.TempDir(), false, nil)

		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, results.RunFile), []byte(legacyRunJSON(cfg)), 0o644); err != nil {
			t.Fatal(err)
		}
		info, err := results.ReadRunInfo(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckResume(info, cfg); err != nil {
			t.Errorf("%s: old run.json, same settings: %v", alg, err)
		}
		other := cfg
		other.MutationProb, other.Crossovers, other.Population = 0.4, 5, 11
		err = CheckResume(info, other)
		wantDiff := "mutation_prob 0.3 there, 0.4 here"
		if alg == Random {
			// Random takes only the batch sizes from the sizes.
			wantDiff = "per_iteration 8 there, 9 here"
		}
		if err == nil || !strings.Contains(err.Error(), wantDiff) || !strings.Contains(err.Error(), "population 10 there, 11 here") {
			t.Errorf("%s: old run.json, other sizes: %v, want it to name %q", alg, err, wantDiff)
		}
		other = cfg
		other.Algorithm = map[string]string{Evolution: Random, Random: Evolution}[alg]
		if err := CheckResume(info, other); err == nil || !strings.Contains(err.Error(), "algorithm "+alg+" there") {
			t.Errorf("%s: old run.json, other algorithm: %v", alg, err)
		}

		// Half the archive, then resume under the old run.json.
		store, err := results.OpenStore(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range want.Records[:len(want.Records)/2] {
			if err := store.Append(r); err != nil {
				t.Fatal(err)
			}
		}
		store.Close()
		got := run(t, cfg, &fakeMeasurer{}, dir, true, nil)
		if got.Resumed != len(want.Records)/2 || !slices.Equal(keysOf(readArchive(t, dir)), keysOf(want.Records)) {
			t.Errorf("%s: resumed %d, archive %v\nwant %v", alg, got.Resumed, keysOf(readArchive(t, dir)), keysOf(want.Records))
		}
	}
}
