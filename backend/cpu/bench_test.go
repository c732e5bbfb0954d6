package cpu_test

import (
	"flag"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/cpu"
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

var (
	benchThreads = flag.Int("threads", 2, "BenchmarkForward: worker goroutines")
	benchSeq     = flag.Int("seq", 192, "BenchmarkForward: tokens per sequence (batch 1)")
	// The baseline models of docs/PERF.md by default: GPT-2 small as released, and the
	// Transformer-XL base for WikiText-103 that LTS compares with.
	benchPresets = flag.String("presets", "gpt2-small,txl-base", "BenchmarkForward: comma-separated bench presets")
)

// BenchmarkForward times one forward pass of the -presets models at batch 1 × seq
// tokens with the full output layer (every position, the whole vocabulary), as
// docs/PERF.md records them. Transformer-XL runs in steady state: a first, untimed
// segment fills mem_len memory rows, then every timed run reads and rewrites them. It
// reports the median, fastest and slowest of the b.N runs (median_ms, min_ms, max_ms)
// and the exact AllocPeakBytes of the timed graph with its three regions.
//
//	go test ./backend/cpu -run '^$' -bench Forward -benchtime 5x -timeout 60m -args -threads 2
func BenchmarkForward(b *testing.B) {
	for _, name := range strings.Split(*benchPresets, ",") {
		b.Run(name, func(b *testing.B) {
			a, err := bench.Preset(name)
			if err != nil {
				b.Fatal(err)
			}
			benchForward(b, a, *benchSeq, *benchThreads)
		})
	}
}

func benchForward(b *testing.B, a *space.Arch, seq, threads int) {
	w, err := model.InitWeights(a, 1, threads)
	if err != nil {
		b.Fatal(err)
	}
	shapes := []model.Shape{{Batch: 1, Seq: seq}}
	if a.Backbone == space.TransformerXL {
		// The timed graph reads a full memory; the one before it fills it.
		first := model.SegmentShapesSeq(a, 1, seq, 1)[0]
		steady := model.Shape{Batch: 1, Seq: seq, Mem: a.MemLen, MemOut: a.MemLen}
		shapes = []model.Shape{steady, first}
	}
	var graphs []*model.Graph
	for _, s := range shapes {
		g, err := model.Build(a, s, model.BuildOptions{Output: model.OutputFull})
		if err != nil {
			b.Fatal(err)
		}
		graphs = append(graphs, g)
	}
	exe, err := cpu.New(backend.Options{Threads: threads}).Compile(w, graphs...)
	if err != nil {
		b.Fatal(err)
	}
	defer exe.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]int32, seq)
	for i := range ids {
		ids[i] = int32(rng.IntN(a.NToken))
	}
	for g := range graphs {
		if err := exe.SetIDs(g, ids); err != nil {
			b.Fatal(err)
		}
	}
	if len(graphs) > 1 {
		if err := exe.Run(1); err != nil {
			b.Fatal(err)
		}
	}
	if err := exe.Run(0); err != nil { // warm-up
		b.Fatal(err)
	}
	runsMS := make([]float64, 0, b.N)
	b.ResetTimer()
	for range b.N {
		d, err := exe.RunTimed(0)
		if err != nil {
			b.Fatal(err)
		}
		runsMS = append(runsMS, float64(d)/float64(time.Millisecond))
	}
	b.StopTimer()
	st := bench.Summarize(runsMS)
	b.ReportMetric(st.Median, "median_ms")
	b.ReportMetric(st.Min, "min_ms")
	b.ReportMetric(st.Max, "max_ms")
	g := graphs[0]
	b.ReportMetric(float64(g.AllocPeakBytes()), "alloc_peak_bytes")
	b.ReportMetric(float64(g.WeightBytes), "weight_bytes")
	b.ReportMetric(float64(g.ArenaBytes), "arena_bytes")
	b.ReportMetric(float64(g.StateBytes), "state_bytes")
	b.ReportMetric(float64(exe.AllocBytes()), "exe_alloc_bytes")
}
