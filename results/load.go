package results

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Run is one run directory, ready for reporting.
type Run struct {
	Dir  string
	Info RunInfo
	// Archive is every record of archive.jsonl in file order (feasible or not).
	Archive []Record
	// Front is the Pareto front of the archive under the run's dominance and limits,
	// sorted by decoder parameters.
	Front []Record
	// Devices is DIR/devices.jsonl (run --also-measure): the front measured on each
	// device class, in file order; DeviceClasses is their classes in first-seen order,
	// the run's own first. Both are empty when the run measured no other class.
	Devices       []DeviceMeasurement
	DeviceClasses []string
	// Warnings are things a reader of the report should know (a partial last line, a
	// stale pareto.jsonl); they are not errors.
	Warnings []string
}

// Strict reports whether the run used LTS's strict dominance.
func (r *Run) Strict() bool { return r.Info.Search.Strict() }

// Infeasible counts the archive's records that could not be measured.
func (r *Run) Infeasible() int { return CountInfeasible(r.Archive) }

// CountInfeasible counts the records that could not be measured (Feasible false).
func CountInfeasible(recs []Record) int {
	n := 0
	for i := range recs {
		if !recs[i].Feasible {
			n++
		}
	}
	return n
}

// LoadRun reads DIR/run.json and DIR/archive.jsonl (and DIR/devices.jsonl, when the run
// measured its front on other device classes) and computes the Pareto front of
// the archive with the run's dominance ("strict" is LTS's) among the records the run
// admits (feasible, within max_latency_ms and max_memory_mb). The archive is the source of truth: pareto.jsonl is only
// used when there is no archive, and a pareto.jsonl that lists other architectures
// than the recomputed front (a run killed between the two writes) gives a warning.
func LoadRun(dir string) (*Run, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a run directory", dir)
	}
	info, err := ReadRunInfo(dir)
	if err != nil {
		return nil, err
	}
	r := &Run{Dir: dir, Info: *info}

	archivePath := filepath.Join(dir, ArchiveFile)
	paretoPath := filepath.Join(dir, ParetoFile)
	recs, partial, err := ReadArchive(archivePath)
	haveArchive := err == nil
	switch {
	case haveArchive:
		r.Archive = recs
		if partial > 0 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: skipped a partial last line (%d bytes) left by an interrupted write", archivePath, partial))
		}
	case errors.Is(err, fs.ErrNotExist):
		// A run killed before its first measurement, or files copied without the
		// archive: the front file is all there is.
	default:
		return nil, err
	}

	front, partial, err := ReadArchive(paretoPath)
	havePareto := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		if !haveArchive {
			return nil, err
		}
		r.Warnings = append(r.Warnings, fmt.Sprintf("%v (ignored: the front is recomputed from the archive)", err))
	}
	if partial > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: skipped a partial last line (%d bytes)", paretoPath, partial))
	}
	if !haveArchive && !havePareto {
		return nil, fmt.Errorf("%s: neither %s nor %s", dir, ArchiveFile, ParetoFile)
	}
	if !haveArchive {
		r.Archive = front
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: missing; reporting %s alone", archivePath, ParetoFile))
	}

	// Confirmed latencies (DIR/confirmed.jsonl, see ApplyConfirmations) replace the
	// search's for the front and the report.
	if cs, err := ReadConfirmations(dir); err != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%v (ignored: the search's latencies are reported)", err))
	} else {
		ApplyConfirmations(r.Archive, cs)
	}
	r.Front = ParetoFront(r.Archive, r.Strict(), r.Info.Bounds())
	if haveArchive && havePareto && !sameKeys(front, r.Front) {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s lists %d architectures, the archive's front has %d: reporting the archive's front (the run may have stopped between the two writes)", paretoPath, len(front), len(r.Front)))
	}

	// The front on other device classes is an addition to the report: a bad
	// devices.jsonl leaves it out, as a bad confirmed.jsonl leaves out confirmations.
	devicesPath := filepath.Join(dir, DevicesFile)
	ms, classes, partial, err := ReadDevices(devicesPath)
	if err != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%v (ignored: the report leaves out the other device classes)", err))
	} else {
		r.Devices, r.DeviceClasses = ms, classes
	}
	if partial > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: skipped a partial last line (%d bytes)", devicesPath, partial))
	}
	return r, nil
}

// sameKeys reports whether a and b hold the same architectures, in any order.
func sameKeys(a, b []Record) bool {
	if len(a) != len(b) {
		return false
	}
	n := map[string]int{}
	for i := range a {
		n[a[i].Key]++
	}
	for i := range b {
		n[b[i].Key]--
	}
	for _, c := range n {
		if c != 0 {
			return false
		}
	}
	return true
}
