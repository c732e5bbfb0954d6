package results

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"github.com/ltsbench/ltsbench/internal/atomicfile"
	"github.com/ltsbench/ltsbench/internal/stats"
)

// DevicesFile is a run's measurements of its front on other device classes
// (run --also-measure), one DeviceMeasurement a line.
const DevicesFile = "devices.jsonl"

// DeviceMeasurement is one architecture on one device class.
type DeviceMeasurement struct {
	Key           string  `json:"key"`
	Class         string  `json:"class"`
	DecoderParams int64   `json:"decoder_params"`
	Feasible      bool    `json:"feasible"`
	LatencyMS     float64 `json:"latency_ms,omitempty"`
	MemoryBytes   int64   `json:"memory_bytes,omitempty"`
	Error         string  `json:"error,omitempty"`
}

// WriteDevices replaces path atomically with ms, one a line.
func WriteDevices(path string, ms []DeviceMeasurement) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		for _, m := range ms {
			line, err := json.Marshal(m)
			if err != nil {
				return err
			}
			if _, err := w.Write(append(line, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeviceTau is the agreement of two device classes on latency: Kendall's τ-b over
// the N architectures feasible on both (NaN when fewer than 2, or when one class
// gives them all the same latency).
type DeviceTau struct {
	A, B string
	N    int
	Tau  float64
}

// DeviceTaus is the τ of every pair of classes, in the order of classes.
func DeviceTaus(ms []DeviceMeasurement, classes []string) []DeviceTau {
	lat := map[string]map[string]float64{} // class → key → latency
	for _, m := range ms {
		if !m.Feasible {
			continue
		}
		if lat[m.Class] == nil {
			lat[m.Class] = map[string]float64{}
		}
		lat[m.Class][m.Key] = m.LatencyMS
	}
	keys := deviceKeys(ms)
	var out []DeviceTau
	for i, a := range classes {
		for _, b := range classes[i+1:] {
			var x, y []float64
			for _, k := range keys {
				la, oka := lat[a][k]
				lb, okb := lat[b][k]
				if oka && okb {
					x, y = append(x, la), append(y, lb)
				}
			}
			out = append(out, DeviceTau{A: a, B: b, N: len(x), Tau: stats.KendallTauB(x, y)})
		}
	}
	return out
}

// deviceKeys is the architectures of ms in first-seen order.
func deviceKeys(ms []DeviceMeasurement) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range ms {
		if !seen[m.Key] {
			seen[m.Key] = true
			keys = append(keys, m.Key)
		}
	}
	return keys
}

// WriteDeviceTable writes one row per architecture of ms (first-seen order) with its
// decoder parameters and its latency and memory on each class, "-" where it could
// not run, then the Kendall τ of latency between each pair of classes.
func WriteDeviceTable(w io.Writer, ms []DeviceMeasurement, classes []string) error {
	by := map[[2]string]DeviceMeasurement{}
	params := map[string]int64{}
	for _, m := range ms {
		by[[2]string{m.Key, m.Class}] = m
		if m.DecoderParams > 0 {
			params[m.Key] = m.DecoderParams
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "#\tdecoder params\t")
	for _, c := range classes {
		fmt.Fprintf(tw, "%s ms\t%s MiB\t", c, c)
	}
	fmt.Fprintln(tw)
	for i, k := range deviceKeys(ms) {
		fmt.Fprintf(tw, "%d\t%d\t", i+1, params[k])
		for _, c := range classes {
			m, ok := by[[2]string{k, c}]
			if !ok || !m.Feasible {
				fmt.Fprint(tw, "-\t-\t")
				continue
			}
			fmt.Fprintf(tw, "%.3f\t%.1f\t", m.LatencyMS, float64(m.MemoryBytes)/BytesPerMB)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, t := range DeviceTaus(ms, classes) {
		tau := "n/a"
		if !math.IsNaN(t.Tau) {
			tau = fmt.Sprintf("%.3f", t.Tau)
		}
		if _, err := fmt.Fprintf(w, "Kendall τ of latency, %s vs %s: %s over %d architectures\n", t.A, t.B, tau, t.N); err != nil {
			return err
		}
	}
	return nil
}
