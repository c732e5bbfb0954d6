package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ltsbench/ltsbench/internal/atomicfile"
	"github.com/ltsbench/ltsbench/internal/inputfile"
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

// maxDevicesBytes bounds what ReadDevices reads: a line is a few hundred bytes, one
// per front architecture and class.
const maxDevicesBytes = 64 << 20

// ReadDevices reads a devices.jsonl: the measurements in file order and their classes
// in first-seen order (the run's own class first, as run writes it). A missing file
// is no measurements, not an error. As in ReadArchive, a last line without its newline
// that does not parse is what an interrupted copy leaves: it is skipped and its length
// returned as partialBytes; any other bad line (not JSON, no key or class, feasible
// without a latency, an architecture twice on one class) is an error naming the file
// and line. Blank lines are skipped, fields this version does not know are ignored.
func ReadDevices(path string) (ms []DeviceMeasurement, classes []string, partialBytes int, err error) {
	f, err := inputfile.Open(path, maxDevicesBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, 0, nil
	}
	if err != nil {
		return nil, nil, 0, err
	}
	defer f.Close()
	seen := map[[2]string]int{} // key, class → line
	br := bufio.NewReaderSize(f, 1<<16)
	for lineNo := 1; ; lineNo++ {
		line, rerr := br.ReadBytes('\n')
		if rerr != nil && rerr != io.EOF {
			return nil, nil, 0, fmt.Errorf("%s:%d: %w", path, lineNo, rerr)
		}
		complete := rerr == nil
		if len(bytes.TrimSpace(line)) > 0 {
			m, derr := decodeDevice(line)
			if derr == nil {
				at := [2]string{m.Key, m.Class}
				if prev, dup := seen[at]; dup {
					derr = fmt.Errorf("%s on class %s again (first on line %d)", m.Key, m.Class, prev)
				}
				seen[at] = lineNo
			}
			switch {
			case derr == nil:
				ms = append(ms, m)
				if !slices.Contains(classes, m.Class) {
					classes = append(classes, m.Class)
				}
			case !complete:
				return ms, classes, len(line), nil
			default:
				return nil, nil, 0, fmt.Errorf("%s:%d: %w", path, lineNo, derr)
			}
		}
		if !complete {
			return ms, classes, 0, nil
		}
	}
}

// decodeDevice parses one devices.jsonl line and checks what the reports rely on.
func decodeDevice(line []byte) (DeviceMeasurement, error) {
	var m DeviceMeasurement
	if err := json.Unmarshal(line, &m); err != nil {
		return m, fmt.Errorf("bad device measurement: %v", err)
	}
	switch {
	case m.Key == "":
		return m, errors.New("bad device measurement: no key")
	case strings.TrimSpace(m.Class) == "":
		return m, fmt.Errorf("bad device measurement of %s: no class", m.Key)
	case m.Feasible && !(m.LatencyMS > 0):
		return m, fmt.Errorf("bad device measurement of %s on class %s: feasible but latency_ms %g", m.Key, m.Class, m.LatencyMS)
	}
	return m, nil
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

// deviceTableHeader is the columns of the device table: the architecture's number
// (first-seen order), its decoder parameters, then latency and memory per class.
func deviceTableHeader(classes []string) []string {
	h := []string{"#", "decoder params"}
	for _, c := range classes {
		h = append(h, c+" ms", c+" MiB")
	}
	return h
}

// deviceTableRows is the cells of the device table, one row per architecture of ms in
// first-seen order: its number, decoder parameters, and latency and memory on each
// class, "-" where it could not run (or was not measured).
func deviceTableRows(ms []DeviceMeasurement, classes []string) [][]string {
	by := map[[2]string]DeviceMeasurement{}
	params := map[string]int64{}
	for _, m := range ms {
		by[[2]string{m.Key, m.Class}] = m
		if m.DecoderParams > 0 {
			params[m.Key] = m.DecoderParams
		}
	}
	var rows [][]string
	for i, k := range deviceKeys(ms) {
		row := []string{fmt.Sprint(i + 1), fmt.Sprint(params[k])}
		for _, c := range classes {
			m, ok := by[[2]string{k, c}]
			if !ok || !m.Feasible {
				row = append(row, "-", "-")
				continue
			}
			row = append(row, fmt.Sprintf("%.3f", m.LatencyMS), fmt.Sprintf("%.1f", float64(m.MemoryBytes)/BytesPerMB))
		}
		rows = append(rows, row)
	}
	return rows
}

// deviceTauLines is the sentence on each pair of classes' Kendall τ of latency, "n/a"
// where τ is undefined.
func deviceTauLines(ms []DeviceMeasurement, classes []string) []string {
	var lines []string
	for _, t := range DeviceTaus(ms, classes) {
		tau := "n/a"
		if !math.IsNaN(t.Tau) {
			tau = fmt.Sprintf("%.3f", t.Tau)
		}
		lines = append(lines, fmt.Sprintf("Kendall τ of latency, %s vs %s: %s over %d architectures", t.A, t.B, tau, t.N))
	}
	return lines
}

// WriteDeviceTable writes one row per architecture of ms (first-seen order) with its
// decoder parameters and its latency and memory on each class, "-" where it could
// not run, then the Kendall τ of latency between each pair of classes.
func WriteDeviceTable(w io.Writer, ms []DeviceMeasurement, classes []string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range append([][]string{deviceTableHeader(classes)}, deviceTableRows(ms, classes)...) {
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, line := range deviceTauLines(ms, classes) {
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
