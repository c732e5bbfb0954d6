package search

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/ltsbench/ltsbench/results"
)

// CheckResume reports whether a run with cfg may continue the search in DIR: every
// setting the candidates depend on (space, algorithm, seed, sizes, probabilities,
// dominance, bounds) must equal DIR/run.json's. A missing run.json is no error (the
// replay in Run still checks the archive record by record). Run calls it on --resume;
// the run command must call it (or Run) before it rewrites run.json.
func CheckResume(dir string, cfg Config) error {
	path := filepath.Join(dir, results.RunFile)
	have, err := results.ReadRunInfo(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	want := cfg.RunInfo()
	var diffs []string
	diff := func(name string, there, here any) {
		if fmt.Sprint(there) != fmt.Sprint(here) {
			diffs = append(diffs, fmt.Sprintf("%s %v there, %v here", name, there, here))
		}
	}
	diff("algorithm", have.Algorithm, want.Algorithm)
	diff("seed", have.Seed, want.Seed)
	diff("iterations", have.Iterations, want.Iterations)
	diff("population", have.Population, want.Population)
	diff("parents", have.Parents, want.Parents)
	diff("mutations", have.Mutations, want.Mutations)
	diff("crossovers", have.Crossovers, want.Crossovers)
	diff("mutation_prob", have.MutationProb, want.MutationProb)
	diff("crossover_prob", have.CrossProb, want.CrossProb)
	diff("dominance", have.Dominance, want.Dominance)
	diff("max_latency_ms", have.MaxLatencyMS, want.MaxLatencyMS)
	diff("max_memory_mb", have.MaxMemoryMB, want.MaxMemoryMB)
	if have.Space != nil {
		there, err1 := json.Marshal(have.Space)
		here, err2 := json.Marshal(cfg.Space)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("%s: comparing the search space: %w", path, err)
		}
		if !bytes.Equal(there, here) {
			diffs = append(diffs, fmt.Sprintf("space %s there, %s here", there, here))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%s: --resume needs the settings of the run it continues: %s", path, strings.Join(diffs, "; "))
	}
	return nil
}
