package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/fleet"
	"github.com/ltsbench/ltsbench/model"
)

// ltsbench worker joins a NATS server over TCP with a password and measures a
// job with the CPU backend: the result is measure's JSON for that architecture.
func TestWorkerMeasuresAFleetJob(t *testing.T) {
	s, nc := passwordServer(t)
	c, err := fleet.NewCoordinator(context.Background(), nc, fleet.CoordinatorConfig{Run: "r1", AckWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut bytes.Buffer
	code := make(chan int, 1)
	go func() {
		code <- runContext(ctx, []string{"ltsbench", "worker", "--nats", s.ClientURL(), "--user", "fleet", "--password", "s3cret", "--class", "cpu-test", "--id", "w1"}, &out, &errOut)
	}()

	a, err := bench.Preset("gpt2-tiny")
	if err != nil {
		t.Fatal(err)
	}
	archJSON, _ := json.Marshal(a)
	p := bench.DefaultProtocol()
	p.SeqLen, p.Threads, p.Warmup, p.MinSamples, p.MaxSamples, p.MinTimeS = 16, 1, 1, 3, 3, 0
	protoJSON, _ := json.Marshal(FleetProtocol{Protocol: p, Seed: 1111})
	job := fleet.Job{ArchKey: a.Key(), Class: "cpu-test", Arch: archJSON, Protocol: protoJSON}
	outs, err := c.RunGeneration(context.Background(), []fleet.Job{job}, time.Now().Add(60*time.Second))
	cancel()
	if rc := <-code; rc != 0 {
		t.Errorf("worker exit %d: %s", rc, errOut.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	o := outs[0]
	if o.Status != fleet.Done || o.Worker != "w1" {
		t.Fatalf("outcome %s by %q (%s); worker said: %s", o.Status, o.Worker, o.Reason, errOut.String())
	}
	var got measureJSON
	if err := json.Unmarshal(o.Result, &got); err != nil {
		t.Fatal(err)
	}
	if got.Key != a.Key() || got.Seed != 1111 || got.Latency.N != 3 || !(got.Latency.Median > 0) || got.Protocol.SeqLen != 16 {
		t.Errorf("result key %s seed %d n %d median %g seq %d; want %s, 1111, 3 samples, > 0, 16",
			got.Key, got.Seed, got.Latency.N, got.Latency.Median, got.Protocol.SeqLen, a.Key())
	}
	if !strings.Contains(errOut.String(), "class cpu-test") {
		t.Errorf("the worker does not say its class: %s", errOut.String())
	}
}

func TestWorkerUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if rc := runContext(context.Background(), []string{"ltsbench", "worker", "--nats", "nats://127.0.0.1:1", "--user", "u"}, &out, &errOut); rc != 2 {
		t.Errorf("--user without --password: exit %d (%s), want 2", rc, errOut.String())
	}
}

// A worker given a generation job measures it as measure --mode does; one whose
// context reaches past the model's n_positions fails with the reason, which is the
// error archived for it, and the worker goes on to the next job.
func TestWorkerMeasuresGenerationJobs(t *testing.T) {
	s, nc := passwordServer(t)
	// One delivery: the impossible job is recorded as failed at once.
	c, err := fleet.NewCoordinator(t.Context(), nc, fleet.CoordinatorConfig{Run: "r1", AckWait: 10 * time.Second, MaxDeliver: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(t.Context())
	var out, errOut bytes.Buffer
	code := make(chan int, 1)
	go func() {
		code <- runContext(ctx, []string{"ltsbench", "worker", "--nats", s.ClientURL(), "--user", "fleet", "--password", "s3cret", "--class", "cpu-test", "--id", "w1"}, &out, &errOut)
	}()

	a, err := bench.Preset("gpt2-tiny") // 64 positions
	if err != nil {
		t.Fatal(err)
	}
	archJSON, _ := json.Marshal(a)
	p := bench.DefaultProtocol()
	p.SeqLen, p.Output = 0, model.OutputLast
	p.Threads, p.Warmup, p.MinSamples, p.MaxSamples, p.MinTimeS = 1, 1, 3, 3, 0
	job := func(gp bench.GenerationProtocol) fleet.Job {
		b, _ := json.Marshal(FleetProtocol{Protocol: p, Seed: 1111, Generation: &gp})
		return fleet.Job{ArchKey: a.Key(), Class: "cpu-test", Arch: archJSON, Protocol: b}
	}
	tooLong := bench.GenerationProtocol{Mode: bench.ModeDecode, Context: 100}
	outs, err := c.RunGeneration(t.Context(), []fleet.Job{job(tooLong)}, time.Now().Add(60*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	g := &fleetGenerations{class: "cpu-test", gen: &tooLong, metric: bench.MetricAllocPeak}
	att := g.attempt(outs[0])
	if outs[0].Status != fleet.Failed || att.Err == nil || att.Measurement != nil {
		t.Fatalf("context 100 on 64 positions: outcome %s (%s), attempt %+v; want a failure", outs[0].Status, outs[0].Reason, att)
	}
	for _, want := range []string{"failed on class cpu-test", "worker w1", "context", "n_positions is 64"} {
		if !strings.Contains(att.Err.Error(), want) {
			t.Errorf("archived error %q lacks %q", att.Err, want)
		}
	}

	// The next job, at a context that fits (a new run: the arch key has a record in r1).
	c2, err := fleet.NewCoordinator(t.Context(), nc, fleet.CoordinatorConfig{Run: "r2", AckWait: 10 * time.Second, MaxDeliver: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	decode := bench.GenerationProtocol{Mode: bench.ModeDecode, Context: 8}
	outs, err = c2.RunGeneration(t.Context(), []fleet.Job{job(decode)}, time.Now().Add(60*time.Second))
	cancel()
	if rc := <-code; rc != 0 {
		t.Errorf("worker exit %d: %s", rc, errOut.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	if outs[0].Status != fleet.Done {
		t.Fatalf("decode at context 8: %s (%s); worker said: %s", outs[0].Status, outs[0].Reason, errOut.String())
	}
	g = &fleetGenerations{class: "cpu-test", gen: &decode, metric: bench.MetricAllocPeak}
	att = g.attempt(outs[0])
	if att.Err != nil {
		t.Fatal(att.Err)
	}
	m := att.Measurement
	gen := m.Generation
	if gen == nil || gen.GenerationProtocol != decode || gen.PerToken == nil || gen.TTFT != nil || gen.CacheBytesPerToken != model.CacheBytesPerToken(a) {
		t.Fatalf("generation %+v, want decode at context 8 with the per-token latency and the cache", gen)
	}
	if m.LatencyMS != gen.PerToken.Median || m.LatencyMS <= 0 || m.MemoryBytes != m.Result.AllocPeakBytes || m.MemoryBytes < gen.CacheBytes {
		t.Errorf("latency %g ms (per token %g), memory %d B (alloc peak %d, cache %d): want the step's latency and the alloc peak with the cache",
			m.LatencyMS, gen.PerToken.Median, m.MemoryBytes, m.Result.AllocPeakBytes, gen.CacheBytes)
	}
	if m.Result.Protocol.Threads != 1 || m.Result.Protocol.SeqLen != 1 || m.Worker == nil || m.Worker.ID != "w1" {
		t.Errorf("protocol %+v, worker %+v: want 1 thread, 1 token per step, worker w1", m.Result.Protocol, m.Worker)
	}
}

// A fleet job of the latency objective has the protocol JSON it had before
// generation objectives (jobs and their de-duplication ids are unchanged); a
// generation job's differs. A result that was not measured as the job asked — the
// full forward from a worker whose ltsbench predates fleet runs of generation
// objectives, or another mode — is refused rather than archived as the objective's.
func TestFleetGenerationJobs(t *testing.T) {
	p := bench.DefaultProtocol()
	lat, _ := json.Marshal(FleetProtocol{Protocol: p, Seed: 7})
	var old struct {
		Protocol bench.Protocol `json:"protocol"`
		Seed     uint64         `json:"seed"`
	}
	old.Protocol, old.Seed = p, 7
	was, _ := json.Marshal(old)
	if string(lat) != string(was) {
		t.Errorf("latency job protocol %s, want %s", lat, was)
	}
	gp := bench.GenerationProtocol{Mode: bench.ModeDecode, Context: 8}
	gen, _ := json.Marshal(FleetProtocol{Protocol: p, Seed: 7, Generation: &gp})
	if string(gen) == string(lat) || !strings.Contains(string(gen), `"generation":{"mode":"decode","context":8}`) {
		t.Errorf("decode job protocol %s", gen)
	}

	a, _ := bench.Preset("gpt2-tiny")
	res := &bench.Result{Key: a.Key(), Arch: a, Latency: bench.Stats{N: 1, Median: 2}, AllocPeakBytes: 100}
	forward, _ := json.Marshal(measureJSON{Result: res})
	prefill := bench.GenerationProtocol{Mode: bench.ModePrefill, PromptLen: 8}
	prefillJSON, _ := json.Marshal(generationJSON{GenerationResult: &bench.GenerationResult{Result: res, Generation: bench.Generation{GenerationProtocol: prefill}}})
	decodeJSON, _ := json.Marshal(generationJSON{GenerationResult: &bench.GenerationResult{Result: res, Generation: bench.Generation{GenerationProtocol: gp}}})
	for _, c := range []struct {
		asked  *bench.GenerationProtocol
		result json.RawMessage
		want   string // "" : accepted
	}{
		{nil, forward, ""},
		{&gp, decodeJSON, ""},
		{&gp, forward, "it measured the full forward, the job asked for decode at context 8 (the worker's ltsbench predates"},
		{&gp, prefillJSON, "it measured prefill of 8 tokens, the job asked for decode at context 8"},
		{nil, decodeJSON, "it measured decode at context 8, the job asked for the full forward"},
	} {
		g := &fleetGenerations{class: "c", gen: c.asked, metric: bench.MetricAllocPeak}
		att := g.attempt(fleet.Outcome{Status: fleet.Done, Result: c.result, Worker: "w9"})
		switch {
		case c.want == "" && (att.Err != nil || att.Measurement.LatencyMS != 2 || (att.Measurement.Generation != nil) != (c.asked != nil)):
			t.Errorf("asked %+v: %+v, %v; want the result accepted", c.asked, att.Measurement, att.Err)
		case c.want != "" && (att.Err == nil || !strings.Contains(att.Err.Error(), "result from worker w9 refused: "+c.want)):
			t.Errorf("asked %+v: error %v, want %q", c.asked, att.Err, c.want)
		}
	}
}
