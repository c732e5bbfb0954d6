package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// CoordinatorConfig configures a Coordinator.
type CoordinatorConfig struct {
	Run string // the run's id: a subject token, [A-Za-z0-9_-]
	// AckWait is how long a worker may be silent on a job before the server hands
	// it to another worker (default 30 s); workers report progress every AckWait/4
	// while they measure, so it need not cover a measurement.
	AckWait time.Duration
	// MaxDeliver is how many times a job is handed out at most (default 3).
	MaxDeliver int
}

// Coordinator publishes a run's jobs and collects their records, one generation
// at a time. It is not safe for concurrent RunGeneration calls.
type Coordinator struct {
	cfg      CoordinatorConfig
	nc       *nats.Conn
	js       jetstream.JetStream
	stream   jetstream.Stream
	results  jetstream.KeyValue
	classes  jetstream.KeyValue
	adv      jetstream.ConsumeContext
	advCh    chan jetstream.Msg
	closed   chan struct{}
	stopped  bool            // Close ran
	consumer map[string]bool // classes whose consumer is configured
}

// maxDeliveriesAdvisory is the subject prefix of the server's advisory that a
// consumer's message ran out of deliveries; .<stream>.<consumer> follows.
const maxDeliveriesAdvisory = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"

// NewCoordinator prepares the stream and buckets on nc's server.
func NewCoordinator(ctx context.Context, nc *nats.Conn, cfg CoordinatorConfig) (*Coordinator, error) {
	if err := checkToken("run", cfg.Run); err != nil {
		return nil, err
	}
	if cfg.AckWait == 0 {
		cfg.AckWait = 30 * time.Second
	}
	if cfg.AckWait < 100*time.Millisecond {
		return nil, fmt.Errorf("ack wait %s: want at least 100ms", cfg.AckWait)
	}
	if cfg.MaxDeliver == 0 {
		cfg.MaxDeliver = 3
	}
	if cfg.MaxDeliver < 1 || cfg.MaxDeliver > 10 {
		return nil, fmt.Errorf("max deliveries %d: want 1 to 10", cfg.MaxDeliver)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	var st jetstream.Stream
	var kvs map[string]jetstream.KeyValue
	err = retrySetup(ctx, func() (err error) {
		st, kvs, err = ensure(ctx, js)
		return err
	})
	if err != nil {
		return nil, err
	}
	c := &Coordinator{cfg: cfg, nc: nc, js: js, stream: st, results: kvs[ResultsBucket],
		classes: kvs[ClassesBucket], advCh: make(chan jetstream.Msg, 256), closed: make(chan struct{}), consumer: map[string]bool{}}
	// Deliveries exhausted without a record (workers lost or too slow): the server
	// says so in an advisory, which ExhaustedStream keeps until this run's
	// coordinator has seen it; the coordinator then writes the failed record.
	var adv jetstream.Consumer
	err = retrySetup(ctx, func() (err error) {
		adv, err = js.CreateOrUpdateConsumer(ctx, ExhaustedStream, jetstream.ConsumerConfig{
			Durable:     advisoryConsumer(cfg.Run),
			Description: "the coordinator of run " + cfg.Run,
			AckPolicy:   jetstream.AckExplicitPolicy,
			// A run never finished (nor Finished) leaves no consumer behind for
			// longer than the advisories it would read are kept.
			InactiveThreshold: exhaustedMaxAge,
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("consumer of %s: %w", ExhaustedStream, err)
	}
	c.adv, err = adv.Consume(func(m jetstream.Msg) {
		select {
		case c.advCh <- m:
		case <-c.closed:
			_ = m.Nak()
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read max-deliveries advisories: %w", err)
	}
	return c, nil
}

// Close stops reading advisories; it leaves the connection open. Advisories that
// arrive later wait in ExhaustedStream for the next coordinator of the run.
func (c *Coordinator) Close() error {
	if c.stopped {
		return nil
	}
	c.stopped = true
	c.adv.Stop()
	close(c.closed)
	for {
		select {
		case m := <-c.advCh:
			_ = m.Nak()
		default:
			return nil
		}
	}
}

// Finish ends the run on the server: it stops reading advisories and deletes the
// run's durable consumer of ExhaustedStream. Call it once the run needs no more
// measurements (a resumed run makes a new consumer); Close is then a no-op.
func (c *Coordinator) Finish(ctx context.Context) error {
	_ = c.Close()
	err := c.js.DeleteConsumer(ctx, ExhaustedStream, advisoryConsumer(c.cfg.Run))
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("delete consumer %s: %w", advisoryConsumer(c.cfg.Run), err)
	}
	return nil
}

func advisoryConsumer(run string) string { return "coordinator_" + run }

// Pin sets the fingerprint every result of class must carry, replacing the one
// the class's first worker registered.
func (c *Coordinator) Pin(ctx context.Context, class string, fp Fingerprint) error {
	if err := checkToken("device class", class); err != nil {
		return err
	}
	_, err := c.classes.Put(ctx, class, []byte(fp.Hash))
	return err
}

// RunGeneration is a barrier over jobs: the jobs without a record are published
// (each (arch key, class) once, however often it appears), and it returns when each
// has a record or when deadline passes. The rest are TimedOut and their messages are
// removed from the work queue, so that no worker takes them after the generation
// gave up on them (a worker already measuring one finishes it and writes its record,
// which nothing waits for). Outcomes are in the order of jobs. An error means the
// generation could not be run (bad job, lost server).
func (c *Coordinator) RunGeneration(ctx context.Context, jobs []Job, deadline time.Time) ([]Outcome, error) {
	out := make([]Outcome, len(jobs))
	byKey := map[string][]int{}
	for i := range jobs {
		if jobs[i].Run == "" {
			jobs[i].Run = c.cfg.Run
		}
		if jobs[i].Run != c.cfg.Run {
			return nil, fmt.Errorf("job %s is for run %s, not %s", jobs[i].ArchKey, jobs[i].Run, c.cfg.Run)
		}
		if err := jobs[i].check(); err != nil {
			return nil, err
		}
		out[i].Job = jobs[i]
		k := resultKey(jobs[i].Run, jobs[i].Class, jobs[i].ArchKey)
		byKey[k] = append(byKey[k], i)
	}
	for i := range jobs {
		if err := c.ensureConsumer(ctx, jobs[i].Class); err != nil {
			return nil, err
		}
	}
	// Watch before looking up, so that no record slips between the two.
	var w jetstream.KeyWatcher
	err := retrySetup(ctx, func() (err error) {
		w, err = c.results.Watch(ctx, c.cfg.Run+".>", jetstream.UpdatesOnly())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("watch results: %w", err)
	}
	defer w.Stop()
	pins := map[string]string{}
	open := len(byKey)
	settle := func(key string, rec Record, cached bool) {
		idx, ok := byKey[key]
		if !ok || out[idx[0]].Status != "" {
			return
		}
		o := c.outcome(ctx, out[idx[0]].Job, rec, pins)
		o.Cached = cached
		for _, i := range idx {
			out[i] = o
		}
		open--
	}
	for key, idx := range byKey {
		e, err := c.results.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read result %s: %w", jobs[idx[0]].ArchKey, err)
		}
		if rec, ok := decodeRecord(e.Value(), jobs[idx[0]]); ok {
			settle(key, rec, true)
		}
	}
	seqs := map[string]uint64{} // stream sequence of each published job
	for i, j := range jobs {    // in the order given, each key once
		k := resultKey(j.Run, j.Class, j.ArchKey)
		if byKey[k][0] != i || out[i].Status != "" {
			continue
		}
		seq, err := c.publish(ctx, j)
		if err != nil {
			return nil, err
		}
		seqs[k] = seq
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for open > 0 {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("results watch closed")
			}
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			if idx, ok := byKey[e.Key()]; ok {
				if rec, ok := decodeRecord(e.Value(), jobs[idx[0]]); ok {
					settle(e.Key(), rec, false)
				}
			}
		case m := <-c.advCh:
			if err := c.deliveriesExhausted(ctx, m.Data()); err != nil {
				return nil, err
			}
			_ = m.Ack()
		case <-timer.C:
			for key, idx := range byKey {
				if out[idx[0]].Status != "" {
					continue
				}
				for _, i := range idx {
					out[i].Status = TimedOut
					out[i].Reason = fmt.Sprintf("no result by the generation's deadline (%s)", deadline.Format(time.RFC3339))
				}
				if seq, ok := seqs[key]; ok {
					if err := c.stream.DeleteMsg(ctx, seq); err != nil && !msgGone(err) {
						return nil, fmt.Errorf("drop timed-out job %s on %s: %w", jobs[idx[0]].ArchKey, jobs[idx[0]].Class, err)
					}
				}
			}
			return out, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return out, nil
}

// publish queues j and returns its stream sequence; a job already in the stream
// (same message id) is not stored again, and the sequence is the stored one's. A
// job whose message is gone although the server still knows its id (removed when a
// generation gave up on it, or taken by a worker that has not written its record
// yet) is queued again under a new id: a worker that finds its record only acks it.
func (c *Coordinator) publish(ctx context.Context, j Job) (seq uint64, err error) {
	payload, err := json.Marshal(j)
	if err != nil {
		return 0, err
	}
	id := msgID(j)
	for again := 0; ; again++ {
		ack, err := c.js.Publish(ctx, jobSubject(j.Run, j.Class), payload, jetstream.WithMsgID(id), jetstream.WithExpectStream(StreamName))
		if err != nil {
			return 0, fmt.Errorf("publish job %s on %s: %w", j.ArchKey, j.Class, err)
		}
		if !ack.Duplicate || again > 0 {
			return ack.Sequence, nil
		}
		if _, err := c.stream.GetMsg(ctx, ack.Sequence); !errors.Is(err, jetstream.ErrMsgNotFound) {
			return ack.Sequence, nil
		}
		id = fmt.Sprintf("%s.%d", msgID(j), time.Now().UnixNano())
	}
}

func (c *Coordinator) ensureConsumer(ctx context.Context, class string) error {
	if c.consumer[class] {
		return nil
	}
	err := retrySetup(ctx, func() error {
		_, err := c.js.CreateOrUpdateConsumer(ctx, StreamName, consumerConfig(class, c.cfg.AckWait, c.cfg.MaxDeliver))
		return err
	})
	if err != nil {
		return fmt.Errorf("consumer of class %s: %w", class, err)
	}
	c.consumer[class] = true
	return nil
}

func consumerConfig(class string, ackWait time.Duration, maxDeliver int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       consumerName(class),
		Description:   "workers of device class " + class,
		FilterSubject: subjectPrefix + "*." + class,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    maxDeliver,
	}
}

// outcome turns a record into the job's outcome, refusing a result whose
// fingerprint is not the class's.
func (c *Coordinator) outcome(ctx context.Context, j Job, rec Record, pins map[string]string) Outcome {
	o := Outcome{Job: j, Worker: rec.Worker}
	if rec.Status == RecordFailed {
		o.Status, o.Reason = Failed, rec.Error
		return o
	}
	pin, ok := pins[j.Class]
	if !ok || pin != rec.Fingerprint {
		// Read again: the class's first worker may have pinned it since.
		if e, err := c.classes.Get(ctx, j.Class); err == nil {
			pin = string(e.Value())
			pins[j.Class] = pin
		}
	}
	if rec.Fingerprint != pin {
		o.Status = Refused
		if pin == "" {
			o.Reason = fmt.Sprintf("result from worker %s refused: class %s has no registered fingerprint", rec.Worker, j.Class)
		} else {
			o.Reason = fmt.Sprintf("result from worker %s refused: its fingerprint %s is not class %s's %s", rec.Worker, rec.Fingerprint, j.Class, pin)
		}
		return o
	}
	o.Status, o.Result, o.Fingerprint = Done, rec.Result, rec.Fingerprint
	return o
}

func decodeRecord(b []byte, j Job) (Record, bool) {
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return Record{Status: RecordFailed, Error: fmt.Sprintf("unreadable result record: %v", err)}, true
	}
	// The key hashes the arch key: make sure it is the same architecture.
	return rec, rec.ArchKey == j.ArchKey && rec.Class == j.Class && rec.Run == j.Run
}

// deliveriesExhausted handles a max-deliveries advisory: if the job is this run's
// and has no record, it records the failure; then it drops the message, which a
// work queue would otherwise keep for ever.
func (c *Coordinator) deliveriesExhausted(ctx context.Context, data []byte) error {
	var adv struct {
		Stream     string `json:"stream"`
		Consumer   string `json:"consumer"`
		StreamSeq  uint64 `json:"stream_seq"`
		Deliveries uint64 `json:"deliveries"`
	}
	if err := json.Unmarshal(data, &adv); err != nil || adv.Stream != StreamName {
		return nil
	}
	raw, err := c.stream.GetMsg(ctx, adv.StreamSeq)
	if err != nil {
		return nil // already gone: a worker terminated it after writing its record
	}
	var j Job
	if err := json.Unmarshal(raw.Data, &j); err != nil || j.Run != c.cfg.Run {
		return nil
	}
	rec := Record{Run: j.Run, ArchKey: j.ArchKey, Class: j.Class, Status: RecordFailed, Deliveries: adv.Deliveries, At: time.Now().UTC(),
		Error: fmt.Sprintf("no result after %d deliveries: each worker died or went silent for longer than the ack wait", adv.Deliveries)}
	b, _ := json.Marshal(rec)
	if _, err := c.results.Create(ctx, resultKey(j.Run, j.Class, j.ArchKey), b); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("record failure of %s on %s: %w", j.ArchKey, j.Class, err)
	}
	if err := c.stream.DeleteMsg(ctx, adv.StreamSeq); err != nil && !msgGone(err) {
		return fmt.Errorf("drop exhausted job %s on %s: %w", j.ArchKey, j.Class, err)
	}
	return nil
}

// msgGone reports an error of deleting a message that is not in the stream (any
// more): the server answers "no message found" (error code 10057), which the client
// turns into ErrMsgDeleteUnsuccessful with the code in its text.
func msgGone(err error) bool {
	return errors.Is(err, jetstream.ErrMsgNotFound) ||
		errors.Is(err, jetstream.ErrMsgDeleteUnsuccessful) && strings.Contains(err.Error(), "err_code=10057")
}
