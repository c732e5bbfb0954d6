package fleet

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A setup step that times out (a slow server) is tried again until it succeeds; one
// that fails otherwise (a refused fingerprint) is not; a cancelled context stops the
// retries with the step's last error.
func TestRetrySetup(t *testing.T) {
	slow := fmt.Errorf("jetstream stream %s: %w", StreamName, context.DeadlineExceeded)
	tries := 0
	err := retrySetup(context.Background(), func() error {
		tries++
		if tries < 3 {
			return slow
		}
		return nil
	})
	if err != nil || tries != 3 {
		t.Errorf("two timeouts then success: %v after %d tries, want nil after 3", err, tries)
	}

	refused := &FingerprintError{Class: "c", Worker: "w", Have: "a", Want: "b"}
	tries = 0
	err = retrySetup(context.Background(), func() error { tries++; return refused })
	if !errors.As(err, new(*FingerprintError)) || tries != 1 {
		t.Errorf("a refusal: %v after %d tries, want it after 1", err, tries)
	}

	tries = 0
	err = retrySetup(context.Background(), func() error { tries++; return jetstream.ErrJetStreamNotEnabled })
	if !errors.Is(err, jetstream.ErrJetStreamNotEnabled) || tries != 1 {
		t.Errorf("a server without JetStream: %v after %d tries, want it after 1", err, tries)
	}

	ctx, cancel := context.WithCancel(context.Background())
	tries = 0
	start := time.Now()
	err = retrySetup(ctx, func() error {
		tries++
		if tries == 2 {
			cancel()
		}
		return nats.ErrTimeout
	})
	if !errors.Is(err, nats.ErrTimeout) || tries != 2 || time.Since(start) > 5*time.Second {
		t.Errorf("cancelled while retrying: %v after %d tries in %s, want the timeout after 2", err, tries, time.Since(start))
	}
}
