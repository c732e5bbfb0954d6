package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ltsbench/ltsbench/internal/atomicfile"
	"github.com/ltsbench/ltsbench/internal/inputfile"
)

// The files of a run directory.
const (
	RunFile     = "run.json"
	ArchiveFile = "archive.jsonl"
	ParetoFile  = "pareto.jsonl"
)

// Archive is DIR/archive.jsonl open for appending. It is not safe for concurrent use.
type Archive struct {
	f    *os.File
	path string
	// RepairedBytes is how many bytes of a partial last line (a record cut off by a
	// killed process) OpenArchive removed; 0 when the file ended cleanly.
	RepairedBytes int64
}

// OpenArchive opens DIR/archive.jsonl for appending, creating it (not DIR) if missing.
// If the file ends in a partial line, that line is removed first so the next record
// starts on a line of its own; a last line that is a complete record missing only its
// newline gets the newline instead. RepairedBytes says how much was removed.
func OpenArchive(dir string) (*Archive, error) {
	path := filepath.Join(dir, ArchiveFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	a := &Archive{f: f, path: path}
	if err := a.repairTail(); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

// repairTail finds the bytes after the last newline and either completes them (a whole
// record) or cuts them off (a partial one).
func (a *Archive) repairTail() error {
	st, err := a.f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	// Scan backwards in blocks for the last newline; lines can be long (raw samples).
	const block = 64 << 10
	end := size
	var tail []byte
	for end > 0 {
		start := max(end-block, 0)
		buf := make([]byte, end-start)
		if _, err := a.f.ReadAt(buf, start); err != nil {
			return err
		}
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			tail = append(buf[i+1:], tail...)
			break
		}
		tail = append(buf, tail...)
		end = start
	}
	if len(tail) == 0 {
		return nil
	}
	if _, err := decodeRecord(tail); err == nil {
		if _, err := a.f.WriteAt([]byte{'\n'}, size); err != nil {
			return err
		}
		return a.f.Sync()
	}
	if err := a.f.Truncate(size - int64(len(tail))); err != nil {
		return err
	}
	a.RepairedBytes = int64(len(tail))
	return a.f.Sync()
}

// Append writes rec as one JSON line with a single write and syncs the file before
// returning, so a record that Append accepted survives a crash and a killed process
// leaves at most one partial last line.
func (a *Archive) Append(rec Record) error {
	line, err := json.Marshal(&rec)
	if err != nil {
		return fmt.Errorf("%s: record %d (%s): %w", a.path, rec.Seq, rec.Key, err)
	}
	return a.appendLine(a.f, append(line, '\n'))
}

// archiveFile is what Append writes through (an *os.File; a test injects faults).
type archiveFile interface {
	Write([]byte) (int, error)
	Seek(offset int64, whence int) (int64, error)
	Truncate(size int64) error
	Sync() error
}

// appendLine writes line at the end of f. A short or failed write (a full disk) is
// cut back off, so the file stays whole JSON lines for every reader (jq, pandas, a
// resumed run) and the error is returned.
func (a *Archive) appendLine(f archiveFile, line []byte) error {
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("%s: %w", a.path, err)
	}
	if n, err := f.Write(line); err != nil || n != len(line) {
		if err == nil {
			err = io.ErrShortWrite
		}
		if terr := f.Truncate(end); terr != nil {
			return fmt.Errorf("%s: %w (and cutting the partial line back off failed: %v)", a.path, err, terr)
		}
		return fmt.Errorf("%s: %w (the partial line was cut back off)", a.path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", a.path, err)
	}
	return nil
}

// Path is the archive file's path.
func (a *Archive) Path() string { return a.path }

// Close closes the file.
func (a *Archive) Close() error { return a.f.Close() }

// maxArchiveBytes bounds an archive ReadArchive reads: a paper-size search with every
// raw sample kept is tens of MiB.
const maxArchiveBytes = 4 << 30

// ReadArchive reads a JSONL file of records (archive.jsonl or pareto.jsonl). A last line
// without its newline that does not parse is what a killed writer leaves: it is skipped
// and its length returned as partialBytes (0 when the file ended cleanly). Any other bad
// line is an error naming the file and line. Blank lines are skipped.
func ReadArchive(path string) (recs []Record, partialBytes int, err error) {
	f, err := inputfile.Open(path, maxArchiveBytes)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	for lineNo := 1; ; lineNo++ {
		line, rerr := br.ReadBytes('\n')
		if rerr != nil && rerr != io.EOF {
			return nil, 0, fmt.Errorf("%s:%d: %w", path, lineNo, rerr)
		}
		complete := rerr == nil
		if len(bytes.TrimSpace(line)) > 0 {
			rec, derr := decodeRecord(line)
			switch {
			case derr == nil:
				recs = append(recs, rec)
			case !complete:
				return recs, len(line), nil
			default:
				return nil, 0, fmt.Errorf("%s:%d: %w", path, lineNo, derr)
			}
		}
		if !complete {
			return recs, 0, nil
		}
	}
}

// decodeRecord parses one archive line and checks what the reports rely on.
func decodeRecord(line []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return Record{}, fmt.Errorf("bad record: %v", err)
	}
	if r.Arch == nil {
		return Record{}, errors.New("bad record: no arch")
	}
	if r.Key == "" {
		r.Key = r.Arch.Key()
	}
	if r.Feasible && (r.LatencyMS <= 0 || r.MemoryBytes <= 0) {
		return Record{}, fmt.Errorf("bad record %s: feasible but latency_ms %g, memory_bytes %d", r.Key, r.LatencyMS, r.MemoryBytes)
	}
	return r, nil
}
