package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/model"
)

// fakeExe is an Executable that runs nothing: it logs the calls Measure makes, and its
// timed forward i (from 0) takes i+1 ms.
type fakeExe struct {
	alloc     int64
	log       []string
	ids       []int32
	timed     int
	failTimed error
	onTimed   func(n int)
	closed    bool
}

func (f *fakeExe) SetIDs(g int, ids []int32) error {
	f.log = append(f.log, "ids")
	f.ids = append([]int32(nil), ids...)
	return nil
}
func (f *fakeExe) Run(g int) error { f.log = append(f.log, "run"); return nil }
func (f *fakeExe) RunTimed(g int) (time.Duration, error) {
	if f.failTimed != nil {
		return 0, f.failTimed
	}
	f.log = append(f.log, "timed")
	f.timed++
	if f.onTimed != nil {
		f.onTimed(f.timed)
	}
	return time.Duration(f.timed) * time.Millisecond, nil
}
func (f *fakeExe) Read(g, id int, dst []float32) error { return errors.New("fake: no tensors") }
func (f *fakeExe) ResetState() error                   { f.log = append(f.log, "reset"); return nil }
func (f *fakeExe) AllocBytes() int64                   { return f.alloc }
func (f *fakeExe) Close() error                        { f.closed = true; return nil }

// samplingExe also samples GPU memory.
type samplingExe struct{ fakeExe }

func (s *samplingExe) StartMemorySampling() { s.log = append(s.log, "start-mem") }
func (s *samplingExe) StopMemorySampling() (*int64, *int64, string) {
	s.log = append(s.log, "stop-mem")
	peak := int64(7 << 20)
	return &peak, nil, "cuMemGetInfo failed"
}

type fakeBackend struct {
	exe        backend.Executable
	skew       int64 // added to the graph's AllocPeakBytes
	compileErr error
	graphs     []*model.Graph
}

func (b *fakeBackend) Device() backend.Device { return backend.Device{Kind: "cuda", Index: 1} }
func (b *fakeBackend) Close() error           { return nil }
func (b *fakeBackend) Compile(w *model.Weights, gs ...*model.Graph) (backend.Executable, error) {
	if b.compileErr != nil {
		return nil, b.compileErr
	}
	b.graphs = gs
	switch e := b.exe.(type) {
	case *fakeExe:
		e.alloc = gs[0].AllocPeakBytes() + b.skew
	case *samplingExe:
		e.alloc = gs[0].AllocPeakBytes() + b.skew
	}
	return b.exe, nil
}

func fastProtocol(n int) Protocol {
	p := DefaultProtocol()
	p.Warmup, p.MinSamples, p.MaxSamples, p.MinTimeS, p.MaxTimeS = 2, n, n, 0, 0
	p.FixedWarmup = true
	return p
}

// quietProbe sees no disturbance, so the fakes' forwards are never taken again
// whatever this machine is doing meanwhile.
type quietProbe struct{}

func (quietProbe) waitOnly() (time.Duration, bool) { return 0, true }
func (quietProbe) snap() cpuSnap                   { return cpuSnap{} }
func (quietProbe) close()                          {}

func init() { measureProbe = func() probe { return quietProbe{} } }

func TestMeasureSteps(t *testing.T) {
	for _, tc := range []struct {
		preset string
		want   string
		seq    int
		mem    int
	}{
		// GPT-2: ids, warm-ups, samples.
		{"gpt2-tiny", "ids run run timed timed timed timed timed", 64, 0},
		// Transformer-XL: the memory is zeroed and filled by one untimed segment first.
		{"txl-tiny", "ids reset run run run timed timed timed timed timed", 32, 32},
	} {
		a, _ := Preset(tc.preset)
		exe := &fakeExe{}
		be := &fakeBackend{exe: exe}
		res, err := Measure(context.Background(), be, a, fastProtocol(5), 7)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(exe.log, " "); got != tc.want {
			t.Errorf("%s: calls %q, want %q", tc.preset, got, tc.want)
		}
		if !exe.closed {
			t.Errorf("%s: executable not closed", tc.preset)
		}
		g := be.graphs[0]
		if g.Shape.Batch != 1 || g.Shape.Seq != tc.seq || g.Shape.Mem != tc.mem || g.Shape.MemOut != tc.mem || g.Output != model.OutputFull {
			t.Errorf("%s: graph shape %+v output %s", tc.preset, g.Shape, g.Output)
		}
		if len(exe.ids) != tc.seq {
			t.Errorf("%s: %d token ids, want %d", tc.preset, len(exe.ids), tc.seq)
		}
		for _, id := range exe.ids {
			if id < 0 || int(id) >= a.NToken {
				t.Fatalf("%s: token id %d outside the vocabulary %d", tc.preset, id, a.NToken)
			}
		}
		// Every field, against what it must be.
		if res.Key != a.Key() || res.Device != "cuda:1" || res.DecoderParams != a.DecoderParams() ||
			res.TotalParams != a.TotalParams() || res.Seed != 7 || res.Arch != a {
			t.Errorf("%s: identity fields %+v", tc.preset, res)
		}
		if want := int64(math.Round(a.FLOPsPerToken())); res.FLOPsPerToken != want || want <= 0 {
			t.Errorf("%s: flops_per_token %d, want %d", tc.preset, res.FLOPsPerToken, want)
		}
		if res.AllocPeakBytes != g.WeightBytes+g.ArenaBytes+g.StateBytes || res.AllocPeakBytes == 0 {
			t.Errorf("%s: alloc_peak_bytes %d, graph %d+%d+%d", tc.preset, res.AllocPeakBytes, g.WeightBytes, g.ArenaBytes, g.StateBytes)
		}
		if res.Protocol.SeqLen != tc.seq || res.Protocol.MemLen != tc.mem || res.Protocol.Statistic != StatMedian {
			t.Errorf("%s: recorded protocol %+v", tc.preset, res.Protocol)
		}
		if fmt.Sprint(res.SamplesMS) != "[1 2 3 4 5]" {
			t.Errorf("%s: samples %v, want the five durations in order", tc.preset, res.SamplesMS)
		}
		if l := res.Latency; l.N != 5 || l.Median != 3 || l.Mean != 3 || res.LatencyMS() != 3 {
			t.Errorf("%s: latency %+v", tc.preset, l)
		}
		if (res.RSSPeakBytes == nil) == (res.RSSNote == "") {
			t.Errorf("%s: rss_peak_bytes %v with note %q: want exactly one", tc.preset, res.RSSPeakBytes, res.RSSNote)
		}
		if res.NVMLProcessPeakBytes != nil || res.MemoryNote != "" {
			t.Errorf("%s: GPU memory reported without a sampler", tc.preset)
		}
	}
}

func TestMeasureSeedsTokenIDs(t *testing.T) {
	a, _ := Preset("gpt2-tiny")
	ids := func(seed uint64) string {
		exe := &fakeExe{}
		if _, err := Measure(context.Background(), &fakeBackend{exe: exe}, a, fastProtocol(1), seed); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(exe.ids)
	}
	if ids(1) != ids(1) || ids(1) == ids(2) {
		t.Fatal("token ids are not a function of the seed")
	}
}

func TestMeasureGPUMemory(t *testing.T) {
	a, _ := Preset("gpt2-tiny")
	exe := &samplingExe{}
	res, err := Measure(context.Background(), &fakeBackend{exe: exe}, a, fastProtocol(2), 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(exe.log, " "); got != "ids run run start-mem timed timed stop-mem" {
		t.Fatalf("calls %q: want the sampler around the timed forwards only", got)
	}
	if res.NVMLProcessPeakBytes == nil || *res.NVMLProcessPeakBytes != 7<<20 || res.DeviceUsedDeltaBytes != nil || res.MemoryNote != "cuMemGetInfo failed" {
		t.Fatalf("GPU memory %v %v %q", res.NVMLProcessPeakBytes, res.DeviceUsedDeltaBytes, res.MemoryNote)
	}
	if v, err := res.MemoryBytes(MetricNVMLProcessPeak); err != nil || v != 7<<20 {
		t.Fatalf("MemoryBytes(nvml) = %d, %v", v, err)
	}
	if _, err := res.MemoryBytes(MetricDeviceUsedDelta); err == nil || !strings.Contains(err.Error(), "cuMemGetInfo failed") {
		t.Fatalf("MemoryBytes(device delta) error %v, want the note", err)
	}
}

func TestMeasureErrors(t *testing.T) {
	a, _ := Preset("txl-tiny")
	key := a.Key()
	// Compile fails: the cause stays visible to errors.Is.
	_, err := Measure(context.Background(), &fakeBackend{compileErr: fmt.Errorf("cuda: cuMemAlloc of 4 GiB: %w", backend.ErrOutOfMemory)}, a, fastProtocol(1), 1)
	if !errors.Is(err, backend.ErrOutOfMemory) || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "compile") {
		t.Errorf("compile failure: %v", err)
	}

	// The backend holds other than the planner says.
	exe := &fakeExe{}
	_, err = Measure(context.Background(), &fakeBackend{exe: exe, skew: 4096}, a, fastProtocol(1), 1)
	if err == nil || !strings.Contains(err.Error(), "planner says") || !exe.closed {
		t.Errorf("alloc mismatch: %v (closed %v)", err, exe.closed)
	}

	// A timed forward fails.
	exe = &fakeExe{failTimed: errors.New("illegal address")}
	_, err = Measure(context.Background(), &fakeBackend{exe: exe}, a, fastProtocol(3), 1)
	if err == nil || !strings.Contains(err.Error(), key+": timed forward 1: illegal address") || !exe.closed {
		t.Errorf("run failure: %v (closed %v)", err, exe.closed)
	}

	// Cancelled between samples.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exe = &fakeExe{onTimed: func(n int) {
		if n == 2 {
			cancel()
		}
	}}
	_, err = Measure(ctx, &fakeBackend{exe: exe}, a, fastProtocol(50), 1)
	if !errors.Is(err, context.Canceled) || exe.timed != 2 || !exe.closed {
		t.Errorf("cancel: %v after %d samples (closed %v)", err, exe.timed, exe.closed)
	}

	// A protocol the architecture cannot take names the setting, before anything runs.
	g, _ := Preset("gpt2-tiny")
	p := fastProtocol(1)
	p.SeqLen = 65
	exe = &fakeExe{}
	var fe *FieldError
	if _, err := Measure(context.Background(), &fakeBackend{exe: exe}, g, p, 1); !errors.As(err, &fe) || fe.Field != "seq_len" || len(exe.log) != 0 {
		t.Errorf("seq-len past n_positions: %v", err)
	}
}
