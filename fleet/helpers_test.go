package fleet

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Environment of a worker subprocess (the test binary run again, see TestMain).
const (
	envWorkerURL   = "LTSBENCH_FLEET_TEST_WORKER_URL"
	envWorkerUser  = "LTSBENCH_FLEET_TEST_WORKER_USER"
	envWorkerPass  = "LTSBENCH_FLEET_TEST_WORKER_PASS"
	envWorkerClass = "LTSBENCH_FLEET_TEST_WORKER_CLASS"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(envWorkerURL); url != "" {
		os.Exit(hangingWorker(url))
	}
	os.Exit(m.Run())
}

// hangingWorker is a worker process whose Measure says "measuring <arch key>" on
// stdout and then never returns (it keeps the job alive with progress reports
// until the test kills the process).
func hangingWorker(url string) int {
	nc, err := Dial(url, Credentials{User: os.Getenv(envWorkerUser), Password: os.Getenv(envWorkerPass)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	w := &Worker{Class: os.Getenv(envWorkerClass), Fingerprint: testFingerprint("A"), ID: "doomed", Poll: 200 * time.Millisecond,
		Measure: func(ctx context.Context, j Job) (json.RawMessage, error) {
			fmt.Printf("measuring %s\n", j.ArchKey)
			<-ctx.Done()
			return nil, ctx.Err()
		}}
	if err := w.Run(context.Background(), nc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
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

// needSelfExec skips a test that runs workers in subprocesses where that cannot work.
func needSelfExec(t *testing.T) {
	t.Helper()
	if err := selfExec(); err != nil {
		t.Skipf("the test binary cannot run itself here: %v", err)
	}
}

// startHangingWorker runs hangingWorker in a subprocess and returns it once it is
// measuring a job.
func startHangingWorker(t *testing.T, url, user, pass, class string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envWorkerURL+"="+url, envWorkerUser+"="+user, envWorkerPass+"="+pass, envWorkerClass+"="+class)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if k, ok := strings.CutPrefix(sc.Text(), "measuring "); ok {
				line <- k
				return
			}
		}
		close(line)
	}()
	select {
	case k, ok := <-line:
		if !ok {
			t.Fatal("worker subprocess ended before measuring")
		}
		return cmd, k
	case <-time.After(20 * time.Second):
		t.Fatal("worker subprocess measured nothing in 20 s")
	}
	return nil, ""
}

func testFingerprint(device string) Fingerprint {
	fp, err := NewFingerprint(json.RawMessage(fmt.Sprintf(`{"device":%q,"driver":"fake 1.0","ltsbench":"test"}`, device)))
	if err != nil {
		panic(err)
	}
	return fp
}

func startServer(t *testing.T, cfg ServerConfig) *Server {
	t.Helper()
	if cfg.StoreDir == "" {
		cfg.StoreDir = t.TempDir()
	}
	s, err := StartServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

func connect(t *testing.T, s *Server) *nats.Conn {
	t.Helper()
	nc, err := s.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func newCoordinator(t *testing.T, nc *nats.Conn, cfg CoordinatorConfig) *Coordinator {
	t.Helper()
	c, err := NewCoordinator(context.Background(), nc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// fakeLatency is the deterministic "measurement" of an arch key: a latency in
// milliseconds derived from its hash, so that every worker reports the same value.
func fakeLatency(archKey string) float64 {
	h := sha256.Sum256([]byte(archKey))
	return 1 + float64(binary.BigEndian.Uint16(h[:2]))/1000
}

func fakeResult(archKey string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"latency_ms":%g}`, fakeLatency(archKey)))
}

// counter counts Measure calls (started and completed) per arch key and per worker.
type counter struct {
	mu        sync.Mutex
	started   map[string]int
	completed map[string]int
	byWorker  map[string]int
}

func newCounter() *counter {
	return &counter{started: map[string]int{}, completed: map[string]int{}, byWorker: map[string]int{}}
}

// measure returns a fake Measure for worker id that takes d per job.
func (c *counter) measure(id string, d time.Duration) func(context.Context, Job) (json.RawMessage, error) {
	return func(ctx context.Context, j Job) (json.RawMessage, error) {
		c.mu.Lock()
		c.started[j.ArchKey]++
		c.mu.Unlock()
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		c.mu.Lock()
		c.completed[j.ArchKey]++
		c.byWorker[id]++
		c.mu.Unlock()
		return fakeResult(j.ArchKey), nil
	}
}

// runWorker runs w on nc until the returned stop is called (or the test ends).
func runWorker(t *testing.T, nc *nats.Conn, w *Worker) (stop func() error) {
	t.Helper()
	if w.Poll == 0 {
		w.Poll = 200 * time.Millisecond
	}
	if w.NakDelay == 0 {
		w.NakDelay = 50 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, nc) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// testJob is the job of architecture i on class: arch JSON and arch key follow i.
func testJob(i int, class string) Job {
	return Job{
		ArchKey:  fmt.Sprintf("gpt2:L%d:d%d:h8:i%d", 2+i%6, 256+64*(i%5), 1024+i),
		Class:    class,
		Arch:     json.RawMessage(fmt.Sprintf(`{"n_layer":%d,"d_model":%d,"d_inner":%d}`, 2+i%6, 256+64*(i%5), 1024+i)),
		Protocol: json.RawMessage(`{"batch":1,"seq_len":192}`),
	}
}

func soon(d time.Duration) time.Time { return time.Now().Add(d) }

// noRetry makes a refused Dial fail at once.
func noRetry() []nats.Option {
	return []nats.Option{nats.MaxReconnects(0), nats.Timeout(2 * time.Second)}
}
