package fleet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Names of the JetStream objects the coordinator and the workers share.
const (
	StreamName = "LTSBENCH_JOBS"
	// ExhaustedStream keeps the server's max-deliveries advisories of the jobs
	// stream, so that a coordinator that was down when a job ran out of
	// deliveries learns of it when it comes back.
	ExhaustedStream = "LTSBENCH_EXHAUSTED"
	subjectPrefix   = "ltsbench.jobs."
	ResultsBucket   = "ltsbench_results"
	WorkersBucket   = "ltsbench_workers"
	ClassesBucket   = "ltsbench_classes"
	consumerPrefix  = "ltsbench_"

	// dedupWindow is how long the stream remembers a job's message id: publishing
	// the same job again within it stores nothing.
	dedupWindow = 24 * time.Hour
)

// tokenRE is what a run id, a device class and a worker id may be made of: it is
// at once a subject token, a KV key token and part of a consumer name.
var tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func checkToken(what, s string) error {
	if !tokenRE.MatchString(s) {
		return fmt.Errorf("%s %q: use 1 to 64 letters, digits, '-' and '_'", what, s)
	}
	return nil
}

func jobSubject(run, class string) string { return subjectPrefix + run + "." + class }

func consumerName(class string) string { return consumerPrefix + class }

// resultKey is the results bucket's key of (run, class, arch key). The arch key is
// hashed: KV keys allow only [-/_=.a-zA-Z0-9], and the record repeats it in full.
func resultKey(run, class, archKey string) string {
	h := sha256.Sum256([]byte(archKey))
	return run + "." + class + "." + hex.EncodeToString(h[:])
}

// msgID is a job's de-duplication id: hash(run, arch key, class, protocol).
func msgID(j Job) string {
	h := sha256.New()
	for _, s := range []string{j.Run, j.ArchKey, j.Class} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(compactJSON(j.Protocol))
	return hex.EncodeToString(h.Sum(nil))
}

func compactJSON(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// exhaustedMaxAge is how long ExhaustedStream keeps an advisory.
const exhaustedMaxAge = 7 * 24 * time.Hour

// setupPatience is how long a worker or coordinator keeps retrying its setup (the
// streams, buckets, registration and consumers) while the server answers too slowly: a
// server storing to a busy disk can take longer than a request's 5 s to create a
// file-backed stream.
const setupPatience = 2 * time.Minute

// retrySetup runs step until it succeeds, fails with an error that is not transient
// (transient: a timeout, no responders, a reconnecting connection; a server without
// JetStream is not), ctx ends or
// setupPatience has passed since the first try, waiting 0.25 s, 0.5 s, 1 s, 2 s …
// (at most 5 s) between tries. Every step must be safe to repeat.
func retrySetup(ctx context.Context, step func() error) error {
	deadline := time.Now().Add(setupPatience)
	wait := 250 * time.Millisecond
	for {
		err := step()
		// A server without JetStream stays so: that is not worth two minutes' wait.
		if err == nil || !transient(err) || errors.Is(err, jetstream.ErrJetStreamNotEnabled) ||
			ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// ensure creates (or confirms) the stream and the buckets. Coordinator and workers
// both call it with the same configuration, so either may start first.
func ensure(ctx context.Context, js jetstream.JetStream) (jetstream.Stream, map[string]jetstream.KeyValue, error) {
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "ltsbench measurement jobs, one subject per run and device class",
		Subjects:    []string{subjectPrefix + ">"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  dedupWindow,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("jetstream stream %s: %w", StreamName, err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        ExhaustedStream,
		Description: "max-deliveries advisories of " + StreamName,
		Subjects:    []string{maxDeliveriesAdvisory + "." + StreamName + ".*"},
		Storage:     jetstream.FileStorage,
		MaxAge:      exhaustedMaxAge,
	}); err != nil {
		return nil, nil, fmt.Errorf("jetstream stream %s: %w", ExhaustedStream, err)
	}
	kvs := map[string]jetstream.KeyValue{}
	for _, b := range []string{ResultsBucket, WorkersBucket, ClassesBucket} {
		kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: b, Storage: jetstream.FileStorage})
		if err != nil {
			return nil, nil, fmt.Errorf("jetstream key-value bucket %s: %w", b, err)
		}
		kvs[b] = kv
	}
	return st, kvs, nil
}
