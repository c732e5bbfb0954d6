package results

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Store is a run directory as a search keeps it: every record appended to
// DIR/archive.jsonl the moment it is measured, the front in DIR/pareto.jsonl replaced
// after each iteration. run.json is the caller's.
type Store struct {
	dir     string
	ar      *Archive
	prior   []Record
	dropped int
}

// OpenStore opens the store of DIR (which must exist). A fresh search (resume false)
// needs an empty archive; a resumed one reads the archive first (Prior), dropping a
// partial last line that a killed writer left (Dropped).
func OpenStore(dir string, resume bool) (*Store, error) {
	path := filepath.Join(dir, ArchiveFile)
	s := &Store{dir: dir}
	if !resume {
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			return nil, fmt.Errorf("%s: already holds a search; resume it or choose another directory", path)
		}
	} else {
		recs, partial, err := ReadArchive(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		s.prior, s.dropped = recs, partial
	}
	ar, err := OpenArchive(dir)
	if err != nil {
		return nil, err
	}
	s.ar = ar
	return s, nil
}

// Prior is the archive as OpenStore found it (nil for a fresh search).
func (s *Store) Prior() []Record { return s.prior }

// Dropped is the size of the partial last line OpenStore dropped from the archive.
func (s *Store) Dropped() int { return s.dropped }

// Append appends rec to the archive (Archive.Append).
func (s *Store) Append(rec Record) error { return s.ar.Append(rec) }

// WriteFront replaces DIR/pareto.jsonl atomically with front.
func (s *Store) WriteFront(front []Record) error {
	return WriteJSONL(filepath.Join(s.dir, ParetoFile), front)
}

// Name is the archive's path.
func (s *Store) Name() string { return s.ar.Path() }

// Close closes the archive.
func (s *Store) Close() error { return s.ar.Close() }
