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
)

// ltsbench worker joins a NATS server over TCP with a password and measures a
// job with the CPU backend: the result is measure's JSON for that architecture.
func TestWorkerMeasuresAFleetJob(t *testing.T) {
	s, err := fleet.StartServer(fleet.ServerConfig{StoreDir: t.TempDir(), Listen: "127.0.0.1:0", User: "fleet", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	nc, err := s.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
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
