package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/fleet"
	"github.com/ltsbench/ltsbench/internal/sysinfo"
	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
	"github.com/nats-io/nats.go"
)

// A test binary started with $LTSBENCH_TEST_WORKER set to a JSON argument list is an
// ltsbench process measuring with fakeMeasure (see startWorkers).
func TestMain(m *testing.M) {
	if args := os.Getenv("LTSBENCH_TEST_WORKER"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		benchMeasure = fakeMeasure(os.Getenv("LTSBENCH_TEST_COUNT"), os.Getenv("LTSBENCH_TEST_WORKER_ID"))
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		rc := runContext(ctx, argv, os.Stdout, os.Stderr)
		stop()
		os.Exit(rc)
	}
	os.Exit(m.Run())
}

// fakeFails is the fake's "out of memory": about one architecture in eight.
func fakeFails(key string) bool {
	h := fnv.New32a()
	h.Write([]byte(key))
	return h.Sum32()%8 == 0
}

// fakeMeasure replaces bench.Measure with a pure function of the architecture:
// latency and memory from its shape, an error for the architectures fakeFails picks.
// Each call appends "worker key" to the file count (when given), so that a test sees
// every measurement of every process.
func fakeMeasure(count, worker string) func(context.Context, backend.Backend, *space.Arch, bench.Protocol, uint64) (*bench.Result, error) {
	var mu sync.Mutex
	return func(ctx context.Context, be backend.Backend, a *space.Arch, p bench.Protocol, seed uint64) (*bench.Result, error) {
		key := a.Key()
		if count != "" {
			mu.Lock()
			f, err := os.OpenFile(count, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err == nil {
				_, err = f.WriteString(worker + " " + key + "\n")
				f.Close()
			}
			mu.Unlock()
			if err != nil {
				return nil, err
			}
		}
		select { // long enough for the workers to share a generation
		case <-time.After(30 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if fakeFails(key) {
			return nil, fmt.Errorf("fake device out of memory for %s", key)
		}
		lat := 0.5
		mem := int64(1 << 20)
		for l := range a.NLayer {
			lat += float64(a.DModel*a.DModel)/1e5 + float64(a.DModel*a.DInner[l])/3e5 + 0.2*float64(a.NHead[l])
			mem += 12*int64(a.DModel)*int64(a.DInner[l]) + 4*int64(a.DModel)*int64(a.DModel)
		}
		return &bench.Result{Device: "fake", Arch: a, Key: key, DecoderParams: a.DecoderParams(), Protocol: p, Seed: seed,
			Latency: bench.Stats{N: 1, Median: lat, Mean: lat, Min: lat, Max: lat}, SamplesMS: []float64{lat}, AllocPeakBytes: mem}, nil
	}
}

// fleetSearchArgs is a small quick search: 8 + 6 + 6 = 20 architectures.
func fleetSearchArgs(dir string) []string {
	return []string{"ltsbench", "run", "--space", "gpt2", "--budget", "quick", "--iterations", "3", "--population", "8",
		"--parents", "2", "--mutations", "3", "--crossovers", "3", "--seq-len", "16", "--confirm-rounds", "0", "--seed", "7", "--out", dir}
}

// startWorkers starts n ltsbench worker processes (this test binary, measuring with
// fakeMeasure) on class fake against url; stop ends them and returns their stderr.
func startWorkers(t *testing.T, n int, url, count string) (stop func() string) {
	t.Helper()
	var cmds []*exec.Cmd
	var logs []*bytes.Buffer
	for i := range n {
		id := fmt.Sprintf("w%d", i)
		cmd, buf := startLtsbench(t, []string{"ltsbench", "worker", "--nats", url, "--user", "fleet", "--password", "s3cret",
			"--class", "fake", "--id", id, "--device", "cpu"}, count, id)
		cmds, logs = append(cmds, cmd), append(logs, buf)
	}
	stopped := false
	stop = func() string {
		var all strings.Builder
		for i, cmd := range cmds {
			if !stopped {
				_ = cmd.Process.Signal(syscall.SIGTERM)
				_ = cmd.Wait()
			}
			fmt.Fprintf(&all, "--- worker %d:\n%s", i, logs[i].String())
		}
		stopped = true
		return all.String()
	}
	t.Cleanup(func() { stop() })
	return stop
}

// startLtsbench starts this test binary as the ltsbench command argv, measuring with
// fakeMeasure (logging to count as worker id).
func startLtsbench(t *testing.T, argv []string, count, id string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	args, _ := json.Marshal(argv)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LTSBENCH_TEST_WORKER="+string(args), "LTSBENCH_TEST_COUNT="+count, "LTSBENCH_TEST_WORKER_ID="+id)
	buf := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = buf, buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, buf
}

// selfExec says whether the test binary can start itself again: not under user-mode
// emulation (qemu-user without binfmt), where exec fails with ENOEXEC.
var selfExec = sync.OnceValue(func() error {
	err := exec.Command(os.Args[0], "-test.run=^$").Run()
	if errors.Is(err, syscall.ENOEXEC) {
		return err
	}
	return nil
})

func needSelfExec(t *testing.T) {
	t.Helper()
	if err := selfExec(); err != nil {
		t.Skipf("the test binary cannot run itself here: %v", err)
	}
}

// freeAddr is a 127.0.0.1 address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitListening waits until addr accepts TCP connections.
func waitListening(t *testing.T, addr string, done <-chan int) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case rc := <-done:
			t.Fatalf("run exited (%d) before listening on %s", rc, addr)
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nothing listens on %s after 60 s", addr)
}

func readRecords(t *testing.T, dir string) []results.Record {
	t.Helper()
	recs, partial, err := results.ReadArchive(filepath.Join(dir, results.ArchiveFile))
	if err != nil || partial != 0 {
		t.Fatalf("%s: %v (partial %d)", dir, err, partial)
	}
	return recs
}

// countLines reads the measurement log: how often each key was measured, and by
// which workers.
func countLines(t *testing.T, file string) (perKey map[string]int, workers map[string]int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	perKey, workers = map[string]int{}, map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		w, k, _ := strings.Cut(line, " ")
		perKey[k]++
		workers[w]++
	}
	return perKey, workers
}

// The check: three worker processes measuring through the embedded server
// (over TCP on 127.0.0.1, with a password) finish a quick search whose archive is the
// one a single-process run of the same seed writes with the same measurements: the
// same architectures in the same order, the same values, the same failures; and no
// architecture is measured more often than its deliveries allow.
func TestFleetRunMatchesSingleProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	needSelfExec(t)
	want := singleProcessArchive(t)

	// The fleet run: the coordinator in this process, three worker processes.
	dir := filepath.Join(t.TempDir(), "fleet")
	count := filepath.Join(t.TempDir(), "measured")
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	done := make(chan int, 1)
	var fout, ferr bytes.Buffer
	go func() {
		done <- runContext(ctx, append(fleetSearchArgs(dir), "--listen", addr, "--user", "fleet", "--password", "s3cret",
			"--local-workers", "0", "--class", "fake"), &fout, &ferr)
	}()
	waitListening(t, addr, done)
	stop := startWorkers(t, 3, "nats://"+addr, count)
	rc := <-done
	logs := stop()
	if rc != 0 {
		t.Fatalf("fleet run: exit %d: %s\n%s", rc, ferr.String(), logs)
	}
	got := readRecords(t, dir)
	sameArchive(t, got, want)
	// Each feasible architecture measured once; a failing one on each of its 3
	// deliveries (--max-deliver's default), never more.
	workers := measuredOnce(t, count, got)
	if len(workers) < 2 {
		t.Errorf("one worker measured everything (%v): the jobs were not shared", workers)
	}
	if _, err := os.Stat(filepath.Join(dir, NATSDir)); err != nil {
		t.Errorf("the embedded server's store is not in the run directory: %v", err)
	}
}

// singleProcessArchive is the archive of fleetSearchArgs measured in this process
// with fakeMeasure.
func singleProcessArchive(t *testing.T) []results.Record {
	t.Helper()
	single := filepath.Join(t.TempDir(), "single")
	saved := benchMeasure
	benchMeasure = fakeMeasure("", "")
	var out, errOut bytes.Buffer
	rc := runContext(t.Context(), append(fleetSearchArgs(single), "--device", "cpu"), &out, &errOut)
	benchMeasure = saved
	if rc != 0 {
		t.Fatalf("single-process run: exit %d: %s", rc, errOut.String())
	}
	want := readRecords(t, single)
	infeasible := results.CountInfeasible(want)
	if len(want) != 20 || infeasible == 0 || infeasible == len(want) {
		t.Fatalf("single-process run: %d records, %d infeasible; want 20 with some (not all) infeasible", len(want), infeasible)
	}
	return want
}

// sameArchive checks that a fleet run archived what the single-process run did.
func sameArchive(t *testing.T, got, want []results.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("fleet run archived %d records, the single-process run %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.Seq != w.Seq || g.Iteration != w.Iteration || g.Key != w.Key || g.Feasible != w.Feasible ||
			g.LatencyMS != w.LatencyMS || g.MemoryBytes != w.MemoryBytes || g.DecoderParams != w.DecoderParams ||
			(w.Error == "") != (g.Error == "") || !strings.Contains(g.Error, w.Error) {
			t.Fatalf("record %d differs:\nfleet  %d %d %s feasible %v %v ms %d B %q\nsingle %d %d %s feasible %v %v ms %d B %q",
				i, g.Seq, g.Iteration, g.Key, g.Feasible, g.LatencyMS, g.MemoryBytes, g.Error,
				w.Seq, w.Iteration, w.Key, w.Feasible, w.LatencyMS, w.MemoryBytes, w.Error)
		}
		if !g.Feasible && !strings.Contains(g.Error, "failed on class ") {
			t.Errorf("record %d: the failure does not say how the job ended: %q", i, g.Error)
		}
	}
}

// measuredOnce checks the measurement log against the archive and returns how many
// measurements each worker took.
func measuredOnce(t *testing.T, count string, got []results.Record) map[string]int {
	t.Helper()
	perKey, workers := countLines(t, count)
	for _, r := range got {
		if n, wantN := perKey[r.Key], map[bool]int{true: 1, false: 3}[r.Feasible]; n != wantN {
			t.Errorf("%s (feasible %v) measured %d times, want %d", r.Key, r.Feasible, n, wantN)
		}
	}
	if len(perKey) != len(got) {
		t.Errorf("%d architectures measured, %d archived", len(perKey), len(got))
	}
	return workers
}

// The coordinator killed (SIGKILL, with its embedded server) in the second
// generation and resumed with --resume loses nothing and measures nothing twice: the
// workers keep the measurement they were taking until the server is back, the
// resumed run takes the results the killed one had not archived from the server's
// store, and the archive is the single-process run's.
func TestFleetCoordinatorKilledAndResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	needSelfExec(t)
	want := singleProcessArchive(t)
	dir := filepath.Join(t.TempDir(), "fleet")
	count := filepath.Join(t.TempDir(), "measured")
	addr := freeAddr(t)
	args := append(fleetSearchArgs(dir), "--listen", addr, "--user", "fleet", "--password", "s3cret", "--local-workers", "0", "--class", "fake")
	coord, coordLog := startLtsbench(t, args, "", "")
	exited := make(chan int, 1)
	go func() { _ = coord.Wait(); exited <- coord.ProcessState.ExitCode() }()
	waitListening(t, addr, exited)
	stop := startWorkers(t, 3, "nats://"+addr, count)

	// Kill it once the second generation is under way (8 + 3 measurements).
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if b, _ := os.ReadFile(count); bytes.Count(b, []byte("\n")) >= 11 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second generation did not start in 2 minutes: %s\n%s", coordLog.String(), stop())
		}
	}
	_ = coord.Process.Kill()
	<-exited
	killedAt := len(readRecords(t, dir))
	if killedAt >= len(want) {
		t.Fatalf("the coordinator finished (%d records) before it was killed", killedAt)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	rc := runContext(ctx, append(args, "--resume"), &out, &errOut)
	logs := stop()
	if rc != 0 {
		t.Fatalf("resumed fleet run: exit %d: %s\n%s", rc, errOut.String(), logs)
	}
	got := readRecords(t, dir)
	sameArchive(t, got, want)
	measuredOnce(t, count, got)
	t.Logf("killed with %d records archived; resumed: %s", killedAt, lastLine(errOut.String()))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// Fleet flags that cannot work are refused before anything starts, in one line.
func TestFleetFlagErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--listen", "127.0.0.1:0"}, "--listen 127.0.0.1:0 needs credentials"},
		{[]string{"--listen", "127.0.0.1:0", "--user", "u"}, "--user and --password go together"},
		{[]string{"--listen", "127.0.0.1:0", "--nats", "nats://127.0.0.1:4222", "--user", "u", "--password", "p"}, "either embed a server or use an existing one"},
		{[]string{"--nats", "nats://127.0.0.1:4222"}, "--class: with no local worker"},
		{[]string{"--class", "fake"}, "--class: only for a fleet run"},
		{[]string{"--also-measure", "jetson"}, "--also-measure: only for a fleet run"},
		{[]string{"--fleet", "--also-measure", "a.b"}, `--also-measure "a.b"`},
		{[]string{"--fleet", "--user", "u", "--password", "p"}, "opens no port"},
		{[]string{"--fleet", "--max-deliver", "0"}, "--max-deliver: want 1 to 10"},
		{[]string{"--fleet", "--local-workers", "0"}, "leaves no worker to measure"},
		{[]string{"--fleet", "--class", "a b"}, `--class "a b"`},
		{[]string{"--nats", "nats://127.0.0.1:4222", "--class", "x", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, "with --nats give the server's roots with --ca"},
		{[]string{"--fleet", "--local-workers", "2"}, "--local-workers: want 0 or 1, got 2"},
		{[]string{"--fleet", "--also-measure", "jetson"}, "--also-measure jetson: no worker of another class can join"},
		{[]string{"--fleet", "--password", "p"}, "opens no port"},
		{[]string{"--nats", "nats://127.0.0.1:4222", "--class", "x", "--password", "p"}, "--user and --password go together"},
	} {
		var out, errOut bytes.Buffer
		rc := runContext(t.Context(), append(fleetSearchArgs(dir), c.args...), &out, &errOut)
		msg := strings.TrimSpace(errOut.String())
		if rc != 2 || !strings.Contains(msg, c.want) || strings.Count(msg, "\n") > 0 {
			t.Errorf("%v: exit %d, %q; want exit 2 and one line with %q", c.args, rc, msg, c.want)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("a refused run made its directory")
	}
}

// A fleet run is resumed through the fleet and a run measured in its own process is
// not resumed through one: the archive would mix devices.
func TestFleetResumeKeepsTheWay(t *testing.T) {
	saved := benchMeasure
	benchMeasure = fakeMeasure("", "")
	defer func() { benchMeasure = saved }()
	dir := filepath.Join(t.TempDir(), "single")
	small := append(fleetSearchArgs(dir), "--iterations", "1", "--population", "2", "--parents", "1", "--mutations", "1", "--crossovers", "0")
	var out, errOut bytes.Buffer
	if rc := runContext(t.Context(), append(small, "--device", "cpu"), &out, &errOut); rc != 0 {
		t.Fatalf("exit %d: %s", rc, errOut.String())
	}
	errOut.Reset()
	if rc := runContext(t.Context(), append(small, "--resume", "--fleet"), &out, &errOut); rc != 2 || !strings.Contains(errOut.String(), "not through a fleet") {
		t.Errorf("fleet resume of a single-process run: exit %d, %s", rc, errOut.String())
	}
	fdir := filepath.Join(t.TempDir(), "fleet")
	fsmall := append(fleetSearchArgs(fdir), "--iterations", "1", "--population", "2", "--parents", "1", "--mutations", "1", "--crossovers", "0", "--fleet")
	errOut.Reset()
	if rc := runContext(t.Context(), fsmall, &out, &errOut); rc != 0 {
		t.Fatalf("fleet run with a local worker: exit %d: %s", rc, errOut.String())
	}
	if n := len(readRecords(t, fdir)); n != 2 {
		t.Errorf("fleet run with a local worker archived %d records, want 2", n)
	}
	errOut.Reset()
	if rc := runContext(t.Context(), append(fleetSearchArgs(fdir), "--iterations", "1", "--population", "2", "--parents", "1", "--mutations", "1", "--crossovers", "0", "--resume"), &out, &errOut); rc != 2 || !strings.Contains(errOut.String(), "resume it with --fleet") {
		t.Errorf("single-process resume of a fleet run: exit %d, %s", rc, errOut.String())
	}
	errOut.Reset()
	if rc := runContext(t.Context(), append(fsmall, "--resume", "--class", "other"), &out, &errOut); rc != 2 || !strings.Contains(errOut.String(), "mix two devices") {
		t.Errorf("fleet resume on another class: exit %d, %s", rc, errOut.String())
	}
}

// --nats measures through a server run elsewhere (here one in the test), with local
// workers; the archive is the single-process run's.
func TestFleetRunOnExistingServer(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole search")
	}
	want := singleProcessArchive(t)
	s, err := fleet.StartServer(fleet.ServerConfig{StoreDir: t.TempDir(), Listen: "127.0.0.1:0", User: "fleet", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	saved := benchMeasure
	benchMeasure = fakeMeasure("", "")
	defer func() { benchMeasure = saved }()
	dir := filepath.Join(t.TempDir(), "fleet")
	var out, errOut bytes.Buffer
	rc := runContext(t.Context(), append(fleetSearchArgs(dir), "--nats", s.ClientURL(), "--user", "fleet", "--password", "s3cret",
		"--local-workers", "1"), &out, &errOut)
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, errOut.String())
	}
	sameArchive(t, readRecords(t, dir), want)
	if _, err := os.Stat(filepath.Join(dir, NATSDir)); err == nil {
		t.Error("a run on an existing server made an embedded server's store")
	}
}

// --also-measure measures the final front on another class: a worker of class
// "inverse" whose latencies rank the architectures in reverse gives Kendall's τ = −1
// against the run's class, over every architecture of the front.
func TestFleetAlsoMeasure(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole search")
	}
	s, nc := passwordServer(t)
	saved := benchMeasure
	benchMeasure = fakeMeasure("", "")
	defer func() { benchMeasure = saved }()

	fp, _ := fleet.NewFingerprint(json.RawMessage(`{"device":"inverse"}`))
	measure := fakeMeasure("", "")
	var inverse sync.Map // key → latency given
	w := &fleet.Worker{Class: "inverse", Fingerprint: fp, ID: "inv", Measure: func(ctx context.Context, j fleet.Job) (json.RawMessage, error) {
		var p FleetProtocol
		if err := json.Unmarshal(j.Protocol, &p); err != nil {
			return nil, err
		}
		a, err := space.ParseArch(j.Arch)
		if err != nil {
			return nil, err
		}
		res, err := measure(ctx, nil, a, p.Protocol, p.Seed)
		if err != nil {
			return nil, err
		}
		res.Latency.Median = 1000 / res.Latency.Median
		inverse.Store(a.Key(), res.Latency.Median)
		return json.Marshal(measureJSON{Result: res})
	}}
	wctx, stopWorker := context.WithCancel(t.Context())
	defer stopWorker()
	go func() { _ = w.Run(wctx, nc) }()

	dir := filepath.Join(t.TempDir(), "fleet")
	var out, errOut bytes.Buffer
	rc := runContext(t.Context(), append(fleetSearchArgs(dir), "--nats", s.ClientURL(), "--user", "fleet", "--password", "s3cret",
		"--local-workers", "1", "--class", "fake", "--also-measure", "inverse"), &out, &errOut)
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, errOut.String())
	}
	front := readFrontFile(t, dir)
	b, err := os.ReadFile(filepath.Join(dir, results.DevicesFile))
	if err != nil {
		t.Fatal(err)
	}
	var ms []results.DeviceMeasurement
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m results.DeviceMeasurement
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	if len(front) < 3 || len(ms) != 2*len(front) {
		t.Fatalf("front of %d, %d device measurements; want 2 per front architecture and a front of 3 or more", len(front), len(ms))
	}
	for i, r := range front {
		m := ms[len(front)+i]
		v, ok := inverse.Load(r.Key)
		if m.Key != r.Key || m.Class != "inverse" || !m.Feasible || !ok || m.LatencyMS != v.(float64) {
			t.Errorf("front architecture %d on inverse: %+v, want the worker's latency %v", i, m, v)
		}
	}
	want := fmt.Sprintf("Kendall τ of latency, fake vs inverse: -1.000 over %d architectures", len(front))
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}

func readFrontFile(t *testing.T, dir string) []results.Record {
	t.Helper()
	recs, _, err := results.ReadArchive(filepath.Join(dir, results.ParetoFile))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// $LTSBENCH_NATS_PASSWORD is --user's password: exported, it is no --password for a
// run or a worker that logs in without a user, and it is the password of --user.
func TestNATSPasswordFromTheEnvironment(t *testing.T) {
	t.Setenv(passwordEnv, "s3cret")
	dir := filepath.Join(t.TempDir(), "r")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--fleet", "--max-deliver", "0"}, "--max-deliver: want 1 to 10"},
		{[]string{"--listen", "127.0.0.1:0", "--nkey", "seed.nk", "--max-deliver", "0"}, "--max-deliver: want 1 to 10"},
		{[]string{"--listen", "127.0.0.1:0", "--user", "fleet", "--max-deliver", "0"}, "--max-deliver: want 1 to 10"},
	} {
		var out, errOut bytes.Buffer
		rc := runContext(t.Context(), append(fleetSearchArgs(dir), c.args...), &out, &errOut)
		if msg := strings.TrimSpace(errOut.String()); rc != 2 || !strings.Contains(msg, c.want) {
			t.Errorf("%v with $%s: exit %d, %q; want exit 2 with %q", c.args, passwordEnv, rc, msg, c.want)
		}
	}
	var out, errOut bytes.Buffer
	rc := runContext(t.Context(), []string{"ltsbench", "worker", "--nats", "nats://127.0.0.1:1", "--nkey", filepath.Join(t.TempDir(), "none.nk")}, &out, &errOut)
	if strings.Contains(errOut.String(), "go together") {
		t.Errorf("worker --nkey with $%s: exit %d, %s", passwordEnv, rc, errOut.String())
	}
}

// Local worker ids stay distinct and valid tokens for run ids of any length.
func TestLocalWorkerIDs(t *testing.T) {
	long := strings.Repeat("a", 60)
	ids := map[string]bool{}
	for _, run := range []string{"r1", long + "-0000aaaa", long + "-1111bbbb"} {
		for i := range 2 {
			id := localWorkerID(run, i)
			if fleet.Token(id) != id || ids[id] {
				t.Errorf("run %s, worker %d: id %q is not a token or is taken", run, i, id)
			}
			ids[id] = true
		}
	}
	if got := localWorkerID("r1", 0); got != "r1-local0" {
		t.Errorf("short run id: %q, want r1-local0", got)
	}
}

// A class's fingerprint describes the device, not the ltsbench build: a rebuilt
// ltsbench resumes the class's runs; another CPU kernel is another device.
func TestFingerprintIgnoresTheBuild(t *testing.T) {
	a := bench.Environment{Ltsbench: bench.VersionInfo{Version: "v1", Commit: "aaa"}, OS: "linux", Arch: "amd64",
		CPUModel: "Some CPU", CPUCores: 8, CPUKernel: "amd64 AVX2+FMA 4×24", Threads: 8}
	b := a
	b.Ltsbench = bench.VersionInfo{Version: "v2", Commit: "bbb"}
	b.Threads = 2
	if string(fingerprintJSON(a)) != string(fingerprintJSON(b)) {
		t.Errorf("two builds on one device: %s vs %s", fingerprintJSON(a), fingerprintJSON(b))
	}
	c := a
	c.CPUKernel = "generic"
	if string(fingerprintJSON(a)) == string(fingerprintJSON(c)) {
		t.Error("another CPU kernel has the same fingerprint")
	}
	// Huge pages move a CPU decode step: another setting is another CPU device, not
	// another GPU one.
	d := a
	d.TransparentHugePages = "never"
	if string(fingerprintJSON(a)) == string(fingerprintJSON(d)) {
		t.Error("another huge page setting on the CPU has the same fingerprint")
	}
	g := a
	g.GPU = &sysinfo.GPU{Name: "NVIDIA H200", Driver: "580.159.04"}
	h := g
	h.TransparentHugePages = "never"
	if string(fingerprintJSON(g)) != string(fingerprintJSON(h)) {
		t.Errorf("the huge page setting changes a GPU's fingerprint: %s vs %s", fingerprintJSON(g), fingerprintJSON(h))
	}
}

// A fleet run's run.json names its class and, from the first result on, describes
// the class's device as a worker measured it (not the coordinator's machine); an
// unset --threads travels as 0 and each worker measures on all of its cores, which
// its results record.
func TestFleetRunRecordsTheClassDevice(t *testing.T) {
	saved := benchMeasure
	benchMeasure = fakeMeasure("", "")
	defer func() { benchMeasure = saved }()
	dir := filepath.Join(t.TempDir(), "fleet")
	var out, errOut bytes.Buffer
	args := append(fleetSearchArgs(dir), "--iterations", "1", "--population", "2", "--parents", "1", "--mutations", "1", "--crossovers", "0",
		"--fleet", "--class", "fakeclass")
	if rc := runContext(t.Context(), args, &out, &errOut); rc != 0 {
		t.Fatalf("exit %d: %s", rc, errOut.String())
	}
	ri, err := results.ReadRunInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := readFleetInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ri.Fleet == nil || ri.Fleet.Class != "fakeclass" || ri.Fleet.Worker != localWorkerID(fi.Run, 0) {
		t.Fatalf("run.json fleet %+v, want class fakeclass measured by %s", ri.Fleet, localWorkerID(fi.Run, 0))
	}
	n := runtime.NumCPU()
	if ri.Protocol.Threads != 0 || ri.Environment.Threads != n {
		t.Errorf("run.json: protocol threads %d, environment threads %d; want 0 (the worker's cores) and %d", ri.Protocol.Threads, ri.Environment.Threads, n)
	}
	for _, r := range readRecords(t, dir) {
		if !r.Feasible {
			continue
		}
		if r.Result == nil || r.Result.Protocol.Threads != n {
			t.Errorf("%s: result %+v, want it measured on the worker's %d threads", r.Key, r.Result, n)
		}
		if w := r.Worker; w == nil || w.ID != ri.Fleet.Worker || w.Fingerprint == "" || w.Ltsbench != ri.Environment.Ltsbench {
			t.Errorf("%s: worker %+v, want %s with its fingerprint and build", r.Key, w, ri.Fleet.Worker)
		}
	}
	run, err := results.LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := run.DeviceLabel(); !strings.HasPrefix(got, "class fakeclass (") {
		t.Errorf("report label %q, want the class and its device", got)
	}
}

// --threads above the coordinator's CPUs reaches a fleet run's jobs unchanged (the
// workers measure on other machines): the coordinator neither cuts it nor warns about
// its own CPUs, run.json keeps it, and the worker cuts it to its CPUs, says so once
// for all its jobs, and records the number it used.
func TestFleetThreadsReachWorkers(t *testing.T) {
	s, nc := passwordServer(t)
	saved := benchMeasure
	benchMeasure = fakeMeasure("", "")
	defer func() { benchMeasure = saved }()

	n := runtime.NumCPU()
	asked := n + 8
	var mu sync.Mutex
	var jobThreads []int
	var notes []string
	dev, _ := backend.ParseDevice("cpu")
	m := &fleetMeasurer{dev: dev, logf: func(format string, args ...any) {
		mu.Lock()
		notes = append(notes, fmt.Sprintf(format, args...))
		mu.Unlock()
	}}
	defer m.close()
	fp, _ := fleet.NewFingerprint(json.RawMessage(`{"device":"probe"}`))
	w := &fleet.Worker{Class: "probe", Fingerprint: fp, ID: "probe0", Measure: func(ctx context.Context, j fleet.Job) (json.RawMessage, error) {
		var p FleetProtocol
		if err := json.Unmarshal(j.Protocol, &p); err != nil {
			return nil, err
		}
		mu.Lock()
		jobThreads = append(jobThreads, p.Protocol.Threads)
		mu.Unlock()
		return m.measure(ctx, j)
	}}
	wctx, stopWorker := context.WithCancel(t.Context())
	defer stopWorker()
	go func() { _ = w.Run(wctx, nc) }()

	dir := filepath.Join(t.TempDir(), "fleet")
	var out, errOut bytes.Buffer
	args := append(fleetSearchArgs(dir), "--iterations", "1", "--population", "4", "--parents", "1", "--mutations", "2", "--crossovers", "1",
		"--nats", s.ClientURL(), "--user", "fleet", "--password", "s3cret", "--local-workers", "0", "--class", "probe", "--threads", fmt.Sprint(asked))
	if rc := runContext(t.Context(), args, &out, &errOut); rc != 0 {
		t.Fatalf("exit %d: %s", rc, errOut.String())
	}
	if strings.Contains(errOut.String(), "CPUs here") {
		t.Errorf("the coordinator warned about its own CPUs:\n%s", errOut.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(jobThreads) < 4 {
		t.Fatalf("the worker measured %d jobs, want 4 or more", len(jobThreads))
	}
	for i, th := range jobThreads {
		if th != asked {
			t.Errorf("job %d: protocol threads %d, want --threads %d as given", i, th, asked)
		}
	}
	ri, err := results.ReadRunInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ri.Protocol.Threads != asked {
		t.Errorf("run.json: protocol threads %d, want %d", ri.Protocol.Threads, asked)
	}
	for _, r := range readRecords(t, dir) {
		if r.Feasible && (r.Result == nil || r.Result.Protocol.Threads != n) {
			t.Errorf("%s: result %+v, want it measured on the worker's %d CPUs", r.Key, r.Result, n)
		}
	}
	want := fmt.Sprintf("the run asks for %d threads, more than the %d CPUs here: using %d", asked, n, n)
	if len(notes) != 1 || !strings.Contains(notes[0], want) {
		t.Errorf("worker notes %q, want one saying %q", notes, want)
	}
}

// A fleet run takes the generation objectives, on the real CPU backend: its run.json
// holds the objective and lengths, and its archive the generation objects, as a
// single-process run of the same seed and flags writes them (the latencies differ,
// so only the first iteration's architectures are the same; their cache and alloc
// peak, which do not depend on timing, are equal). Decode goes through --nats with
// --also-measure on a second class, whose devices.jsonl latencies are its decode
// latencies; generate through --fleet.
func TestFleetRunGenerationObjectives(t *testing.T) {
	if testing.Short() {
		t.Skip("two searches per objective on the CPU backend")
	}
	t.Run("decode", func(t *testing.T) {
		s, nc := passwordServer(t)
		// The second class: the CPU again, under another fingerprint.
		dev, _ := backend.ParseDevice("cpu")
		m := &fleetMeasurer{dev: dev}
		defer m.close()
		fp, _ := fleet.NewFingerprint(json.RawMessage(`{"device":"other"}`))
		var other sync.Map // key → the decode latency it measured
		w := &fleet.Worker{Class: "other", Fingerprint: fp, ID: "other0", Measure: func(ctx context.Context, j fleet.Job) (json.RawMessage, error) {
			b, err := m.measure(ctx, j)
			var r fleetResult
			if err == nil && json.Unmarshal(b, &r) == nil && r.Generation != nil && r.Generation.PerToken != nil &&
				r.Generation.GenerationProtocol == (bench.GenerationProtocol{Mode: bench.ModeDecode, Context: 8}) {
				other.Store(j.ArchKey, r.Generation.PerToken.Median)
			}
			return b, err
		}}
		wctx, stopWorker := context.WithCancel(t.Context())
		defer stopWorker()
		go func() { _ = w.Run(wctx, nc) }()

		objective := []string{"--objective", "decode", "--context", "8", "--confirm-rounds", "0"}
		dir, out := compareGenerationRuns(t, objective, "--nats", s.ClientURL(), "--user", "fleet", "--password", "s3cret",
			"--local-workers", "1", "--also-measure", "other")
		if !strings.Contains(out, "decode of one token at context 8") {
			t.Errorf("the report does not name the objective:\n%s", out)
		}
		front := readFrontFile(t, dir)
		b, err := os.ReadFile(filepath.Join(dir, results.DevicesFile))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(front) == 0 || len(lines) != 2*len(front) {
			t.Fatalf("front of %d, %d device measurements; want 2 per front architecture", len(front), len(lines))
		}
		for i, line := range lines {
			var dm results.DeviceMeasurement
			if err := json.Unmarshal([]byte(line), &dm); err != nil {
				t.Fatal(err)
			}
			r := front[i%len(front)]
			want := r.LatencyMS // the run's class: the front's decode latency
			if i >= len(front) {
				v, ok := other.Load(r.Key)
				if !ok {
					t.Errorf("%s was not measured in decode on class other", r.Key)
					continue
				}
				want = v.(float64)
			}
			if dm.Key != r.Key || !dm.Feasible || dm.LatencyMS != want || want <= 0 {
				t.Errorf("devices.jsonl line %d: %s on %s feasible %v, %g ms; want %s at its decode latency %g ms", i, dm.Key, dm.Class, dm.Feasible, dm.LatencyMS, r.Key, want)
			}
		}
	})
	t.Run("generate", func(t *testing.T) {
		objective := []string{"--objective", "generate", "--prompt-len", "6", "--new-tokens", "4", "--confirm-rounds", "0"}
		dir, out := compareGenerationRuns(t, objective, "--fleet")
		if !strings.Contains(out, "generation of 4 tokens after a 6-token prompt") {
			t.Errorf("the report does not name the objective:\n%s", out)
		}
		// --resume checks the objective and lengths as in a single process, and
		// without --objective continues the run's.
		wantFailure(t, tinySearch("gpt2", dir, "--resume", "--fleet", "--objective", "decode"), 2, "measured with objective generate, not decode")
		wantFailure(t, tinySearch("gpt2", dir, "--resume", "--fleet", "--new-tokens", "5"), 2, "new_tokens 4, not 5")
		n := len(readRecords(t, dir))
		if code, _, errOut := runLtsbench(t, tinySearch("gpt2", dir, "--resume", "--fleet", "--confirm-rounds", "0")...); code != 0 {
			t.Fatalf("resume without --objective: exit %d: %s", code, errOut)
		}
		ri, err := results.ReadRunInfo(dir)
		if err != nil || ri.Objective != "generate" || ri.Generation == nil || ri.Generation.NewTokens != 4 || len(readRecords(t, dir)) != n {
			t.Errorf("after resuming: %v, objective %q %+v, %d records (had %d)", err, ri.Objective, ri.Generation, len(readRecords(t, dir)), n)
		}
	})
}

// compareGenerationRuns runs tinySearch with the objective flags in this process and
// through a fleet (fleetArgs), checks that the two run.json and archives agree as
// far as timing leaves them alike, and returns the fleet run's directory and report.
func compareGenerationRuns(t *testing.T, objective []string, fleetArgs ...string) (string, string) {
	t.Helper()
	single, fdir := filepath.Join(t.TempDir(), "single"), filepath.Join(t.TempDir(), "fleet")
	if code, _, errOut := runLtsbench(t, tinySearch("gpt2", single, objective...)...); code != 0 {
		t.Fatalf("single-process run: exit %d: %s", code, errOut)
	}
	code, out, errOut := runLtsbench(t, tinySearch("gpt2", fdir, append(objective, fleetArgs...)...)...)
	if code != 0 {
		t.Fatalf("fleet run: exit %d: %s", code, errOut)
	}
	ws, err := results.LoadRun(single)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := results.LoadRun(fdir)
	if err != nil {
		t.Fatal(err)
	}
	wi, gi := ws.Info, gs.Info
	if gi.Objective != wi.Objective || gi.Generation == nil || wi.Generation == nil || *gi.Generation != *wi.Generation ||
		!reflect.DeepEqual(gi.Protocol, wi.Protocol) || gi.Fleet == nil {
		t.Fatalf("run.json: fleet objective %q %+v protocol %+v fleet %+v; single %q %+v protocol %+v",
			gi.Objective, gi.Generation, gi.Protocol, gi.Fleet, wi.Objective, wi.Generation, wi.Protocol)
	}
	want, got := ws.Archive, gs.Archive
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("fleet run archived %d records, the single-process run %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		for _, r := range []results.Record{w, g} {
			gen := r.Generation
			if !r.Feasible || gen == nil || r.Result == nil {
				t.Fatalf("%s: feasible %v, generation %+v (%s)", r.Key, r.Feasible, gen, r.Error)
			}
			lat := r.Result.Latency.Median
			if gen.PerToken != nil && lat != gen.PerToken.Median {
				t.Errorf("%s: result latency %g, per token %g", r.Key, lat, gen.PerToken.Median)
			}
			if gen.GenerationProtocol != *wi.Generation || r.LatencyMS != lat || lat <= 0 || r.MemoryBytes != r.Result.AllocPeakBytes || r.MemoryBytes < gen.CacheBytes {
				t.Errorf("%s: generation %+v, latency %g ms (the mode's %g), memory %d B (alloc peak %d, cache %d)",
					r.Key, gen.GenerationProtocol, r.LatencyMS, lat, r.MemoryBytes, r.Result.AllocPeakBytes, gen.CacheBytes)
			}
		}
		wg, gg := w.Generation, g.Generation
		if g.Seq != w.Seq || g.Iteration != w.Iteration || (gg.TTFT == nil) != (wg.TTFT == nil) ||
			(gg.PerToken == nil) != (wg.PerToken == nil) || (gg.TokensPerS == nil) != (wg.TokensPerS == nil) {
			t.Errorf("record %d: fleet %d/%d %+v, single %d/%d %+v", i, g.Seq, g.Iteration, *gg, w.Seq, w.Iteration, *wg)
		}
		if g.Iteration == 0 && (g.Key != w.Key || g.MemoryBytes != w.MemoryBytes || gg.CacheBytes != wg.CacheBytes ||
			gg.CacheBytesPerToken != wg.CacheBytesPerToken || g.Result.Protocol.Threads != w.Result.Protocol.Threads) {
			t.Errorf("record %d: fleet %s %d B cache %d, single %s %d B cache %d", i, g.Key, g.MemoryBytes, gg.CacheBytes, w.Key, w.MemoryBytes, wg.CacheBytes)
		}
		if g.Worker == nil || w.Worker != nil {
			t.Errorf("record %d: worker fleet %+v, single %+v", i, g.Worker, w.Worker)
		}
	}
	return fdir, out
}

// In a single process, --threads above this machine's CPUs is cut to them, said
// once, and recorded as cut (the fleet's workers do this for themselves).
func TestRunThreadsCutHere(t *testing.T) {
	saved := benchMeasure
	benchMeasure = fakeMeasure("", "")
	defer func() { benchMeasure = saved }()
	n := runtime.NumCPU()
	dir := filepath.Join(t.TempDir(), "single")
	var out, errOut bytes.Buffer
	args := append(fleetSearchArgs(dir), "--iterations", "1", "--population", "2", "--parents", "1", "--mutations", "1", "--crossovers", "0",
		"--device", "cpu", "--threads", fmt.Sprint(n+8))
	if rc := runContext(t.Context(), args, &out, &errOut); rc != 0 {
		t.Fatalf("exit %d: %s", rc, errOut.String())
	}
	want := fmt.Sprintf("--threads %d is more than the %d CPUs here: using %d", n+8, n, n)
	if c := strings.Count(errOut.String(), want); c != 1 {
		t.Errorf("stderr says %q %d times, want once:\n%s", want, c, errOut.String())
	}
	ri, err := results.ReadRunInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ri.Protocol.Threads != n {
		t.Errorf("run.json: protocol threads %d, want %d", ri.Protocol.Threads, n)
	}
	for _, r := range readRecords(t, dir) {
		if r.Feasible && r.Result.Protocol.Threads != n {
			t.Errorf("%s: measured on %d threads, want %d", r.Key, r.Result.Protocol.Threads, n)
		}
	}
}

// passwordServer starts an embedded NATS server on a free local port that takes user
// "fleet" with password "s3cret", and connects to it; both close when the test ends.
func passwordServer(t *testing.T) (*fleet.Server, *nats.Conn) {
	t.Helper()
	s, err := fleet.StartServer(fleet.ServerConfig{StoreDir: t.TempDir(), Listen: "127.0.0.1:0", User: "fleet", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	nc, err := s.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return s, nc
}
