package results

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/internal/atomicfile"
	"github.com/ltsbench/ltsbench/internal/inputfile"
)

// ConfirmedFile is DIR/confirmed.jsonl: the latest confirmation of the run's front and
// its neighbourhood, one architecture a line, replaced as a whole each time.
const ConfirmedFile = "confirmed.jsonl"

// maxConfirmedBytes bounds what ReadConfirmations reads: a confirmation line is a few
// KiB (its samples), and a run confirms at most a few hundred architectures.
const maxConfirmedBytes = 64 << 20

// Confirmation is an architecture measured again, in rounds interleaved with the other
// architectures confirmed with it, so that their latencies compare: each round
// measures every one of them once, under the run's protocol, in turn.
type Confirmation struct {
	Key string `json:"key"`
	// RoundsMS is each round's latency (the protocol's statistic of that round's
	// samples), in the order measured.
	RoundsMS []float64 `json:"rounds_ms"`
	// LatencyMS is the confirmed latency: the protocol's statistic (median, or mean
	// with --lts-compat) of every sample of every round; Latency summarises them.
	LatencyMS float64     `json:"latency_ms"`
	Latency   bench.Stats `json:"latency"`
	// Spread is the run-to-run spread of the rounds: max/min − 1 of RoundsMS.
	Spread float64 `json:"spread"`
	// DisturbedFraction is the share of the rounds' timed forwards that other work
	// disturbed (see bench.Disturbance), 0 where not measured.
	DisturbedFraction float64 `json:"disturbed_fraction"`
	// SearchLatencyMS is the latency the search measured (the archive's).
	SearchLatencyMS float64 `json:"search_latency_ms"`
	ConfirmedAt     string  `json:"confirmed_at"` // RFC 3339, UTC
}

// WriteConfirmations replaces DIR/confirmed.jsonl atomically with cs.
func WriteConfirmations(dir string, cs []Confirmation) error {
	path := filepath.Join(dir, ConfirmedFile)
	return atomicfile.Write(path, func(w io.Writer) error {
		for i := range cs {
			line, err := json.Marshal(&cs[i])
			if err != nil {
				return fmt.Errorf("%s: %s: %w", path, cs[i].Key, err)
			}
			if _, err := w.Write(append(line, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReadConfirmations reads DIR/confirmed.jsonl; a run never confirmed has none (nil, no
// error). A line that is not a confirmation is an error naming the file and line.
func ReadConfirmations(dir string) ([]Confirmation, error) {
	path := filepath.Join(dir, ConfirmedFile)
	f, err := inputfile.Open(path, maxConfirmedBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cs []Confirmation
	sc := bufio.NewScanner(io.LimitReader(f, maxConfirmedBytes))
	sc.Buffer(make([]byte, 64<<10), maxConfirmedBytes)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var c Confirmation
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil || c.Key == "" || !(c.LatencyMS > 0) {
			if err == nil {
				err = errors.New("no key or no positive latency_ms")
			}
			return nil, fmt.Errorf("%s: line %d: %v", path, n, err)
		}
		cs = append(cs, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// ApplyConfirmations gives each feasible record of recs that cs confirms its
// confirmation and takes the confirmed latency as its latency objective (the search's
// stays in SearchLatencyMS and in the record's Result). It returns how many records it
// changed.
func ApplyConfirmations(recs []Record, cs []Confirmation) int {
	byKey := make(map[string]*Confirmation, len(cs))
	for i := range cs {
		byKey[cs[i].Key] = &cs[i]
	}
	n := 0
	for i := range recs {
		r := &recs[i]
		if c := byKey[r.Key]; c != nil && r.Feasible {
			r.Confirmed = c
			r.LatencyMS = c.LatencyMS
			n++
		}
	}
	return n
}
