package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// CoordinatorConfig configures a Coordinator.
type CoordinatorConfig struct {
	Run string // the run's id: a subject token, [A-Za-z0-9_-]
	// AckWait is how long a worker may be silent on a job before the server hands
	// it to another worker; workers report progress every AckWait/4. Take a few
	// times the expected measurement time (default 30 s).
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
	st, kvs, err := ensure(ctx, js)
	if err != nil {
		return nil, err
	}
	c := &Coordinator{cfg: cfg, nc: nc, js: js, stream: st, results: kvs[ResultsBucket],
		classes: kvs[ClassesBucket], advCh: make(chan jetstream.Msg, 256), closed: make(chan struct{}), consumer: map[string]bool{}}
	// Deliveries exhausted without a record (workers lost or too slow): the server
	// says so in an advisory, which ExhaustedStream keeps until this run's
	// coordinator has seen it; the coordinator then writes the failed record.
	adv, err := js.CreateOrUpdateConsumer(ctx, ExhaustedStream, jetstream.ConsumerConfig{
		Durable:     "coordinator_" + cfg.Run,
		Description: "the coordinator of run " + cfg.Run,
		AckPolicy:   jetstream.AckExplicitPolicy,
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
// has a record or when deadline passes (the rest are TimedOut and stay queued: a
// later generation or a resumed run finds their records). Outcomes are in the order
// of jobs. An error means the generation could not be run (bad job, lost server).
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
	w, err := c.results.Watch(ctx, c.cfg.Run+".>", jetstream.UpdatesOnly())
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
	for i, j := range jobs { // in the order given, each key once
		k := resultKey(j.Run, j.Class, j.ArchKey)
		if byKey[k][0] != i || out[i].Status != "" {
			continue
		}
		if _, err := c.publish(ctx, j); err != nil {
			return nil, err
		}
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
			for _, idx := range byKey {
				if out[idx[0]].Status == "" {
					for _, i := range idx {
						out[i].Status = TimedOut
						out[i].Reason = fmt.Sprintf("no result by the generation's deadline (%s)", deadline.Format(time.RFC3339))
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

// publish queues j; a job already in the stream (same message id) is not stored again.
func (c *Coordinator) publish(ctx context.Context, j Job) (duplicate bool, err error) {
	payload, err := json.Marshal(j)
	if err != nil {
		return false, err
	}
	ack, err := c.js.Publish(ctx, jobSubject(j.Run, j.Class), payload, jetstream.WithMsgID(msgID(j)), jetstream.WithExpectStream(StreamName))
	if err != nil {
		return false, fmt.Errorf("publish job %s on %s: %w", j.ArchKey, j.Class, err)
	}
	return ack.Duplicate, nil
}

func (c *Coordinator) ensureConsumer(ctx context.Context, class string) error {
	if c.consumer[class] {
		return nil
	}
	_, err := c.js.CreateOrUpdateConsumer(ctx, StreamName, consumerConfig(class, c.cfg.AckWait, c.cfg.MaxDeliver))
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
	o.Status, o.Result = Done, rec.Result
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
	if err := c.stream.DeleteMsg(ctx, adv.StreamSeq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("drop exhausted job %s on %s: %w", j.ArchKey, j.Class, err)
	}
	return nil
}
