package space

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// benchRow is one line of the LTS benchmark (testdata/lts-benchmark).
type benchRow struct {
	file, set, id string
	config        []byte // the config object, with the row's backbone added
	params        map[string]float64
	arch          *Arch // ParseArch(config), parsed once
	err           error
}

var (
	benchOnce   sync.Once
	benchCached []benchRow
)

// readBenchRows reads every row of every file of the LTS benchmark (once per test
// binary).
func readBenchRows(t *testing.T) []benchRow {
	t.Helper()
	benchOnce.Do(func() { benchCached = loadBenchRows(t) })
	if len(benchCached) == 0 {
		t.Fatal("no benchmark rows")
	}
	return benchCached
}

func loadBenchRows(t *testing.T) []benchRow {
	files, err := filepath.Glob("../testdata/lts-benchmark/*.jsonl")
	if err != nil || len(files) != 11 {
		t.Fatalf("benchmark files: %v, %d files", err, len(files))
	}
	var rows []benchRow
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var r struct {
				Set, ID  string
				Backbone string
				Config   map[string]json.RawMessage
				Params   map[string]float64
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			r.Config["backbone"], _ = json.Marshal(r.Backbone)
			cfg, _ := json.Marshal(r.Config)
			a, err := ParseArch(cfg)
			rows = append(rows, benchRow{file: filepath.Base(f), set: r.Set, id: r.ID, config: cfg, params: r.Params, arch: a, err: err})
		}
	}
	return rows
}
