package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Job is one measurement: an architecture on a device class under a protocol. The
// architecture and the protocol are the caller's JSON, passed to Measure as given.
type Job struct {
	Run      string          `json:"run"`
	ArchKey  string          `json:"arch_key"` // the architecture's canonical identity
	Class    string          `json:"class"`
	Arch     json.RawMessage `json:"arch"`
	Protocol json.RawMessage `json:"protocol"`
}

func (j Job) check() error {
	if err := checkToken("run", j.Run); err != nil {
		return err
	}
	if err := checkToken("device class", j.Class); err != nil {
		return err
	}
	if j.ArchKey == "" {
		return fmt.Errorf("job on class %s has an empty arch key", j.Class)
	}
	if len(j.Arch) == 0 || !json.Valid(j.Arch) {
		return fmt.Errorf("job %s on class %s: the architecture is not JSON", j.ArchKey, j.Class)
	}
	if len(j.Protocol) == 0 || !json.Valid(j.Protocol) {
		return fmt.Errorf("job %s on class %s: the protocol is not JSON", j.ArchKey, j.Class)
	}
	return nil
}

// Record is what the results bucket holds for a job: a result, or why there is none.
type Record struct {
	Run         string          `json:"run"`
	ArchKey     string          `json:"arch_key"`
	Class       string          `json:"class"`
	Status      string          `json:"status"` // RecordOK or RecordFailed
	Result      json.RawMessage `json:"result,omitempty"`
	Error       string          `json:"error,omitempty"`
	Worker      string          `json:"worker,omitempty"`      // empty when the coordinator wrote it
	Fingerprint string          `json:"fingerprint,omitempty"` // the worker's Fingerprint.Hash
	Deliveries  uint64          `json:"deliveries"`            // the delivery that produced it
	At          time.Time       `json:"at"`
}

// Record statuses.
const (
	RecordOK     = "ok"
	RecordFailed = "failed"
)

// Status is how a job of a generation ended.
type Status string

const (
	Done     Status = "done"      // measured; Outcome.Result holds the result
	Failed   Status = "failed"    // every delivery failed; Outcome.Reason says why
	TimedOut Status = "timed_out" // no record by the generation's deadline
	Refused  Status = "refused"   // a result from a worker whose fingerprint is not its class's
)

// Outcome is a job's end in a generation.
type Outcome struct {
	Job    Job
	Status Status
	Result json.RawMessage // when Done
	Reason string          // when not Done
	Worker string          // who measured it, when a worker did
	// Fingerprint is the worker's fingerprint hash (the class's), when Done.
	Fingerprint string
	Cached      bool // the record existed before the generation started (resume)
}

// Fingerprint describes a worker's device (device description, driver, CPU kernel
// …) as opaque JSON. Every worker of a class must have the same Hash, so that the
// class's latencies are comparable; the caller chooses what goes in (ltsbench leaves
// out clocks, which move with load, and its own build, which a result records).
type Fingerprint struct {
	Data json.RawMessage `json:"data"`
	Hash string          `json:"hash"`
}

// NewFingerprint hashes data (compacted JSON) into a Fingerprint.
func NewFingerprint(data json.RawMessage) (Fingerprint, error) {
	if !json.Valid(data) {
		return Fingerprint{}, fmt.Errorf("fingerprint is not JSON")
	}
	c := compactJSON(data)
	h := sha256.Sum256(c)
	return Fingerprint{Data: c, Hash: hex.EncodeToString(h[:16])}, nil
}
