package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Worker measures the jobs of one device class, one at a time.
type Worker struct {
	Class       string
	Fingerprint Fingerprint
	// Measure measures one job and returns its result as JSON. An error fails
	// this attempt: the job is retried after NakDelay until its deliveries run out.
	Measure func(ctx context.Context, j Job) (json.RawMessage, error)
	// ID names the worker in its records ([A-Za-z0-9_-]; default host-pid).
	ID string
	// NakDelay is how long a failed job waits before it is handed out again (default 1 s).
	NakDelay time.Duration
	// Poll bounds one wait for a job, and so how late Run sees its context end (default 2 s).
	Poll time.Duration
	// Logf, when set, receives one line per job.
	Logf func(format string, args ...any)
}

// FingerprintError says that a worker's fingerprint is not its class's.
type FingerprintError struct {
	Class, Worker, Have, Want string
}

func (e *FingerprintError) Error() string {
	return fmt.Sprintf("worker %s refused: its fingerprint %s is not class %s's %s (another device, driver or CPU kernel; use another --class)",
		e.Worker, e.Have, e.Class, e.Want)
}

// Run registers the worker's fingerprint and measures jobs until ctx ends (then it
// returns nil) or the connection fails. A fingerprint that is not the class's is a
// *FingerprintError before any job is taken.
func (w *Worker) Run(ctx context.Context, nc *nats.Conn) error {
	if err := checkToken("device class", w.Class); err != nil {
		return err
	}
	if w.ID == "" {
		host, _ := os.Hostname()
		w.ID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	w.ID = sanitizeToken(w.ID)
	if w.Fingerprint.Hash == "" || w.Measure == nil {
		return fmt.Errorf("worker %s: no fingerprint or no Measure", w.ID)
	}
	if w.NakDelay == 0 {
		w.NakDelay = time.Second
	}
	if w.Poll == 0 {
		w.Poll = 2 * time.Second
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	// Each step repeats safely: the streams and buckets are created or confirmed, the
	// registration is a put, the pin a create that may find the key, the consumer
	// looked up or created.
	var kvs map[string]jetstream.KeyValue
	var cons jetstream.Consumer
	err = retrySetup(ctx, func() (err error) {
		if _, kvs, err = ensure(ctx, js); err != nil {
			return err
		}
		if err := w.register(ctx, kvs); err != nil {
			return err
		}
		cons, err = js.Consumer(ctx, StreamName, consumerName(w.Class))
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			// Before the coordinator: create it with defaults, which the coordinator updates.
			cons, err = js.CreateConsumer(ctx, StreamName, consumerConfig(w.Class, 30*time.Second, 3))
			if err != nil {
				cons, err = js.Consumer(ctx, StreamName, consumerName(w.Class))
			}
		}
		if err != nil {
			return fmt.Errorf("consumer of class %s: %w", w.Class, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	results := kvs[ResultsBucket]
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, w.Poll)
		msg, err := cons.Next(jetstream.FetchContext(pctx))
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, jetstream.ErrNoMessages) {
				continue
			}
			if nc.IsClosed() {
				return fmt.Errorf("worker %s: connection closed: %w", w.ID, err)
			}
			time.Sleep(w.Poll / 4) // the server may be restarting; the connection reconnects
			continue
		}
		if err := w.handle(ctx, cons, results, msg); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if nc.IsClosed() || !transient(err) {
				return err
			}
			// The server went away mid-job: the job is redelivered after the ack wait.
			w.logf("worker %s: %v", w.ID, err)
		}
	}
	return nil
}

// register records the fingerprint in the workers bucket and checks it against
// the class's (pinning it when the class has none yet).
func (w *Worker) register(ctx context.Context, kvs map[string]jetstream.KeyValue) error {
	reg, _ := json.Marshal(struct {
		Class       string      `json:"class"`
		Worker      string      `json:"worker"`
		Fingerprint Fingerprint `json:"fingerprint"`
		At          time.Time   `json:"at"`
	}{w.Class, w.ID, w.Fingerprint, time.Now().UTC()})
	if _, err := kvs[WorkersBucket].Put(ctx, w.Class+"."+w.ID, reg); err != nil {
		return fmt.Errorf("register worker %s: %w", w.ID, err)
	}
	classes := kvs[ClassesBucket]
	if _, err := classes.Create(ctx, w.Class, []byte(w.Fingerprint.Hash)); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("pin class %s: %w", w.Class, err)
	}
	e, err := classes.Get(ctx, w.Class)
	if err != nil {
		return fmt.Errorf("class %s fingerprint: %w", w.Class, err)
	}
	if want := string(e.Value()); want != w.Fingerprint.Hash {
		return &FingerprintError{Class: w.Class, Worker: w.ID, Have: w.Fingerprint.Hash, Want: want}
	}
	return nil
}

// handle measures one delivered job. Order: record, then ack, so that a crash in
// between leaves a record and a redelivery, which finds the record and only acks.
func (w *Worker) handle(ctx context.Context, cons jetstream.Consumer, results jetstream.KeyValue, msg jetstream.Msg) error {
	var j Job
	if err := json.Unmarshal(msg.Data(), &j); err != nil || j.check() != nil || j.Class != w.Class {
		w.logf("worker %s: dropped a malformed job on %s", w.ID, msg.Subject())
		return msg.TermWithReason("malformed job")
	}
	meta, err := msg.Metadata()
	if err != nil {
		return fmt.Errorf("job %s: %w", j.ArchKey, err)
	}
	key := resultKey(j.Run, j.Class, j.ArchKey)
	if _, err := results.Get(ctx, key); err == nil {
		return msg.DoubleAck(ctx) // measured already (a redelivery after a lost ack)
	}
	ackWait, maxDeliver := 30*time.Second, 3
	if info, err := cons.Info(ctx); err == nil {
		ackWait, maxDeliver = info.Config.AckWait, info.Config.MaxDeliver
	}
	// Keep the job while it is measured: a silent worker loses it after AckWait.
	hbCtx, stopHB := context.WithCancel(ctx)
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		t := time.NewTicker(ackWait / 4)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	start := time.Now()
	res, merr := w.Measure(ctx, j)
	stopHB()
	<-hbDone
	if ctx.Err() != nil {
		return ctx.Err() // unacked: redelivered to another worker after AckWait
	}
	rec := Record{Run: j.Run, ArchKey: j.ArchKey, Class: j.Class, Worker: w.ID, Fingerprint: w.Fingerprint.Hash,
		Deliveries: meta.NumDelivered, At: time.Now().UTC()}
	switch {
	case merr == nil && !json.Valid(res):
		merr = fmt.Errorf("the result is not JSON")
		fallthrough
	case merr != nil:
		if maxDeliver > 0 && int(meta.NumDelivered) < maxDeliver {
			w.logf("worker %s: %s on %s failed (delivery %d of %d, retried): %v", w.ID, j.ArchKey, j.Class, meta.NumDelivered, maxDeliver, merr)
			return msg.NakWithDelay(w.NakDelay)
		}
		rec.Status, rec.Error = RecordFailed, fmt.Sprintf("delivery %d of %d on worker %s: %v", meta.NumDelivered, maxDeliver, w.ID, merr)
	default:
		rec.Status, rec.Result = RecordOK, res
	}
	b, _ := json.Marshal(rec)
	if err := w.writeRecord(ctx, results, key, b, ackWait); err != nil {
		return fmt.Errorf("write result of %s on %s: %w", j.ArchKey, j.Class, err)
	}
	w.logf("worker %s: %s on %s %s in %s (delivery %d)", w.ID, j.ArchKey, j.Class, rec.Status, time.Since(start).Round(time.Millisecond), meta.NumDelivered)
	if rec.Status == RecordFailed {
		return msg.TermWithReason("failed on its last delivery")
	}
	return msg.DoubleAck(ctx)
}

// writeRecord creates the job's record, trying again while the server is away (an
// embedded server restarts with its coordinator): a measurement is not thrown away
// for a lost connection. It gives up after 4·ackWait (at least a minute), when ctx
// ends, or on an error that is not the server's absence.
func (w *Worker) writeRecord(ctx context.Context, results jetstream.KeyValue, key string, b []byte, ackWait time.Duration) error {
	giveUp := time.Now().Add(max(4*ackWait, time.Minute))
	for logged := false; ; {
		_, err := results.Create(ctx, key, b)
		if err == nil || errors.Is(err, jetstream.ErrKeyExists) {
			return nil
		}
		if ctx.Err() != nil || time.Now().After(giveUp) || !transient(err) {
			return err
		}
		if !logged {
			w.logf("worker %s: cannot write a result yet (%v); trying again until the server is back", w.ID, err)
			logged = true
		}
		select {
		case <-time.After(250 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// transient reports an error of a server that is away or restarting.
func transient(err error) bool {
	return errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, nats.ErrDisconnected) ||
		errors.Is(err, jetstream.ErrJetStreamNotEnabled)
}

func (w *Worker) logf(format string, args ...any) {
	if w.Logf != nil {
		w.Logf(format, args...)
	}
}

// Token maps s onto what a device class or a worker id may hold ([A-Za-z0-9_-],
// at most 64 bytes): "NVIDIA H200" → "NVIDIA_H200".
func Token(s string) string { return sanitizeToken(s) }

func sanitizeToken(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	if len(b) == 0 {
		return "worker"
	}
	return string(b)
}
