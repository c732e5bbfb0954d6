package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
)

func streamState(t *testing.T, c *Coordinator) jetstream.StreamState {
	t.Helper()
	info, err := c.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State
}

// drained waits until the work queue is empty: the last ack follows the last
// result by a moment.
func drained(t *testing.T, c *Coordinator) jetstream.StreamState {
	t.Helper()
	var st jetstream.StreamState
	for range 100 {
		if st = streamState(t, c); st.Msgs == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return st
}

func checkDone(t *testing.T, o Outcome) {
	t.Helper()
	if o.Status != Done {
		t.Fatalf("%s on %s: %s (%s), want done", o.Job.ArchKey, o.Job.Class, o.Status, o.Reason)
	}
	if want := string(fakeResult(o.Job.ArchKey)); string(o.Result) != want {
		t.Fatalf("%s: result %s, want %s", o.Job.ArchKey, o.Result, want)
	}
}

// Three workers of one class measure three overlapping generations: every job
// is measured exactly once, outcomes come back in the order of the jobs, and a
// job already measured in an earlier generation is served from the results.
func TestThreeWorkersFinishGenerations(t *testing.T) {
	s := startServer(t, ServerConfig{})
	c := newCoordinator(t, connect(t, s), CoordinatorConfig{Run: "r1", AckWait: 5 * time.Second})
	cnt := newCounter()
	for i := range 3 {
		id := fmt.Sprintf("w%d", i)
		runWorker(t, connect(t, s), &Worker{Class: "cpu", ID: id, Fingerprint: testFingerprint("A"), Measure: cnt.measure(id, 5*time.Millisecond)})
	}
	seen := map[string]bool{}
	for g := range 3 {
		var jobs []Job
		for i := g * 6; i < g*6+10; i++ { // 4 architectures repeat from the previous generation
			jobs = append(jobs, testJob(i, "cpu"))
		}
		jobs = append(jobs, testJob(g*6+3, "cpu")) // the same job twice in one generation
		out, err := c.RunGeneration(context.Background(), jobs, soon(20*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(jobs) {
			t.Fatalf("generation %d: %d outcomes for %d jobs", g, len(out), len(jobs))
		}
		for i, o := range out {
			if o.Job.ArchKey != jobs[i].ArchKey {
				t.Fatalf("generation %d outcome %d is %s, want %s", g, i, o.Job.ArchKey, jobs[i].ArchKey)
			}
			checkDone(t, o)
			if i < len(jobs)-1 && o.Cached != seen[o.Job.ArchKey] {
				t.Errorf("generation %d %s: cached %v, want %v", g, o.Job.ArchKey, o.Cached, seen[o.Job.ArchKey])
			}
		}
		for _, j := range jobs {
			seen[j.ArchKey] = true
		}
	}
	cnt.mu.Lock()
	defer cnt.mu.Unlock()
	if len(cnt.completed) != 22 {
		t.Errorf("%d architectures measured, want 22", len(cnt.completed))
	}
	for k, n := range cnt.started {
		if n != 1 || cnt.completed[k] != 1 {
			t.Errorf("%s: measured %d times (%d completed), want once", k, n, cnt.completed[k])
		}
	}
	t.Logf("jobs per worker: %v", cnt.byWorker)
	if st := drained(t, c); st.Msgs != 0 {
		t.Errorf("%d jobs left in the work queue, want 0", st.Msgs)
	}
}

// A worker process killed with SIGKILL in the middle of a measurement loses
// nothing: after AckWait the job is redelivered to another worker.
func TestKilledWorkerJobIsRedelivered(t *testing.T) {
	needSelfExec(t)
	s := startServer(t, ServerConfig{Listen: "127.0.0.1:0", User: "fleet", Password: "s3cret"})
	c := newCoordinator(t, connect(t, s), CoordinatorConfig{Run: "r1", AckWait: time.Second})
	job := testJob(7, "cpu")
	type result struct {
		out []Outcome
		err error
	}
	res := make(chan result, 1)
	go func() {
		out, err := c.RunGeneration(context.Background(), []Job{job}, soon(30*time.Second))
		res <- result{out, err}
	}()
	cmd, key := startHangingWorker(t, s.ClientURL(), "fleet", "s3cret", "cpu")
	if key != job.ArchKey {
		t.Fatalf("subprocess measures %s, want %s", key, job.ArchKey)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()
	cnt := newCounter()
	runWorker(t, connect(t, s), &Worker{Class: "cpu", ID: "survivor", Fingerprint: testFingerprint("A"), Measure: cnt.measure("survivor", 0)})
	r := <-res
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkDone(t, r.out[0])
	if r.out[0].Worker != "survivor" {
		t.Errorf("measured by %q, want survivor", r.out[0].Worker)
	}
	e, err := c.results.Get(context.Background(), resultKey("r1", "cpu", job.ArchKey))
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Deliveries != 2 {
		t.Errorf("result came from delivery %d, want 2 (the killed worker had the first)", rec.Deliveries)
	}
	t.Logf("redelivered and measured %s after the kill", time.Since(killed).Round(10*time.Millisecond))
}

// When every delivery of a job ends with a lost worker, the server's
// max-deliveries advisory makes the coordinator record the job as failed.
func TestExhaustedDeliveriesAreFailed(t *testing.T) {
	needSelfExec(t)
	s := startServer(t, ServerConfig{Listen: "127.0.0.1:0", User: "fleet", Password: "s3cret"})
	c := newCoordinator(t, connect(t, s), CoordinatorConfig{Run: "r1", AckWait: 500 * time.Millisecond, MaxDeliver: 1})
	job := testJob(3, "cpu")
	res := make(chan []Outcome, 1)
	go func() {
		out, err := c.RunGeneration(context.Background(), []Job{job}, soon(20*time.Second))
		if err != nil {
			t.Error(err)
		}
		res <- out
	}()
	cmd, _ := startHangingWorker(t, s.ClientURL(), "fleet", "s3cret", "cpu")
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	out := <-res
	if out == nil {
		return
	}
	if o := out[0]; o.Status != Failed || !strings.Contains(o.Reason, "no result after 1 deliveries") {
		t.Fatalf("outcome %s (%s), want failed after 1 delivery", o.Status, o.Reason)
	}
	if st := drained(t, c); st.Msgs != 0 {
		t.Errorf("%d jobs left in the work queue, want the exhausted one dropped", st.Msgs)
	}
}

// A measurement that fails on every delivery is retried MaxDeliver times and
// then reported as failed with the worker's error.
func TestMeasurementErrorFailsAfterMaxDeliver(t *testing.T) {
	s := startServer(t, ServerConfig{})
	c := newCoordinator(t, connect(t, s), CoordinatorConfig{Run: "r1", AckWait: 5 * time.Second, MaxDeliver: 3})
	calls := make(chan int, 10)
	runWorker(t, connect(t, s), &Worker{Class: "cpu", ID: "w", Fingerprint: testFingerprint("A"),
		Measure: func(ctx context.Context, j Job) (json.RawMessage, error) {
			calls <- 1
			return nil, errors.New("out of memory")
		}})
	out, err := c.RunGeneration(context.Background(), []Job{testJob(1, "cpu")}, soon(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	o := out[0]
	if o.Status != Failed || !strings.Contains(o.Reason, "delivery 3 of 3") || !strings.Contains(o.Reason, "out of memory") {
		t.Fatalf("outcome %s (%s), want failed on delivery 3 of 3 with the error", o.Status, o.Reason)
	}
	if len(calls) != 3 {
		t.Errorf("Measure called %d times, want 3", len(calls))
	}
}

// Killing the coordinator (server and all) in the middle of a generation and
// resuming on the same store publishes nothing already measured or queued and
// measures nothing twice.
func TestResumeMeasuresNothingTwice(t *testing.T) {
	dir := t.TempDir()
	jobs := []Job{testJob(0, "cpu"), testJob(1, "cpu"), testJob(2, "cpu"), testJob(3, "cpu")}
	cnt := newCounter()
	quick := cnt.measure("first", 0)
	slow := cnt.measure("first", time.Hour)

	s1, err := StartServer(ServerConfig{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	nc1, err := s1.Connect()
	if err != nil {
		t.Fatal(err)
	}
	c1, err := NewCoordinator(context.Background(), nc1, CoordinatorConfig{Run: "r1", AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	nw, err := s1.Connect()
	if err != nil {
		t.Fatal(err)
	}
	stop1 := runWorker(t, nw, &Worker{Class: "cpu", ID: "first", Fingerprint: testFingerprint("A"),
		Measure: func(ctx context.Context, j Job) (json.RawMessage, error) {
			if j.ArchKey == jobs[0].ArchKey || j.ArchKey == jobs[1].ArchKey {
				return quick(ctx, j)
			}
			return slow(ctx, j) // still measuring when the coordinator dies
		}})
	// The coordinator dies in the middle of the generation, after the quick jobs.
	dying, die := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer die()
	if _, err := c1.RunGeneration(dying, jobs, soon(time.Hour)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("first generation: %v, want it cut short", err)
	}
	cnt.mu.Lock()
	if cnt.completed[jobs[0].ArchKey] != 1 || cnt.completed[jobs[1].ArchKey] != 1 {
		t.Fatalf("before the coordinator died: completed %v, want the two quick jobs", cnt.completed)
	}
	cnt.mu.Unlock()
	// Its server, connections and worker go with it.
	nc1.Close()
	s1.Shutdown()
	_ = stop1()

	s2 := startServer(t, ServerConfig{StoreDir: dir})
	c2 := newCoordinator(t, connect(t, s2), CoordinatorConfig{Run: "r1", AckWait: time.Second})
	before := streamState(t, c2)
	if before.Msgs != 2 || before.LastSeq != 4 {
		t.Fatalf("after the restart the queue has %d jobs (last seq %d), want the 2 unfinished of 4", before.Msgs, before.LastSeq)
	}
	runWorker(t, connect(t, s2), &Worker{Class: "cpu", ID: "second", Fingerprint: testFingerprint("A"), Measure: cnt.measure("second", 0)})
	jobs = append(jobs, testJob(4, "cpu"))
	out, err := c2.RunGeneration(context.Background(), jobs, soon(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		checkDone(t, o)
		if o.Cached != (i < 2) {
			t.Errorf("job %d: cached %v, want %v", i, o.Cached, i < 2)
		}
	}
	after := drained(t, c2)
	if after.LastSeq != 5 || after.Msgs != 0 {
		t.Errorf("after resuming: last seq %d, %d queued; want 5 (only the new job published) and 0", after.LastSeq, after.Msgs)
	}
	cnt.mu.Lock()
	defer cnt.mu.Unlock()
	for _, j := range jobs {
		if n := cnt.completed[j.ArchKey]; n != 1 {
			t.Errorf("%s completed %d times, want once", j.ArchKey, n)
		}
	}
	if cnt.byWorker["first"] != 2 || cnt.byWorker["second"] != 3 {
		t.Errorf("measurements per worker %v, want first 2 and second 3", cnt.byWorker)
	}
}

// A worker whose fingerprint is not its class's is refused: at registration when
// the class is pinned, and its results are refused when the coordinator pins the
// class after it registered.
func TestWrongFingerprintIsRefused(t *testing.T) {
	s := startServer(t, ServerConfig{})
	c := newCoordinator(t, connect(t, s), CoordinatorConfig{Run: "r1", AckWait: 5 * time.Second})
	ctx := context.Background()
	if err := c.Pin(ctx, "gpu", testFingerprint("A")); err != nil {
		t.Fatal(err)
	}
	w := &Worker{Class: "gpu", ID: "intruder", Fingerprint: testFingerprint("B"), Measure: newCounter().measure("intruder", 0)}
	err := w.Run(ctx, connect(t, s))
	var fe *FingerprintError
	if !errors.As(err, &fe) || fe.Have != testFingerprint("B").Hash || fe.Want != testFingerprint("A").Hash {
		t.Fatalf("Run = %v, want a fingerprint error B vs A", err)
	}

	// A worker registers first (and pins gpu2 to B); then the coordinator pins A.
	runWorker(t, connect(t, s), &Worker{Class: "gpu2", ID: "early", Fingerprint: testFingerprint("B"), Measure: newCounter().measure("early", 0)})
	for range 100 {
		if _, err := c.classes.Get(ctx, "gpu2"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.Pin(ctx, "gpu2", testFingerprint("A")); err != nil {
		t.Fatal(err)
	}
	out, err := c.RunGeneration(ctx, []Job{testJob(1, "gpu2")}, soon(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	o := out[0]
	if o.Status != Refused || !strings.Contains(o.Reason, testFingerprint("B").Hash) || !strings.Contains(o.Reason, "early") {
		t.Fatalf("outcome %s (%s), want refused, naming the worker and its fingerprint", o.Status, o.Reason)
	}
	if o.Result != nil {
		t.Errorf("a refused outcome carries result %s", o.Result)
	}
}

// A remote worker joins over TCP on 127.0.0.1 with a password or an NKey;
// without credentials, or with a wrong password, it is refused.
func TestRemoteWorkerNeedsCredentials(t *testing.T) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	seedFile := filepath.Join(t.TempDir(), "worker.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, ServerConfig{Listen: "127.0.0.1:0", User: "fleet", Password: "s3cret", NKeySeedFile: seedFile})
	url := s.ClientURL()
	if !strings.HasPrefix(url, "nats://127.0.0.1:") || strings.HasSuffix(url, ":4222") {
		t.Fatalf("client URL %s, want a random port on 127.0.0.1", url)
	}
	for _, bad := range []Credentials{{}, {User: "fleet", Password: "guess"}} {
		if nc, err := Dial(url, bad, noRetry()...); err == nil {
			nc.Close()
			t.Fatalf("connected with %+v, want refused", bad)
		} else if !strings.Contains(strings.ToLower(err.Error()), "authorization") {
			t.Errorf("refusal %q does not say authorization", err)
		}
	}
	c := newCoordinator(t, connect(t, s), CoordinatorConfig{Run: "r1", AckWait: 5 * time.Second})
	cnt := newCounter()
	for i, cred := range []Credentials{{User: "fleet", Password: "s3cret"}, {NKeySeedFile: seedFile}} {
		nc, err := Dial(url, cred)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		id := fmt.Sprintf("remote%d", i)
		runWorker(t, nc, &Worker{Class: "cpu", ID: id, Fingerprint: testFingerprint("A"), Measure: cnt.measure(id, 20*time.Millisecond)})
	}
	var jobs []Job
	for i := range 6 {
		jobs = append(jobs, testJob(i, "cpu"))
	}
	out, err := c.RunGeneration(context.Background(), jobs, soon(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		checkDone(t, o)
	}
	if _, err := StartServer(ServerConfig{StoreDir: t.TempDir(), Listen: "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Errorf("listening without credentials: %v, want refused", err)
	}
}

// Publishing the same job twice stores it once and delivers it once.
func TestDuplicatePublishIsDeliveredOnce(t *testing.T) {
	s := startServer(t, ServerConfig{})
	c := newCoordinator(t, connect(t, s), CoordinatorConfig{Run: "r1", AckWait: 5 * time.Second})
	ctx := context.Background()
	job := testJob(5, "cpu")
	job.Run = "r1"
	if err := c.ensureConsumer(ctx, "cpu"); err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for range 2 {
		seq, err := c.publish(ctx, job)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	if seqs[0] == 0 || seqs[1] != seqs[0] {
		t.Fatalf("publishing twice gave sequences %v, want the stored message's twice", seqs)
	}
	other := job
	other.Protocol = json.RawMessage(`{"batch":2,"seq_len":192}`)
	if msgID(other) == msgID(job) {
		t.Fatal("another protocol has the same message id")
	}
	if st := streamState(t, c); st.Msgs != 1 {
		t.Fatalf("%d messages stored, want 1", st.Msgs)
	}
	cnt := newCounter()
	runWorker(t, connect(t, s), &Worker{Class: "cpu", ID: "w", Fingerprint: testFingerprint("A"), Measure: cnt.measure("w", 0)})
	out, err := c.RunGeneration(ctx, []Job{job}, soon(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, out[0])
	time.Sleep(300 * time.Millisecond) // a second delivery would show by now
	cnt.mu.Lock()
	defer cnt.mu.Unlock()
	if n := cnt.started[job.ArchKey]; n != 1 {
		t.Errorf("delivered %d times, want once", n)
	}
}

// A job that runs out of deliveries while no coordinator is listening is still
// reported as failed by the next coordinator of the run, at once, not at its deadline.
func TestExhaustedWhileCoordinatorDownIsFailed(t *testing.T) {
	needSelfExec(t)
	s := startServer(t, ServerConfig{Listen: "127.0.0.1:0", User: "fleet", Password: "s3cret"})
	cfg := CoordinatorConfig{Run: "r1", AckWait: 500 * time.Millisecond, MaxDeliver: 1}
	c1, err := NewCoordinator(context.Background(), connect(t, s), cfg)
	if err != nil {
		t.Fatal(err)
	}
	job := testJob(4, "cpu")
	ctx, cancel := context.WithCancel(context.Background())
	gen := make(chan error, 1)
	go func() {
		_, err := c1.RunGeneration(ctx, []Job{job}, soon(20*time.Second))
		gen <- err
	}()
	cmd, _ := startHangingWorker(t, s.ClientURL(), "fleet", "s3cret", "cpu")
	cancel() // the coordinator goes away while the job is measured
	if err := <-gen; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled generation: %v", err)
	}
	_ = c1.Close()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	time.Sleep(1500 * time.Millisecond) // the ack wait passes: deliveries exhausted, nobody listening

	c2 := newCoordinator(t, connect(t, s), cfg)
	start := time.Now()
	out, err := c2.RunGeneration(context.Background(), []Job{job}, soon(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if o := out[0]; o.Status != Failed || !strings.Contains(o.Reason, "no result after 1 deliveries") {
		t.Fatalf("outcome %s (%s), want failed after 1 delivery", o.Status, o.Reason)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the failure took %s to be seen", d)
	}
}

// A generation that gives up on its jobs at the deadline removes them from the work
// queue: the worker finishes the job it holds but takes none of the others, and the
// next generation does not wait behind them.
func TestTimedOutJobsLeaveTheQueue(t *testing.T) {
	s := startServer(t, ServerConfig{})
	c := newCoordinator(t, connect(t, s), CoordinatorConfig{Run: "r1", AckWait: 5 * time.Second})
	cnt := newCounter()
	stop := runWorker(t, connect(t, s), &Worker{Class: "cpu", ID: "w", Fingerprint: testFingerprint("A"), Measure: cnt.measure("w", 300*time.Millisecond)})
	jobs := []Job{testJob(0, "cpu"), testJob(1, "cpu"), testJob(2, "cpu")}
	out, err := c.RunGeneration(context.Background(), jobs, soon(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if o.Status != TimedOut {
			t.Fatalf("%s: %s, want timed out", o.Job.ArchKey, o.Status)
		}
	}
	if st := streamState(t, c); st.Msgs != 0 {
		t.Errorf("%d timed-out jobs left in the work queue, want none", st.Msgs)
	}
	next := testJob(3, "cpu")
	start := time.Now()
	out, err = c.RunGeneration(context.Background(), []Job{next}, soon(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, out[0])
	if err := stop(); err != nil {
		t.Errorf("worker: %v", err)
	}
	cnt.mu.Lock()
	if len(cnt.started) != 2 || cnt.started[next.ArchKey] != 1 {
		t.Errorf("measured %v, want the job held at the deadline and the next generation's only", cnt.started)
	}
	// One job measured at a time: the next one waited for the held one only.
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("the next generation took %s, want about two measurements (600 ms)", d.Round(time.Millisecond))
	}
	cnt.mu.Unlock()
	// A job given up on and asked for again is queued again, though the server
	// still knows its message id.
	runWorker(t, connect(t, s), &Worker{Class: "cpu", ID: "w2", Fingerprint: testFingerprint("A"), Measure: cnt.measure("w2", 0)})
	out, err = c.RunGeneration(context.Background(), []Job{jobs[1]}, soon(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, out[0])
	if err := c.stream.DeleteMsg(context.Background(), 1); !msgGone(err) {
		t.Errorf("deleting a message no longer there: %v, want it recognised as gone", err)
	}
}

// Each run's coordinator reads advisories through its own durable consumer, which
// expires after a week without a reader and which Finish deletes.
func TestFinishDeletesTheAdvisoryConsumer(t *testing.T) {
	s := startServer(t, ServerConfig{})
	nc := connect(t, s)
	c := newCoordinator(t, nc, CoordinatorConfig{Run: "r1"})
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cons, err := js.Consumer(ctx, ExhaustedStream, "coordinator_r1")
	if err != nil {
		t.Fatal(err)
	}
	if got := cons.CachedInfo().Config.InactiveThreshold; got != 7*24*time.Hour {
		t.Errorf("inactive threshold %s, want a week (the advisories' age limit)", got)
	}
	if err := c.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Consumer(ctx, ExhaustedStream, "coordinator_r1"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Errorf("after Finish: %v, want the consumer gone", err)
	}
}
