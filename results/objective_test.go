package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/internal/snapshot"
)

// generateFixture is a run of `ltsbench run --objective generate` (see testdata/README.md).
const generateFixture = "testdata/run-generate"

// TestGoldenGeneration: the reports of a generate run name the objective and carry
// the time to the first token, the time per token and the KV cache.
func TestGoldenGeneration(t *testing.T) {
	r, err := LoadRun(generateFixture)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) > 0 {
		t.Errorf("unexpected warnings %q", r.Warnings)
	}
	for f, golden := range map[Format]string{
		FormatTable: "report-generate.txt", FormatMarkdown: "report-generate.md",
		FormatCSV: "report-generate.csv", FormatJSON: "report-generate.json",
	} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteReport(&buf, f, []*Run{r}); err != nil {
				t.Fatal(err)
			}
			snapshot.Check(t, filepath.Join("testdata", golden), buf.Bytes())
		})
	}
}

// TestGenerationColumns checks the generation cells against the archive's numbers.
func TestGenerationColumns(t *testing.T) {
	r, err := LoadRun(generateFixture)
	if err != nil {
		t.Fatal(err)
	}
	if r.Info.ObjectiveOf() != ObjectiveGenerate || r.Info.Generation == nil || r.Info.Generation.PromptLen != 6 || r.Info.Generation.NewTokens != 4 {
		t.Fatalf("run.json: objective %q, generation %+v", r.Info.ObjectiveOf(), r.Info.Generation)
	}
	if len(r.Front) == 0 {
		t.Fatal("empty front")
	}
	table := report(t, FormatTable, []*Run{r})
	md := report(t, FormatMarkdown, []*Run{r})
	for _, h := range []string{"Generate (ms/token)", "TTFT (ms)", "ms/token", "Cache (MiB)"} {
		if !strings.Contains(table, h) || !strings.Contains(md, h) {
			t.Errorf("column %q missing from the table or the Markdown", h)
		}
	}
	if !strings.Contains(md, "|:--|--:|--:|--:|--:|--:|--:|--:|\n") {
		t.Errorf("the Markdown alignment row does not have 8 columns:\n%s", md)
	}
	var js []JSONRun
	if err := json.Unmarshal([]byte(report(t, FormatJSON, []*Run{r})), &js); err != nil {
		t.Fatal(err)
	}
	if js[0].Objective != "generate" || js[0].PromptLen != 6 || js[0].NewTokens != 4 {
		t.Errorf("JSON run: objective %q, prompt %d, new tokens %d", js[0].Objective, js[0].PromptLen, js[0].NewTokens)
	}
	for i, rec := range r.Front {
		g := rec.Generation
		if g == nil || g.TTFT == nil || g.PerToken == nil {
			t.Fatalf("%s: no generation measurement", rec.Key)
		}
		// K and V, d_model floats of 4 bytes each, per layer and position; the cache
		// holds the prompt and the new tokens but the last (6 + 4 − 1 positions).
		if want := int64(2 * 4 * rec.Arch.DModel * rec.Arch.NLayer); g.CacheBytesPerToken != want || g.CacheBytes != 9*want {
			t.Errorf("%s: cache %d bytes per token, %d in all; want %d and %d", rec.Key, g.CacheBytesPerToken, g.CacheBytes, want, 9*want)
		}
		// The objective is the per-token median.
		if rec.LatencyMS != g.PerToken.Median {
			t.Errorf("%s: latency %g, per-token median %g", rec.Key, rec.LatencyMS, g.PerToken.Median)
		}
		cells := generationCells(&rec, ObjectiveGenerate)
		want := []string{fmt.Sprintf("%.3f", g.TTFT.Median), fmt.Sprintf("%.3f", g.PerToken.Median), fmt.Sprintf("%.2f", float64(g.CacheBytes)/(1<<20))}
		if g.TTFT.Median >= 1 || g.PerToken.Median >= 1 {
			t.Fatalf("%s: the fixture's times are below 1 ms (three decimals)", rec.Key)
		}
		if strings.Join(cells, "|") != strings.Join(want, "|") {
			t.Errorf("%s: cells %q, want %q", rec.Key, cells, want)
		}
		jg := js[0].Front[i].Generation
		if jg == nil || jg.TTFT.Median != g.TTFT.Median || jg.PerToken.N != g.PerToken.N || jg.CacheBytes != g.CacheBytes || jg.CacheBytesPerToken != g.CacheBytesPerToken {
			t.Errorf("%s: JSON generation %+v", rec.Key, jg)
		}
	}
}

// TestOldRunsHaveLatencyObjective: run directories from before the objective load as
// the latency objective, without generation columns or fields.
func TestOldRunsHaveLatencyObjective(t *testing.T) {
	for _, r := range loadFixtures(t) {
		if r.Info.Objective != "" || r.Info.ObjectiveOf() != ObjectiveLatency || r.Info.Generative() || r.Info.Generation != nil {
			t.Errorf("%s: objective %q (%q), generation %v", r.Dir, r.Info.Objective, r.Info.ObjectiveOf(), r.Info.Generation)
		}
		for _, rec := range r.Archive {
			if rec.Generation != nil {
				t.Errorf("%s %s: a generation measurement from nowhere", r.Dir, rec.Key)
			}
			line, err := json.Marshal(&rec)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(line, []byte(`"generation"`)) {
				t.Errorf("%s %s: a record without a generation measurement writes one: %s", r.Dir, rec.Key, line)
			}
		}
		if tbl := report(t, FormatTable, []*Run{r}); strings.Contains(tbl, "TTFT") {
			t.Errorf("%s: generation columns in a latency run's table", r.Dir)
		}
		data, err := json.Marshal(&r.Info)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(`"objective"`)) || bytes.Contains(data, []byte(`"generation"`)) {
			t.Errorf("%s: run.json rewritten with an objective it never had", r.Dir)
		}
	}
	for _, s := range []string{"latency", "prefill", "decode", "generate"} {
		if got, err := ParseObjective(s); err != nil || got != s {
			t.Errorf("ParseObjective(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := ParseObjective("forward"); err == nil {
		t.Error("ParseObjective accepts forward")
	}
}

// TestGenerationCellsConfirmed: the cell that is the objective shows the confirmed
// latency, the others the search's measurement.
func TestGenerationCellsConfirmed(t *testing.T) {
	ttft, step := bench.Stats{Median: 40, N: 3}, bench.Stats{Median: 5, N: 3}
	rec := Record{LatencyMS: 5, Result: &bench.Result{Latency: step},
		Generation: &bench.Generation{TTFT: &ttft, PerToken: &step, CacheMiB: 1.5},
		Confirmed:  &Confirmation{LatencyMS: 4.25, Latency: bench.Stats{Median: 4.25, N: 6}}}
	for obj, want := range map[string]string{
		ObjectivePrefill:  "4.25|–|1.50",
		ObjectiveDecode:   "–|4.25|1.50",
		ObjectiveGenerate: "40.0|4.25|1.50",
	} {
		if got := strings.Join(generationCells(&rec, obj), "|"); got != want {
			t.Errorf("%s: cells %s, want %s", obj, got, want)
		}
	}
	rec.Generation = nil
	if got := strings.Join(generationCells(&rec, ObjectiveDecode), "|"); got != "–|–|–" {
		t.Errorf("no generation measurement: cells %s", got)
	}
}
